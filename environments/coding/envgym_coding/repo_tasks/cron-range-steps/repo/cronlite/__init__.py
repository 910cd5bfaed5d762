"""Five-field cron expressions: parsing, matching, next run times and plain-English descriptions."""

from cronlite.describe import describe
from cronlite.fields import CronError, format_field, parse_field
from cronlite.schedule import Cron

__all__ = ["Cron", "CronError", "describe", "format_field", "parse_field"]
