"""Revenue per month and region, for the trend section of the report."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Iterable

from salesreport.reader import Order


def monthly_totals(orders: Iterable[Order]) -> dict[str, dict[str, Decimal]]:
    """``{"2024-01": {"north": Decimal(...), ...}, ...}`` in month order; undated orders are left out."""
    months: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for order in orders:
        if order.date is not None:
            months[f"{order.date:%Y-%m}"][order.region] += order.amount
    return {month: dict(sorted(regions.items())) for month, regions in sorted(months.items())}


def render_monthly(totals: dict[str, dict[str, Decimal]]) -> str:
    """A month-by-region grid; a region without sales in a month shows a dash."""
    regions = sorted({region for by_region in totals.values() for region in by_region})
    if not regions:
        return "no dated orders\n"
    lines = [f"{'month':<9}" + "".join(f"{region:>14}" for region in regions)]
    for month, by_region in totals.items():
        cells = (f"{by_region[r]:>14,.2f}" if r in by_region else f"{'-':>14}" for r in regions)
        lines.append(f"{month:<9}" + "".join(cells))
    return "\n".join(lines) + "\n"
