def test_backwards(project):
    got = project.run("""
from datetime import date
from workcal import add_business_days
result = [add_business_days(date(2024, 3, 4), -1).isoformat(), add_business_days(date(2024, 3, 6), -5).isoformat(),
          add_business_days(date(2024, 3, 6), -2).isoformat(), add_business_days(date(2024, 3, 6), -20).isoformat()]
""")
    assert got == ["2024-03-01", "2024-02-28", "2024-03-04", "2024-02-07"]


def test_backwards_with_holidays(project):
    got = project.run("""
from datetime import date
from workcal import add_business_days, holidays_for
hol = holidays_for(2024) | holidays_for(2025)
result = [add_business_days(date(2024, 12, 27), -1, hol).isoformat(), add_business_days(date(2025, 1, 2), -2, hol).isoformat()]
""")
    assert got == ["2024-12-24", "2024-12-30"]


def test_backwards_over_easter_and_company_days(project):
    got = project.run("""
from datetime import date
from workcal import add_business_days, holidays_for
hol = holidays_for(2024)
company = [date(2024, 3, 28), date(2024, 3, 27)]  # a list, not a set
result = [add_business_days(date(2024, 4, 2), -1, hol).isoformat(),
          add_business_days(date(2024, 4, 2), -1, sorted(hol) + company).isoformat(),
          add_business_days(date(2024, 4, 2), 1, hol).isoformat()]
""")
    assert got == ["2024-03-28", "2024-03-26", "2024-04-03"]


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


def test_long_backward_span_across_years(project):
    got = project.run("""
from datetime import date
from workcal import add_business_days, business_days_between, holidays_between, is_business_day
hol = holidays_between(2022, 2025)
start = date(2025, 2, 14)
back = add_business_days(start, -300, hol)
result = [back.isoformat(), is_business_day(back, hol), business_days_between(start, back, hol),
          add_business_days(back, 300, hol).isoformat()]
""")
    assert got == ["2023-12-11", True, -300, "2025-02-14"]


def test_forward_unchanged(project):
    got = project.run("from datetime import date\nfrom workcal import add_business_days\nresult = [add_business_days(date(2024, 3, 1), n).isoformat() for n in (0, 1, 5, 10)]")
    assert got == ["2024-03-01", "2024-03-04", "2024-03-08", "2024-03-15"]


def test_cli_negative_n(project):
    got = project.run("""
import io
from workcal.cli import main
answers = []
for argv in (["add", "2024-03-04", "-1"], ["add", "2025-01-02", "-2"], ["--no-public-holidays", "add", "2025-01-02", "-2"]):
    out = io.StringIO()
    answers.append([main(argv, out=out), out.getvalue().strip()])
result = answers
""")
    assert got == [[0, "2024-03-01"], [0, "2024-12-30"], [0, "2024-12-31"]]
