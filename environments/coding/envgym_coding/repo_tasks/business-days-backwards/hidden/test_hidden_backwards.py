def test_backwards(project):
    got = project.run("""
from datetime import date
from workcal import add_business_days
result = [add_business_days(date(2024, 3, 4), -1).isoformat(), add_business_days(date(2024, 3, 6), -5).isoformat(),
          add_business_days(date(2024, 3, 6), -2).isoformat()]
""")
    assert got == ["2024-03-01", "2024-02-28", "2024-03-04"]


def test_backwards_with_holidays(project):
    got = project.run("""
from datetime import date
from workcal import add_business_days, holidays_for
hol = holidays_for(2024) | holidays_for(2025)
result = [add_business_days(date(2024, 12, 27), -1, hol).isoformat(), add_business_days(date(2025, 1, 2), -2, hol).isoformat()]
""")
    assert got == ["2024-12-24", "2024-12-30"]


def test_round_trip_property(project):
    got = project.run("""
from datetime import date, timedelta
from workcal import add_business_days, business_days_between, holidays_for, is_business_day
hol = holidays_for(2024)
bad = []
d = date(2024, 1, 2)
for i in range(120):
    day = d + timedelta(days=i)
    if not is_business_day(day, hol):
        continue
    for n in (-7, -3, -1, 0, 1, 4, 9):
        if business_days_between(day, add_business_days(day, n, hol), hol) != n:
            bad.append([day.isoformat(), n])
result = bad
""")
    assert got == []


def test_forward_unchanged(project):
    got = project.run("from datetime import date\nfrom workcal import add_business_days\nresult = [add_business_days(date(2024, 3, 1), n).isoformat() for n in (0, 1, 5, 10)]")
    assert got == ["2024-03-01", "2024-03-04", "2024-03-08", "2024-03-15"]
