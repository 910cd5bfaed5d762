from confload.loader import coerce, load
from confload.schema import ConfigError, Option

__all__ = ["ConfigError", "Option", "coerce", "load"]
