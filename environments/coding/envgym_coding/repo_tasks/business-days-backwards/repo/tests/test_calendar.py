from datetime import date

from workcal import add_business_days, business_days_between, holidays_for


def test_forward_over_weekend():
    assert add_business_days(date(2024, 3, 1), 1) == date(2024, 3, 4)  # Friday -> Monday


def test_zero_on_weekend():
    assert add_business_days(date(2024, 3, 2), 0) == date(2024, 3, 4)


def test_holidays():
    hol = holidays_for(2024)
    assert add_business_days(date(2024, 12, 24), 1, hol) == date(2024, 12, 27)


def test_between():
    assert business_days_between(date(2024, 3, 1), date(2024, 3, 8)) == 5
