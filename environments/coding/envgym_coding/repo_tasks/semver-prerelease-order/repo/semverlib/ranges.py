"""Version ranges (``>=1.2.0 <2.0.0``, ``^1.4``, ``~2.1.3``, ``1.x``, ``a || b``) and helpers over version lists.

Ranges compare by version precedence only. Caret, tilde and wildcard ranges end just below the first
pre-release of the next version (``^1.2.3`` is ``>=1.2.3 <2.0.0-0``), so ``2.0.0-rc.1`` is not in ``^1.2.3``.
"""

from __future__ import annotations

import operator
import re
from typing import Callable, Iterable

from semverlib.errors import InvalidRange, InvalidVersion
from semverlib.version import Version

Comparator = tuple[Callable[[Version, Version], bool], Version]

_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq,
        "=": operator.eq, "!=": operator.ne}
_PARTIAL = re.compile(r"^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$")


def _floor(major: int, minor: int = 0, patch: int = 0) -> Version:
    return Version(major, minor, patch)


def _below(major: int, minor: int = 0, patch: int = 0) -> Version:
    # "-0" is the lowest pre-release of a version: "< x.y.z-0" excludes x.y.z and all its pre-releases.
    return Version(major, minor, patch, ("0",))


def _partial(text: str, spec: str) -> list[int | None]:
    match = _PARTIAL.match(text)
    if not match:
        raise InvalidRange(f"bad version {text!r} in range {spec!r}")
    parts = [None if p is None or p in "xX*" else int(p) for p in match.groups()]
    for index in range(1, 3):
        if parts[index - 1] is None:
            parts[index] = None  # "1.x.3" means "1.x"
    return parts


def _expand(clause: str, spec: str) -> list[Comparator]:
    """One clause of a range as plain comparators."""
    if clause[0] in "^~":
        parts = _partial(clause[1:], spec)
        if parts[0] is None:
            return []
        major, minor, patch = parts[0], parts[1] or 0, parts[2] or 0
        if clause[0] == "~" or parts[1] is None:
            upper = _below(major + 1) if parts[1] is None else _below(major, minor + 1)
        elif major > 0:
            upper = _below(major + 1)
        elif minor > 0 or parts[2] is None:
            upper = _below(0, minor + 1)
        else:
            upper = _below(0, 0, patch + 1)
        return [(operator.ge, _floor(major, minor, patch)), (operator.lt, upper)]
    for symbol in (">=", "<=", "==", "!=", ">", "<", "="):
        if clause.startswith(symbol):
            try:
                return [(_OPS[symbol], Version.parse(clause[len(symbol):]))]
            except InvalidVersion as exc:
                raise InvalidRange(f"{exc} in range {spec!r}") from None
    parts = _partial(clause, spec)
    if parts[0] is None:
        return []
    if parts[1] is None:
        return [(operator.ge, _floor(parts[0])), (operator.lt, _below(parts[0] + 1))]
    if parts[2] is None:
        return [(operator.ge, _floor(parts[0], parts[1])), (operator.lt, _below(parts[0], parts[1] + 1))]
    return [(operator.eq, _floor(*parts))]


def parse_range(spec: str) -> list[list[Comparator]]:
    """Alternatives (``||``), each a list of comparators that must all hold."""
    if not spec.strip():
        raise InvalidRange("empty range")
    alternatives = []
    for alternative in spec.split("||"):
        clauses = re.sub(r"(>=|<=|==|!=|>|<|=)\s+", r"\1", alternative.strip()).split()
        if not clauses:
            raise InvalidRange(f"empty alternative in range {spec!r}")
        alternatives.append([comparator for clause in clauses for comparator in _expand(clause, spec)])
    return alternatives


def satisfies(version: str | Version, spec: str) -> bool:
    v = version if isinstance(version, Version) else Version.parse(version)
    return any(all(op(v, bound) for op, bound in alternative) for alternative in parse_range(spec))


def _parsed(versions: Iterable[str | Version]) -> list[Version]:
    return [v if isinstance(v, Version) else Version.parse(v) for v in versions]


def latest(versions: Iterable[str | Version], include_prereleases: bool = False) -> str | None:
    """The highest version (as text), skipping pre-releases unless asked; None if there is none."""
    parsed = _parsed(versions)
    if not include_prereleases:
        parsed = [v for v in parsed if not v.is_prerelease]
    return str(max(parsed)) if parsed else None


def max_satisfying(versions: Iterable[str | Version], spec: str, include_prereleases: bool = False) -> str | None:
    """The highest version in ``spec`` (what a package manager would install)."""
    return latest([v for v in _parsed(versions) if satisfies(v, spec)], include_prereleases)


def sort_versions(versions: Iterable[str | Version], reverse: bool = False) -> list[str]:
    """Versions as text, in precedence order (equal versions keep their input order)."""
    return [str(v) for v in sorted(_parsed(versions), reverse=reverse)]
