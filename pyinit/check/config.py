"""Configuration of ``pyinit check``: ``.pyinit-check.toml`` or ``[tool.pyinit.check]``.

Keys (the same in both places)::

    ignore = ["PI003"]                 # rules never reported
    failure-threshold = "warning"      # error (default), warning, info or none
    severity = { PI008 = "error" }     # a rule's severity, changed
    [[overrides]]                      # in pyproject.toml: [[tool.pyinit.check.overrides]]
    paths = ["docker/dev/*"]           # glob patterns, relative to the configuration file
    ignore = ["PI003"]                 # added to the top-level ignore
    failure-threshold = "none"
    severity = { PI003 = "info" }

The first file found is used: ``--config FILE``, else ``./.pyinit-check.toml``, else
``./pyproject.toml`` when it has the table. TOML is read with tomllib (Python 3.11+) or
tomli (the ``check`` extra installs it on 3.9 and 3.10).
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field, replace

from pyinit.check.rules import RULES, SEVERITIES

OWN_FILE = ".pyinit-check.toml"
THRESHOLDS = ("error", "warning", "info", "none")
_KEYS = {"ignore", "failure-threshold", "severity", "overrides"}


class ConfigError(Exception):
    """A configuration we cannot use; the message is one line for the user."""


@dataclass
class Settings:
    ignore: frozenset[str] = frozenset()
    threshold: str = "error"
    severity: dict[str, str] = field(default_factory=dict)
    overrides: list[tuple[list[str], Settings]] = field(default_factory=list)
    root: str = "."  # where override patterns start

    def for_path(self, path: str) -> Settings:
        """These settings with every override whose pattern matches ``path`` applied."""
        result = replace(self, overrides=[])
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(self.root))
        candidates = {path, os.path.normpath(path), relative.replace(os.sep, "/")}
        for patterns, extra in self.overrides:
            if any(fnmatch.fnmatchcase(c, p) for c in candidates for p in patterns):
                result = replace(
                    result,
                    ignore=result.ignore | extra.ignore,
                    threshold=extra.threshold if extra.threshold else result.threshold,
                    severity={**result.severity, **extra.severity},
                )
        return result


def _toml(path: str) -> dict:
    try:
        import tomllib  # type: ignore[import-not-found]
    except ImportError:  # Python < 3.11
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            raise ConfigError(
                f"{path}: reading TOML needs tomli on Python < 3.11: "
                "pip install 'pyinit-pid1[check]'"
            ) from None
    try:
        with open(path, "rb") as file:
            return tomllib.load(file)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as error:
        from pyinit.text import printable

        raise ConfigError(f"{path}: not valid TOML: {printable(str(error))}") from None


def _settings(table: object, where: str, top: bool) -> Settings:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: must be a table")
    unknown = sorted(set(table) - (_KEYS if top else _KEYS - {"overrides"} | {"paths"}))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})"
        )
    settings = Settings(threshold="error" if top else "")
    ignore = table.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(c, str) for c in ignore):
        raise ConfigError(f"{where}: ignore must be a list of rule codes")
    codes = {code.upper() for code in ignore}
    _known(codes, f"{where}: ignore")
    settings.ignore = frozenset(codes)
    if "failure-threshold" in table:
        threshold = table["failure-threshold"]
        if threshold not in THRESHOLDS:
            raise ConfigError(
                f"{where}: failure-threshold {threshold!r}: use one of {', '.join(THRESHOLDS)}"
            )
        settings.threshold = threshold
    severity = table.get("severity", {})
    if not isinstance(severity, dict):
        raise ConfigError(f'{where}: severity must be a table of CODE = "error"|"warning"|"info"')
    for code, level in severity.items():
        _known({code.upper()}, f"{where}: severity")
        if level not in SEVERITIES:
            raise ConfigError(
                f"{where}: severity of {code}: {level!r} is not one of {', '.join(SEVERITIES)}"
            )
        settings.severity[code.upper()] = level
    if top:
        overrides = table.get("overrides", [])
        if not isinstance(overrides, list):
            raise ConfigError(f"{where}: overrides must be an array of tables ([[overrides]])")
        for number, override in enumerate(overrides, 1):
            here = f"{where}: overrides[{number}]"
            extra = _settings(override, here, False)
            paths = override.get("paths")
            if isinstance(paths, str):
                paths = [paths]
            if not paths or not all(isinstance(p, str) for p in paths):
                raise ConfigError(f"{here}: paths must be a list of glob patterns")
            settings.overrides.append((paths, extra))
    return settings


def _known(codes: set[str], where: str) -> None:
    unknown = sorted(codes - set(RULES))
    if unknown:
        raise ConfigError(f"{where}: unknown rule {unknown[0]!r} (see pyinit check --list-rules)")


def _mentions_pyinit(path: str) -> bool:
    """Whether a pyproject.toml can hold our table: others are not parsed at all (no TOML
    parser needed, and no other tool's syntax error becomes ours)."""
    try:
        with open(path, "rb") as file:
            return b"pyinit" in file.read()
    except OSError:
        return True  # then _toml says why it cannot be read


def load(path: str | None = None, directory: str = ".") -> Settings:
    """The settings from ``path``, or from the first configuration file in ``directory``."""
    if path is None:
        own = os.path.join(directory, OWN_FILE)
        pyproject = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(own):
            path = own
        elif os.path.isfile(pyproject) and _mentions_pyinit(pyproject):
            data = _toml(pyproject)
            table = data.get("tool", {}).get("pyinit", {}).get("check")
            if table is None:
                return Settings()
            settings = _settings(table, f"{pyproject}: [tool.pyinit.check]", True)
            settings.root = directory
            return settings
        else:
            return Settings()
    data = _toml(path)
    if os.path.basename(path) == "pyproject.toml":
        data = data.get("tool", {}).get("pyinit", {}).get("check", {})
        where = f"{path}: [tool.pyinit.check]"
    else:
        where = path
    settings = _settings(data, where, True)
    settings.root = os.path.dirname(path) or "."
    return settings
