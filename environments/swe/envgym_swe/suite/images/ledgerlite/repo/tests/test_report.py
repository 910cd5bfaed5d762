from datetime import date

from ledgerlite.ledger import Ledger
from ledgerlite.report import balance_report


def test_report_lines():
    led = Ledger()
    led.post(date(2024, 1, 1), "salary", ("assets:bank", "1000"), ("income:salary", "-1000"))
    text = balance_report(led)
    assert text.splitlines()[0].startswith("assets:bank")
    assert text.splitlines()[-1].endswith("$0.00")
