"""Summaries of web-server access logs: per-path traffic, errors and latency."""

from logstats.filters import HitFilter
from logstats.parser import Hit, parse_line, parse_log, read_log
from logstats.stats import summarize

__all__ = ["Hit", "HitFilter", "parse_line", "parse_log", "read_log", "summarize"]
