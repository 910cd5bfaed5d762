"""``python -m salesreport orders.csv`` prints the report."""

from salesreport.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
