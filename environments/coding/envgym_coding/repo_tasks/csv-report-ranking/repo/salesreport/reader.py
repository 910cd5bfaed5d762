"""Reading order rows from a CSV export.

Exports come from several shop systems, so the reader is lenient about layout (column order, header case,
a byte-order mark, blank lines) but strict about values: a bad amount or date stops the report, with the
line number, rather than silently skewing the totals.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

REQUIRED = ("order_id", "region", "amount")
CURRENCY_SYMBOLS = "$€£"
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")
# Thousands separators must group digits in threes: "1,050.25" is an amount, "1,05" is a typo.
AMOUNT = re.compile(r"^-?\d{1,3}(,\d{3})*(\.\d+)?$|^-?\d+(\.\d+)?$")


class ReportError(ValueError):
    pass


@dataclass(frozen=True)
class Order:
    order_id: str
    region: str
    amount: Decimal
    date: date | None = None
    customer: str = ""


def parse_amount(text: str) -> Decimal:
    """``"1,050.25"``, ``" $80 "`` or ``"(12.50)"`` (a refund, accounting style) as a Decimal."""
    cleaned = text.strip().strip(CURRENCY_SYMBOLS).strip()
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    if negative:
        cleaned = cleaned[1:-1].strip()
    if not AMOUNT.match(cleaned):
        raise ReportError(f"bad amount {text!r}")
    value = Decimal(cleaned.replace(",", ""))
    return -value if negative else value


def parse_date(text: str) -> date | None:
    """An order date in one of :data:`DATE_FORMATS`; an empty cell means the export had no date."""
    text = text.strip()
    if not text:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ReportError(f"bad date {text!r}")


def read_orders(text: str) -> list[Order]:
    """The orders in a CSV export; rows without an order id (subtotal lines, blanks) are skipped."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None:
        raise ReportError(f"the CSV needs the columns {list(REQUIRED)}")
    columns = {name.strip().lower() for name in reader.fieldnames if name}
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ReportError(f"the CSV lacks the columns {missing}")
    orders, seen = [], set()
    for row in reader:
        row = {k.strip().lower(): (v or "") for k, v in row.items() if k}
        order_id = row["order_id"].strip()
        if not order_id:
            continue
        try:
            if order_id in seen:
                raise ReportError(f"order {order_id} appears twice")
            seen.add(order_id)
            orders.append(Order(order_id, row["region"].strip().lower() or "unknown", parse_amount(row["amount"]),
                                parse_date(row.get("date", "")), row.get("customer", "").strip()))
        except ReportError as exc:
            raise ReportError(f"line {reader.line_num}: {exc}") from None
    return orders
