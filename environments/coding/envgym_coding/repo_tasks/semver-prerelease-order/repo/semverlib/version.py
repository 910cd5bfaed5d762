"""Semantic versions: parsing, ordering and bumping (https://semver.org, 2.0.0)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import total_ordering

from semverlib.errors import InvalidVersion

_PATTERN = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
# Tags and user input often drop parts ("v1.2") or carry a "v"/"=" prefix.
_LOOSE = re.compile(r"^[v=\s]*(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$")
PARTS = ("major", "minor", "patch", "prerelease")


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def parse(cls, text: str) -> "Version":
        """Strict parsing (a leading ``v`` is allowed): ``"1.2.3-rc.1+build.5"``."""
        if not isinstance(text, str):
            raise InvalidVersion(f"not a semantic version: {text!r}")
        match = _PATTERN.match(text.strip().removeprefix("v"))
        if not match:
            raise InvalidVersion(f"not a semantic version: {text!r}")
        major, minor, patch, pre, build = match.groups()
        return cls(int(major), int(minor), int(patch), tuple(pre.split(".")) if pre else (),
                   tuple(build.split(".")) if build else ())

    @classmethod
    def coerce(cls, text: str) -> "Version":
        """Lenient parsing for tags and user input: ``"v1.2"`` -> ``1.2.0``, ``"=2"`` -> ``2.0.0``."""
        match = _LOOSE.match(text.strip()) if isinstance(text, str) else None
        if not match:
            raise InvalidVersion(f"cannot read a version from {text!r}")
        major, minor, patch, pre, build = match.groups()
        return cls.parse(f"{int(major)}.{int(minor or 0)}.{int(patch or 0)}"
                         + (f"-{pre}" if pre else "") + (f"+{build}" if build else ""))

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text

    def _key(self) -> tuple:
        return (self.major, self.minor, self.patch, self.prerelease)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __lt__(self, other: "Version") -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)

    @property
    def is_stable(self) -> bool:
        """A 1.0.0 or later release: its public API is declared stable."""
        return self.major > 0 and not self.prerelease

    def finalize(self) -> "Version":
        """The release this pre-release leads to (``1.0.0-rc.2`` -> ``1.0.0``); build metadata is dropped."""
        return Version(self.major, self.minor, self.patch)

    def bump(self, part: str, prerelease_id: str | None = None) -> "Version":
        """The next ``major``/``minor``/``patch`` release, or the next ``prerelease``.

        Bumping a pre-release to the part it already leads to just finalizes it (``1.1.0-rc.1``
        bumped by ``minor`` is ``1.1.0``). With ``prerelease_id``, the result is the first
        pre-release of that version instead: ``1.2.3`` bumped by ``minor`` with ``"rc"`` is
        ``1.3.0-rc.1``.
        """
        if part == "major":
            leads_to = self.is_prerelease and self.minor == 0 and self.patch == 0
            target = Version(self.major if leads_to else self.major + 1, 0, 0)
        elif part == "minor":
            leads_to = self.is_prerelease and self.patch == 0
            target = Version(self.major, self.minor if leads_to else self.minor + 1, 0)
        elif part == "patch":
            target = Version(self.major, self.minor, self.patch + (0 if self.prerelease else 1))
        elif part == "prerelease":
            return self._next_prerelease(prerelease_id)
        else:
            raise ValueError(f"unknown part {part!r}; use one of {', '.join(PARTS)}")
        return Version(target.major, target.minor, target.patch, (prerelease_id, "1")) if prerelease_id else target

    def _next_prerelease(self, prerelease_id: str | None) -> "Version":
        """``1.0.0-rc.1`` -> ``1.0.0-rc.2``; ``1.0.0`` -> ``1.0.1-rc.1``; a different id starts again at 1."""
        if not self.prerelease:
            return Version(self.major, self.minor, self.patch + 1, (prerelease_id or "rc", "1"))
        if prerelease_id and self.prerelease[0] != prerelease_id:
            return Version(self.major, self.minor, self.patch, (prerelease_id, "1"))
        last = self.prerelease[-1]
        if last.isdigit():
            return Version(self.major, self.minor, self.patch, (*self.prerelease[:-1], str(int(last) + 1)))
        return Version(self.major, self.minor, self.patch, (*self.prerelease, "1"))


def compare(a: str | Version, b: str | Version) -> int:
    """-1, 0 or 1 as ``a`` has lower, equal or higher precedence than ``b``."""
    va = a if isinstance(a, Version) else Version.parse(a)
    vb = b if isinstance(b, Version) else Version.parse(b)
    return -1 if va < vb else (1 if vb < va else 0)
