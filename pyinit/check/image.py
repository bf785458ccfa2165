"""Image resolution: what the final stage (or ``--target``) of a Dockerfile holds.

Only what the rules need: ENTRYPOINT, CMD, STOPSIGNAL, SHELL, WORKDIR, ENV, ARG, the files
COPY and ADD put in (to find entrypoint scripts and inits), and the packages RUN installs.
A stage ``FROM`` an earlier one is built on top of it in place, so a chain of stages costs
its instructions once; ``COPY --from`` builds its source stage apart, at most
:data:`MAX_BUILDS` times per file.
"""

from __future__ import annotations

import posixpath
import re
from typing import Callable, Optional

from pyinit.check.dockerfile import Instruction, Stage, string_list
from pyinit.check.expand import MAX_VALUE, UNKNOWN, Expander

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MAX_BUILDS = 32  # stages built apart for COPY --from, per file

Reader = Callable[[str], Optional[tuple[str, str]]]  # context path -> (display name, text)


class File:
    __slots__ = ("dest", "dest_is_dir", "src", "content", "offset", "stage")

    def __init__(
        self,
        dest: str,
        dest_is_dir: bool,
        src: str | None = None,
        content: str | None = None,
        offset: int = 0,
        stage: str | None = None,
    ) -> None:
        self.dest = dest  # absolute path in the image
        self.dest_is_dir = dest_is_dir
        self.src = src  # context-relative source (may hold * ? [)
        self.content = content  # heredoc text
        self.offset = offset  # Dockerfile line before a heredoc's first line
        self.stage = stage  # COPY --from=STAGE whose file we could not see


class Image:
    def __init__(self) -> None:
        self.entrypoint: Instruction | None = None
        self.cmd: Instruction | None = None
        self.stopsignal: Instruction | None = None
        self.shell: list[str] = ["/bin/sh", "-c"]
        self.workdir = "/"
        self.env: dict[str, str] = {"PATH": DEFAULT_PATH}
        self.args: dict[str, str] = {}
        self.files: list[File] = []
        self.index: FileIndex | None = None  # find_file's, built when first needed
        self.runs: list[Instruction] = []  # RUN instructions, oldest first
        self.bases: list[str] = []  # the external images the chain starts from


class Resolver:
    def __init__(self, stages: list[Stage], global_args: dict[str, str],
                 expander: Expander) -> None:  # fmt: skip
        self.stages = stages
        self.global_args = global_args
        self.expander = expander
        self.built: dict[int, Image] = {}
        self.builds = 0
        self.names: dict[str, int] = {}

    def index_of(self, name: str, before: int) -> int | None:
        """The earlier stage called ``name`` (or numbered, as COPY --from=0 allows)."""
        if not self.names:
            for index, stage in enumerate(self.stages):
                if stage.name:
                    self.names.setdefault(stage.name.lower(), index)
        name = name.lower()
        index = self.names.get(name)
        if index is None and name.isascii() and name.isdigit():
            index = int(name)
        return index if index is not None and index < before else None

    def build(self, index: int) -> Image:
        chain = [index]
        while True:
            parent = self.index_of(self.stages[chain[-1]].base, chain[-1])
            if parent is None:
                break
            chain.append(parent)
        image = Image()
        image.bases.append(self.stages[chain[-1]].base)
        for position in reversed(chain):
            image.args = {}  # ARGs do not cross FROM; everything else is inherited
            self.apply(position, image)
        return image

    def source(self, name: str, before: int, line: int) -> Image | None:
        index = self.index_of(name, before)
        if index is None:
            return None
        if index not in self.built:
            if self.builds >= MAX_BUILDS:
                if self.expander.note is None:
                    self.expander.note = (line, f"more than {MAX_BUILDS} COPY --from stages")
                return None
            self.builds += 1
            self.built[index] = self.build(index)
        return self.built[index]

    def apply(self, index: int, image: Image) -> None:
        cmd_inherited = image.cmd is not None
        expander = self.expander
        for instr in self.stages[index].instructions:
            keyword, line = instr.keyword, instr.line
            if keyword == "ENTRYPOINT":
                image.entrypoint = instr
                if cmd_inherited:
                    image.cmd = None
            elif keyword == "CMD":
                image.cmd = instr
                cmd_inherited = False
            elif keyword == "STOPSIGNAL":
                image.stopsignal = instr
            elif keyword == "SHELL":
                image.shell = string_list(instr.value) or image.shell
            elif keyword == "WORKDIR":
                value = expander.expand(instr.value.strip(), line, image.args, image.env)
                if UNKNOWN in value:
                    image.workdir = "/" + UNKNOWN
                else:
                    image.workdir = posixpath.normpath(posixpath.join(image.workdir, value))
            elif keyword == "ENV":
                image.env.update(expander.key_values(instr.value, line, image.args, image.env,
                                                     True))  # fmt: skip
            elif keyword == "ARG":
                values = expander.key_values(instr.value, line, image.args, image.env, False)
                for name, value in values.items():
                    if "=" in instr.value:
                        image.args[name] = expander.expand(value, line, image.args, image.env)
                    elif name in self.global_args:
                        image.args[name] = self.global_args[name]
            elif keyword in ("COPY", "ADD"):
                self.copy(instr, image, index)
            elif keyword == "RUN":
                image.runs.append(instr)

    def copy(self, instr: Instruction, image: Image, index: int) -> None:
        value = instr.value.strip()
        if len(value) > MAX_VALUE:
            self.expander.words(value, instr.line, None, None)  # notes the refusal
            return
        match = re.match(r"((?:--\S*\s+)*)(.*)", value, re.S)
        assert match is not None  # the pattern matches any text
        flags = dict(flag[2:].partition("=")[::2] for flag in match.group(1).split())
        rest = match.group(2)
        exec_form = string_list(rest) if rest.startswith("[") else None
        expand = self.expander
        if exec_form:
            words: list[str] | None = [
                expand.expand(w, instr.line, image.args, image.env) for w in exec_form
            ]
        else:
            words = expand.words(rest, instr.line, image.args, image.env)
        if not words or len(words) < 2:
            return
        *sources, dest = words
        many = len(sources) > 1 or dest.endswith("/")
        dest = posixpath.normpath(posixpath.join(image.workdir, dest))
        heredocs = iter(instr.heredocs)
        source_image = self.source(flags["from"], index, instr.line) if flags.get("from") else None
        for source in sources:
            if source.startswith("<<"):
                doc = next(heredocs, None)
                if doc is not None:
                    path = posixpath.join(dest, doc.name) if many else dest
                    image.files.append(File(path, False, content=doc.body, offset=doc.line - 1))
                continue
            if "://" in source or source.startswith("git@"):  # ADD URL: a file, unseen
                name = posixpath.basename(source.split("?", 1)[0].rstrip("/"))
                path = posixpath.join(dest, name) if many else dest
                image.files.append(File(path, False, stage=source))
                continue
            if "from" in flags:
                path = posixpath.join(dest, posixpath.basename(source)) if many else dest
                found = None
                if source_image is not None:
                    found = find_file(source_image, posixpath.normpath(posixpath.join("/", source)))
                if found is not None:
                    image.files.append(File(path, False, found.src, found.content, found.offset))
                else:  # from an image we cannot see into: a file is there, content unknown
                    image.files.append(File(path, many, stage=flags["from"]))
                continue
            src = posixpath.normpath(source.lstrip("/")) if source.strip("/.") else "."
            image.files.append(File(dest, many, src))


MAX_SCAN = 1024  # COPY entries tried per look-up under one folder (globs that miss)


class FileIndex:
    """The image's COPY entries by destination, so that a look-up costs the entries at
    that path and its folders, not every COPY of the file (a 4 MB Dockerfile has 250k)."""

    def __init__(self, files: list[File]) -> None:
        self.size = len(files)
        self.by_dest: dict[str, list[int]] = {}
        for position, entry in enumerate(files):
            self.by_dest.setdefault(entry.dest.rstrip("/") or "/", []).append(position)


def find_file(image: Image, path: str) -> File | None:
    """The newest COPY that put ``path`` into the image, as a file-level entry."""
    if image.index is None or image.index.size != len(image.files):
        image.index = FileIndex(image.files)
    by_dest = image.index.by_dest
    folders = [path]
    while folders[-1] not in ("/", ""):
        folders.append(posixpath.dirname(folders[-1]))
    positions = sorted(
        {p for folder in folders for p in by_dest.get(folder, ())[-MAX_SCAN:]}, reverse=True
    )
    for position in positions[:MAX_SCAN]:
        found = _entry_has(image.files[position], path)
        if found is not None:
            return found
    return None


def _entry_has(entry: File, path: str) -> File | None:
    """``path`` as this COPY entry puts it into the image, or None if it does not."""
    import fnmatch

    if entry.content is not None or not entry.dest_is_dir:
        if entry.dest == path:
            return entry
    if entry.content is not None or (entry.src is None and entry.stage is None):
        return None
    prefix = entry.dest.rstrip("/") + "/"
    if not path.startswith(prefix):
        return None
    rel = path[len(prefix) :]
    if entry.src is None:  # a directory from another image: something may be there
        return File(path, False, stage=entry.stage)
    src = entry.src
    if any(c in src for c in "*?["):
        if "/" not in rel and fnmatch.fnmatchcase(rel, posixpath.basename(src)):
            return File(path, False, posixpath.join(posixpath.dirname(src), rel))
        return None
    if rel == posixpath.basename(src):  # COPY x.sh /dir/ (or /dir, when it exists)
        return File(path, False, src)
    # COPY src /dir: a directory's content lands in /dir.
    return File(path, False, posixpath.normpath(posixpath.join(src, rel)))


def resolve(stages: list[Stage], global_args: dict[str, str], expander: Expander) -> Image:
    """The image of the last of ``stages``."""
    return Resolver(stages, global_args, expander).build(len(stages) - 1)
