"""``python -m logstats access.log [--json]``."""

from __future__ import annotations

import argparse
import json
import sys

from logstats.parser import parse_log
from logstats.stats import summarize


def main(argv: list[str] | None = None, out=None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="logstats")
    parser.add_argument("file")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with open(args.file) as fh:
        hits, bad = parse_log(fh.read())
    summary = summarize(hits)
    if args.json:
        json.dump({"paths": summary, "unparsed_lines": bad}, out, sort_keys=True)
        out.write("\n")
    else:
        for path, row in summary.items():
            print(f"{path:<30} {row['hits']:>6} hits {row['errors']:>4} errors {row['mean_ms']:>9.2f} ms", file=out)
        if bad:
            print(f"({bad} lines could not be parsed)", file=out)
    return 0
