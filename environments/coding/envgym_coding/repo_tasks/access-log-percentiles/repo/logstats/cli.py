"""``python -m logstats access.log [more.log.gz ...] [--json] [filters]``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from logstats.filters import HitFilter, parse_status_classes, parse_when
from logstats.parser import read_log
from logstats.report import render_statuses, render_summary, render_timeline
from logstats.stats import SORT_KEYS, status_breakdown, summarize, top, totals
from logstats.timeline import WIDTHS, timeline


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="logstats", description="Summarize access logs per path.")
    parser.add_argument("files", nargs="+", metavar="FILE", help="access logs (.gz files are decompressed)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    parser.add_argument("--since", type=parse_when, help="only hits at or after this ISO time")
    parser.add_argument("--until", type=parse_when, help="only hits before this ISO time")
    parser.add_argument("--method", action="append", default=[], help="only this HTTP method (repeatable)")
    parser.add_argument("--status", type=parse_status_classes, default=frozenset(),
                        help="only these status classes, e.g. 4xx,5xx")
    parser.add_argument("--path-prefix", default="", help="only paths starting with this")
    parser.add_argument("--sort", choices=SORT_KEYS, default="path", help="order of the paths")
    parser.add_argument("--top", type=int, metavar="N", help="show only the first N paths")
    parser.add_argument("--timeline", choices=WIDTHS, help="also count hits per minute or hour")
    return parser


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    if args.top is not None and args.top < 1:
        print("error: --top must be at least 1", file=sys.stderr)
        return 2
    hits, bad = [], 0
    for name in args.files:
        try:
            file_hits, file_bad = read_log(name)
        except OSError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        hits.extend(file_hits)
        bad += file_bad
    selection = HitFilter(args.since, args.until, frozenset(m.upper() for m in args.method), args.status,
                          args.path_prefix).apply(hits)
    summary = top(summarize(selection), args.sort, args.top)
    buckets = timeline(selection, args.timeline) if args.timeline else []
    if args.json:
        document = {"paths": summary, "unparsed_lines": bad, "totals": totals(selection),
                    "status": status_breakdown(selection)}
        if args.timeline:
            document["timeline"] = [b.as_dict() for b in buckets]
        json.dump(document, out, sort_keys=True)
        out.write("\n")
        return 0
    for line in render_summary(summary):
        print(line, file=out)
    if selection:
        print(render_statuses(status_breakdown(selection)), file=out)
    for line in render_timeline(buckets):
        print(line, file=out)
    if bad:
        print(f"({bad} lines could not be parsed)", file=out)
    return 0
