"""App versions as users' apps report them, normalised: `v4.2` and `4.2.0` are one version,
ordered by semantic versioning (a pre-release before its release, `4.10` after `4.9`).

Pure functions, no database. `normalise` gives the stored text, `sort_key` a string whose
plain byte order is the semantic order (digits and lower-case letters only, so any
collation of either database sorts it the same), `parse` a tuple for Python's sorting.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

MAX_VERSION = 100
MAX_PART = 999_999
VERSION_RE = re.compile(
    r"^v?(?P<nums>\d{1,6}(?:\.\d{1,6}){0,2})"          # 4, 4.2, 4.2.0
    r"(?:-?(?P<pre>[0-9A-Za-z]+(?:[.-][0-9A-Za-z]+)*))?"  # -rc.1, -beta-2, rc1
    r"(?:\+[0-9A-Za-z.-]+)?$"                        # +build metadata, ignored (semver)
)


class InvalidVersion(ValueError):
    """Text that is no app version; the message says what one looks like."""


class Version(NamedTuple):
    major: int
    minor: int
    patch: int
    pre: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        return f"{text}-{'.'.join(self.pre)}" if self.pre else text

    def order(self) -> tuple:
        """Python's sort key: a release after its pre-releases; numeric identifiers before
        text ones and compared as numbers (semver 2.0 precedence)."""
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.pre)
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre)


def parse(text: object) -> Version:
    """The version in `text` ("4.2", "v4.2.0", "4.2.0-RC.1", "4.2.0+build7"); InvalidVersion
    for anything else (more than three numbers, spaces, empty text)."""
    if not isinstance(text, str):
        raise InvalidVersion("An app version is text such as 4.2.1 or 4.2.1-beta.2.")
    value = text.strip()
    match = VERSION_RE.match(value) if len(value) <= MAX_VERSION else None
    if match is None:
        raise InvalidVersion(f"{value[:40]!r} is not an app version: use numbers such as 4.2 or 4.2.1, "
                             "optionally with a pre-release tag (4.2.1-beta.2).")
    numbers = [int(n) for n in match["nums"].split(".")] + [0, 0]
    pre = tuple(re.split(r"[.-]", match["pre"].lower())) if match["pre"] else ()
    pre = tuple(str(int(p)) if p.isdigit() else p for p in pre)  # rc.01 is rc.1
    return Version(numbers[0], numbers[1], numbers[2], pre)


def normalise(text: object) -> str:
    """The stored form of a version: three numbers, lower-case pre-release, no build data."""
    return str(parse(text))


def optional(text: object) -> str | None:
    """normalise() for a field that may be left out: None or blank text gives None."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    return normalise(text)


def sort_key(text: object) -> str:
    """A string whose byte order is the semantic order (for an indexed column and ranges)."""
    version = parse(text)
    key = "".join(f"{n:06d}" for n in version[:3])
    if not version.pre:
        return key + "z"  # a release sorts after all of its pre-releases ("p..." below)
    parts = [f"0{int(p):08d}" if p.isdigit() else f"1{p}" for p in version.pre]
    return key + "p" + "".join(parts)


@lru_cache(maxsize=4096)
def order_of(text: str) -> tuple:
    """parse(text).order(), remembered: figures compare the same few versions many times."""
    return parse(text).order()


def ordered(texts) -> list[str]:
    """Distinct normalised versions, oldest first."""
    return sorted({normalise(t) for t in texts}, key=order_of)
