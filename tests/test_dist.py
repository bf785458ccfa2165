"""What the package index shows: the README's links work off the repository, and the
metadata names the distribution the README tells users to install. (scripts/check-dist
builds, installs and tests the real wheel and sdist.)"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()
PYPROJECT = (REPO / "pyproject.toml").read_text()
HOME = re.search(r'^Homepage = "([^"]+)"$', PYPROJECT, re.MULTILINE)[1]  # type: ignore[index]


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_readme_links_resolve_off_the_repository() -> None:
    # A relative link (docs/DESIGN.md, #section) breaks on the index page: every link is
    # absolute, and those on the project's own address point at a file or heading that exists.
    anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", README, re.MULTILINE)}
    links = re.findall(r"!?\[[^\]]*\]\(([^)\s]+)\)", README)
    assert len(links) > 10
    for url in links:
        assert re.match(r"https?://", url), f"relative link in README.md: {url}"
        raw = HOME.replace("github.com", "raw.githubusercontent.com")
        for prefix in (f"{HOME}/blob/main/", f"{raw}/main/"):
            if url.startswith(prefix):
                assert (REPO / url[len(prefix) :]).exists(), url
        if url.startswith(f"{HOME}#"):
            assert url[len(HOME) + 1 :] in anchors, url


def test_readme_installs_the_distribution_pyproject_names() -> None:
    name = re.search(r'^name = "([^"]+)"$', PYPROJECT, re.MULTILINE)[1]  # type: ignore[index]
    assert name == "pyinit-pid1"
    assert f"pip install {name} " in README
    assert f"pip install '{name}[check]'" in README
    # No install line for the stranger's project of the same name as the command.
    assert not re.search(r"pip install '?pyinit(\[|\b(?!-))", README)
