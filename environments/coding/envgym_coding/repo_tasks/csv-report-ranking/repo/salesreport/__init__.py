"""Per-region sales reports from CSV exports of orders."""

from salesreport.reader import Order, ReportError, read_orders
from salesreport.summary import RegionSummary, render, summarize

__all__ = ["Order", "RegionSummary", "ReportError", "read_orders", "render", "summarize"]
