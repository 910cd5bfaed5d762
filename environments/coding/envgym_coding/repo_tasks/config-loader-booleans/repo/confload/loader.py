"""Load typed settings from an INI file, then apply environment-variable overrides."""

from __future__ import annotations

import configparser
import os
from typing import Any, Mapping

from confload.schema import Option, ConfigError


def coerce(option: Option, raw: str) -> Any:
    try:
        if option.type is bool:
            return bool(raw)
        if option.type is int:
            return int(raw)
        if option.type is float:
            return float(raw)
        if option.type is list:
            return [item.strip() for item in raw.split(",") if item.strip()]
        return raw
    except ValueError as exc:
        raise ConfigError(f"{option.section}.{option.key}: {exc}") from None


def load(text: str, schema: list[Option], environ: Mapping[str, str] | None = None, prefix: str = "APP") -> dict[str, dict[str, Any]]:
    environ = os.environ if environ is None else environ
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    result: dict[str, dict[str, Any]] = {}
    for option in schema:
        env_name = f"{prefix}_{option.section.upper()}__{option.key.upper()}"
        if env_name in environ:
            raw = environ[env_name]
        elif parser.has_option(option.section, option.key):
            raw = parser.get(option.section, option.key)
        elif option.required:
            raise ConfigError(f"{option.section}.{option.key} is required")
        else:
            result.setdefault(option.section, {})[option.key] = option.default
            continue
        result.setdefault(option.section, {})[option.key] = coerce(option, raw.strip())
    return result
