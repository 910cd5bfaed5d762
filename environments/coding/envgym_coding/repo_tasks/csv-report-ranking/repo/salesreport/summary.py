"""Summaries per region and the text report."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from salesreport.reader import Order

CENT = Decimal("0.01")


@dataclass
class RegionSummary:
    region: str
    orders: int
    total: Decimal
    largest: Decimal | None = None

    @property
    def average(self) -> Decimal:
        return (self.total / self.orders).quantize(CENT) if self.orders else Decimal("0")

    def formatted_total(self) -> str:
        return f"{self.total:,.2f}"

    def add(self, order: Order) -> None:
        self.orders += 1
        self.total += order.amount
        if self.largest is None or order.amount > self.largest:
            self.largest = order.amount


def summarize(orders: Iterable[Order]) -> list[RegionSummary]:
    """One summary per region, ranked by total revenue."""
    by_region: dict[str, RegionSummary] = {}
    for order in orders:
        by_region.setdefault(order.region, RegionSummary(order.region, 0, Decimal("0"))).add(order)
    return sorted(by_region.values(), key=lambda s: s.formatted_total(), reverse=True)


def grand_total(summaries: Iterable[RegionSummary]) -> tuple[int, Decimal]:
    """Orders and revenue over all regions."""
    orders, total = 0, Decimal("0")
    for summary in summaries:
        orders += summary.orders
        total += summary.total
    return orders, total


def render(summaries: list[RegionSummary]) -> str:
    """The report as a table: rank, region, orders, total and average, then a line for all regions."""
    lines = [f"{'rank':<5}{'region':<12}{'orders':>7}{'total':>14}{'average':>10}"]
    for rank, s in enumerate(summaries, 1):
        lines.append(f"{rank:<5}{s.region:<12}{s.orders:>7}{s.formatted_total():>14}{s.average:>10}")
    orders, total = grand_total(summaries)
    lines.append(f"{'':<5}{'all':<12}{orders:>7}{total:>14,.2f}")
    return "\n".join(lines) + "\n"
