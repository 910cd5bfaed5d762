import io
from datetime import date

import pytest

from workcal import (add_business_days, business_days_between, business_days_in_month, easter_sunday,
                     holidays_for, is_business_day, last_business_day, named_holidays, previous_business_day)
from workcal.cli import main
from workcal.parsing import parse_holiday_file, parse_month


def test_forward_over_weekend():
    assert add_business_days(date(2024, 3, 1), 1) == date(2024, 3, 4)  # Friday -> Monday


def test_zero_on_weekend():
    assert add_business_days(date(2024, 3, 2), 0) == date(2024, 3, 4)


def test_holidays():
    hol = holidays_for(2024)
    assert add_business_days(date(2024, 12, 24), 1, hol) == date(2024, 12, 27)


def test_between():
    assert business_days_between(date(2024, 3, 1), date(2024, 3, 8)) == 5
    assert business_days_between(date(2024, 3, 8), date(2024, 3, 1)) == -5


def test_previous_business_day():
    assert previous_business_day(date(2024, 3, 3)) == date(2024, 3, 1)  # Sunday -> Friday
    assert previous_business_day(date(2024, 4, 1), holidays_for(2024)) == date(2024, 3, 28)  # Easter


def test_easter_dates():
    assert [easter_sunday(y) for y in (2000, 2019, 2024, 2025)] == [
        date(2000, 4, 23), date(2019, 4, 21), date(2024, 3, 31), date(2025, 4, 20)]
    assert not is_business_day(date(2025, 4, 18), holidays_for(2025))  # Good Friday


def test_substitute_days():
    plain = named_holidays(2021)
    assert date(2021, 12, 27) not in plain
    substituted = named_holidays(2021, substitute=True)
    assert substituted[date(2021, 12, 27)] == "christmas (substitute)"
    assert substituted[date(2021, 12, 28)] == "boxing_day (substitute)"
    with pytest.raises(ValueError):
        named_holidays(2021, ("christmas", "midsummer"))


def test_month_views():
    hol = holidays_for(2024)
    assert len(business_days_in_month(2024, 3, hol)) == 20  # Good Friday is 29 March
    assert last_business_day(2024, 3, hol) == date(2024, 3, 28)
    assert last_business_day(2024, 6) == date(2024, 6, 28)


def test_holiday_file():
    days = parse_holiday_file("# company\n2024-12-24 Christmas Eve\n\n2024-12-31\n")
    assert days == {date(2024, 12, 24): "Christmas Eve", date(2024, 12, 31): "company holiday"}
    with pytest.raises(ValueError, match="line 1"):
        parse_holiday_file("24/12/2024\n")
    with pytest.raises(ValueError):
        parse_month("2024-13")


def run_cli(*argv):
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


def test_cli_add_and_between(tmp_path):
    assert run_cli("add", "2024-12-24", "1") == (0, "2024-12-27\n")
    assert run_cli("--no-public-holidays", "add", "2024-12-24", "1") == (0, "2024-12-25\n")
    company = tmp_path / "company.txt"
    company.write_text("2024-12-27\n")
    assert run_cli("--holidays", str(company), "add", "2024-12-24", "1") == (0, "2024-12-30\n")
    assert run_cli("between", "2024-03-01", "2024-04-02") == (0, "20\n")


def test_cli_lists(capsys):
    code, text = run_cli("holidays", "2024")
    assert code == 0 and text.splitlines()[1] == "2024-03-29 Fri good_friday"
    code, text = run_cli("month", "2024-05")
    assert text.splitlines()[0] == "2024-05-02 Thu" and text.splitlines()[-1] == "22 business days"
    assert run_cli("--holidays", "missing.txt", "add", "2024-01-02", "1")[0] == 1
    assert "error:" in capsys.readouterr().err
