from cronlite.fields import CronError, parse_field
from cronlite.schedule import Cron

__all__ = ["Cron", "CronError", "parse_field"]
