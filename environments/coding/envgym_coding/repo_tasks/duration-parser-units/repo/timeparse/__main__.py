"""``python -m timeparse 1h30m`` prints the number of seconds."""

import sys

from timeparse.parse import DurationError, parse_duration


def main(argv: list[str]) -> int:
    try:
        for arg in argv:
            print(parse_duration(arg))
    except DurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
