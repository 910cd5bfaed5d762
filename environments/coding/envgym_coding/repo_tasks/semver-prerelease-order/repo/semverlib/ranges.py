"""Version ranges such as ``>=1.2.0 <2.0.0`` and helpers over lists of versions."""

from __future__ import annotations

import operator
from typing import Iterable

from semverlib.version import Version

_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq, "!=": operator.ne}


def _parse_clause(clause: str) -> tuple:
    for symbol in (">=", "<=", "==", "!=", ">", "<"):
        if clause.startswith(symbol):
            return _OPS[symbol], Version.parse(clause[len(symbol):])
    return operator.eq, Version.parse(clause)


def satisfies(version: str | Version, spec: str) -> bool:
    v = version if isinstance(version, Version) else Version.parse(version)
    return all(op(v, bound) for op, bound in (_parse_clause(c) for c in spec.split()))


def latest(versions: Iterable[str], include_prereleases: bool = False) -> str | None:
    parsed = [Version.parse(v) for v in versions]
    if not include_prereleases:
        parsed = [v for v in parsed if not v.is_prerelease]
    return str(max(parsed)) if parsed else None


def sort_versions(versions: Iterable[str]) -> list[str]:
    return [str(v) for v in sorted(Version.parse(v) for v in versions)]
