"""Reading order rows from a CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


class ReportError(ValueError):
    pass


@dataclass(frozen=True)
class Order:
    order_id: str
    region: str
    amount: Decimal


def parse_amount(text: str) -> Decimal:
    cleaned = text.strip().replace(",", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ReportError(f"bad amount {text!r}") from None


def read_orders(text: str) -> list[Order]:
    reader = csv.DictReader(io.StringIO(text))
    required = {"order_id", "region", "amount"}
    if reader.fieldnames is None or not required <= {f.strip() for f in reader.fieldnames}:
        raise ReportError(f"the CSV needs the columns {sorted(required)}")
    orders = []
    for row in reader:
        row = {k.strip(): (v or "") for k, v in row.items()}
        if not row["order_id"].strip():
            continue
        orders.append(Order(row["order_id"].strip(), row["region"].strip() or "unknown", parse_amount(row["amount"])))
    return orders
