"""Versions from VCS tags (``v1.2.3``) and the next version from Conventional Commits messages."""

from __future__ import annotations

import re
from typing import Iterable

from semverlib.errors import InvalidVersion
from semverlib.version import Version

_COMMIT_HEADER = re.compile(r"^(?P<type>[A-Za-z]+)(?:\([^)]*\))?(?P<breaking>!)?:\s")
_BREAKING_FOOTER = re.compile(r"^BREAKING[ -]CHANGE:\s", re.MULTILINE)
_MINOR_TYPES = {"feat"}
_PATCH_TYPES = {"fix", "perf"}
_RANK = {None: 0, "patch": 1, "minor": 2, "major": 3}


def versions_from_tags(tags: Iterable[str], prefix: str = "v") -> dict[str, Version]:
    """``{tag: version}`` for the tags that are ``prefix`` followed by a version; other tags are ignored."""
    found = {}
    for tag in tags:
        if not tag.startswith(prefix):
            continue
        try:
            found[tag] = Version.parse(tag[len(prefix):])
        except InvalidVersion:
            continue
    return found


def latest_tag(tags: Iterable[str], prefix: str = "v", include_prereleases: bool = False) -> str | None:
    """The tag of the highest version (skipping pre-releases unless asked), or None."""
    candidates = [(version, tag) for tag, version in versions_from_tags(tags, prefix).items()
                  if include_prereleases or not version.is_prerelease]
    if not candidates:
        return None
    return max(candidates, key=lambda pair: pair[0])[1]


def bump_kind(messages: Iterable[str]) -> str | None:
    """The largest bump the commits call for: ``"major"`` for breaking changes, ``"minor"`` for ``feat``,
    ``"patch"`` for ``fix``/``perf``, None if no commit changes the released code (docs, chores...)."""
    kind: str | None = None
    for message in messages:
        header = _COMMIT_HEADER.match(message)
        if (header and header.group("breaking")) or _BREAKING_FOOTER.search(message):
            return "major"
        commit_type = header.group("type").lower() if header else ""
        found = "minor" if commit_type in _MINOR_TYPES else "patch" if commit_type in _PATCH_TYPES else None
        if _RANK[found] > _RANK[kind]:
            kind = found
    return kind


def next_version(current: str | Version, messages: Iterable[str], prerelease_id: str | None = None) -> Version | None:
    """The version to release after ``current`` given the commits since; None if nothing needs a release."""
    version = current if isinstance(current, Version) else Version.parse(current)
    kind = bump_kind(messages)
    if kind is None:
        return None
    if kind == "major" and version.major == 0:
        kind = "minor"  # before 1.0.0 anything may change: breaking changes only bump the minor version
    return version.bump(kind, prerelease_id)
