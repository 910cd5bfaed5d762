"""Working-day arithmetic: business days, public holidays and month calendars."""

from workcal.calendar import (add_business_days, business_days_between, business_days_in_month,
                              business_days_in_range, is_business_day, last_business_day, next_business_day,
                              previous_business_day)
from workcal.holidays import easter_sunday, holidays_between, holidays_for, named_holidays

__all__ = [
    "add_business_days", "business_days_between", "business_days_in_month", "business_days_in_range",
    "easter_sunday", "holidays_between", "holidays_for", "is_business_day", "last_business_day", "named_holidays",
    "next_business_day", "previous_business_day",
]
