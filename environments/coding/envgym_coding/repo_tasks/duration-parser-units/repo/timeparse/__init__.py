from timeparse.format import format_duration
from timeparse.parse import DurationError, parse_duration

__all__ = ["DurationError", "format_duration", "parse_duration"]
