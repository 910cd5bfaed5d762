from semverlib.ranges import latest, satisfies, sort_versions
from semverlib.version import InvalidVersion, Version

__all__ = ["InvalidVersion", "Version", "latest", "satisfies", "sort_versions"]
