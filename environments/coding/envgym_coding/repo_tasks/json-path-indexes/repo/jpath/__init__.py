from jpath.access import exists, get, set_value
from jpath.paths import PathError, tokenize

__all__ = ["PathError", "exists", "get", "set_value", "tokenize"]
