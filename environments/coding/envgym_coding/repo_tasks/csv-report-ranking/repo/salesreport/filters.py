"""Restricting a report to a period or to some regions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable

from salesreport.reader import Order


@dataclass(frozen=True)
class OrderFilter:
    """Empty fields accept everything. Both dates are inclusive."""

    since: date | None = None
    until: date | None = None
    regions: frozenset[str] = frozenset()

    @property
    def by_date(self) -> bool:
        return self.since is not None or self.until is not None

    def accepts(self, order: Order) -> bool:
        if self.regions and order.region not in self.regions:
            return False
        if not self.by_date:
            return True
        # An undated order cannot be shown to fall inside the period, so a period excludes it.
        if order.date is None:
            return False
        if self.since is not None and order.date < self.since:
            return False
        return self.until is None or order.date <= self.until

    def apply(self, orders: Iterable[Order]) -> list[Order]:
        return [order for order in orders if self.accepts(order)]
