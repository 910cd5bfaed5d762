"""Typed settings from INI files, overridable by environment variables."""

from confload.convert import coerce
from confload.dump import describe, dumps
from confload.env import env_name, unknown_variables
from confload.loader import load, load_files
from confload.schema import ConfigError, Option

__all__ = ["ConfigError", "Option", "coerce", "describe", "dumps", "env_name", "load", "load_files",
           "unknown_variables"]
