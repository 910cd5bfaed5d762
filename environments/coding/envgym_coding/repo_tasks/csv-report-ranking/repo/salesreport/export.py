"""Machine-readable forms of the report, for spreadsheets and dashboards."""

from __future__ import annotations

import csv
import io
import json

from salesreport.summary import RegionSummary, grand_total

COLUMNS = ("rank", "region", "orders", "total", "average")


def _rows(summaries: list[RegionSummary]) -> list[dict[str, str | int]]:
    # Amounts stay strings with two decimals: floats would turn 0.10 + 0.20 into 0.30000000000000004.
    return [{"rank": rank, "region": s.region, "orders": s.orders, "total": f"{s.total:.2f}",
             "average": f"{s.average:.2f}"} for rank, s in enumerate(summaries, 1)]


def to_csv(summaries: list[RegionSummary]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_rows(summaries))
    return buffer.getvalue()


def to_json(summaries: list[RegionSummary]) -> str:
    orders, total = grand_total(summaries)
    document = {"regions": _rows(summaries), "all": {"orders": orders, "total": f"{total:.2f}"}}
    return json.dumps(document, indent=2) + "\n"
