"""Summaries per region and the text report."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from salesreport.reader import Order


@dataclass
class RegionSummary:
    region: str
    orders: int
    total: Decimal

    @property
    def average(self) -> Decimal:
        return (self.total / self.orders).quantize(Decimal("0.01")) if self.orders else Decimal("0")

    def formatted_total(self) -> str:
        return f"{self.total:,.2f}"


def summarize(orders: Iterable[Order]) -> list[RegionSummary]:
    by_region: dict[str, RegionSummary] = {}
    for order in orders:
        summary = by_region.setdefault(order.region, RegionSummary(order.region, 0, Decimal("0")))
        summary.orders += 1
        summary.total += order.amount
    return sorted(by_region.values(), key=lambda s: s.formatted_total(), reverse=True)


def render(summaries: list[RegionSummary]) -> str:
    lines = [f"{'rank':<5}{'region':<12}{'orders':>7}{'total':>14}{'average':>10}"]
    for rank, s in enumerate(summaries, 1):
        lines.append(f"{rank:<5}{s.region:<12}{s.orders:>7}{s.formatted_total():>14}{s.average:>10}")
    grand = sum((s.total for s in summaries), Decimal("0"))
    lines.append(f"{'':<5}{'all':<12}{sum(s.orders for s in summaries):>7}{grand:>14,.2f}")
    return "\n".join(lines) + "\n"
