"""Environment-variable overrides: ``APP_SERVER__PORT=9000`` overrides ``[server] port``."""

from __future__ import annotations

from typing import Iterable, Mapping

from confload.schema import Option


def env_name(option: Option, prefix: str = "APP") -> str:
    # A double underscore separates section from key, so sections and keys may contain single ones.
    return f"{prefix}_{option.section.upper()}__{option.key.upper()}"


def overrides(environ: Mapping[str, str], schema: Iterable[Option], prefix: str = "APP") -> dict[tuple[str, str], str]:
    """The raw override for each option that has one, by ``(section, key)``."""
    found = {}
    for option in schema:
        name = env_name(option, prefix)
        if name in environ:
            found[(option.section, option.key)] = environ[name]
    return found


def unknown_variables(environ: Mapping[str, str], schema: Iterable[Option], prefix: str = "APP") -> list[str]:
    """Variables that look like overrides (``PREFIX_X__Y``) but match no option: usually typos."""
    known = {env_name(option, prefix) for option in schema}
    start = f"{prefix}_"
    return sorted(name for name in environ if name.startswith(start) and "__" in name and name not in known)
