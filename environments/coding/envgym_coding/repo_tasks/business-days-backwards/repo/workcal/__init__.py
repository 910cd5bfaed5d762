from workcal.calendar import add_business_days, business_days_between, is_business_day, next_business_day
from workcal.holidays import holidays_for

__all__ = ["add_business_days", "business_days_between", "holidays_for", "is_business_day", "next_business_day"]
