"""Human-readable durations: ``1h30m``, ``2 days 4 hours``, ``1:30:00`` or ``PT1H30M`` to seconds and back."""

from timeparse.errors import DurationError
from timeparse.format import format_clock, format_duration, format_verbose
from timeparse.iso import format_iso_duration, parse_iso_duration
from timeparse.parse import parse_duration, parse_timedelta

__all__ = ["DurationError", "format_clock", "format_duration", "format_iso_duration", "format_verbose",
           "parse_duration", "parse_iso_duration", "parse_timedelta"]
