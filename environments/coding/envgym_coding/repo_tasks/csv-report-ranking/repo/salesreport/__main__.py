"""``python -m salesreport orders.csv`` prints the report."""

import sys

from salesreport.reader import ReportError, read_orders
from salesreport.summary import render, summarize


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m salesreport FILE.csv", file=sys.stderr)
        return 2
    try:
        with open(argv[0], newline="") as fh:
            print(render(summarize(read_orders(fh.read()))), end="")
    except (OSError, ReportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
