"""Semantic Versioning 2.0.0: parsing, precedence, ranges, bumping and release tags."""

from semverlib.errors import InvalidRange, InvalidVersion
from semverlib.ranges import latest, max_satisfying, parse_range, satisfies, sort_versions
from semverlib.tags import bump_kind, latest_tag, next_version, versions_from_tags
from semverlib.version import Version, compare

__all__ = ["InvalidRange", "InvalidVersion", "Version", "bump_kind", "compare", "latest", "latest_tag",
           "max_satisfying", "next_version", "parse_range", "satisfies", "sort_versions", "versions_from_tags"]
