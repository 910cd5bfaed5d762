from salesreport.reader import Order, ReportError, read_orders
from salesreport.summary import RegionSummary, render, summarize

__all__ = ["Order", "RegionSummary", "ReportError", "read_orders", "render", "summarize"]
