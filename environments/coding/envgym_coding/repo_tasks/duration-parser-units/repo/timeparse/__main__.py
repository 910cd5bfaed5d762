"""``python -m timeparse 1h30m`` prints the number of seconds."""

from timeparse.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
