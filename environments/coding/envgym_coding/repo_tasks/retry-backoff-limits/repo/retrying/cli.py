"""``python -m retrying [options] -- COMMAND...``: run a command until it succeeds, with backoff between tries."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from typing import Callable, Sequence, TextIO

from retrying.core import RetryEvent, Retrying, RetryPolicy
from retrying.errors import RetryError
from retrying.policy import JITTER_MODES, Backoff


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="retrying", description="Run a command again while it fails.")
    parser.add_argument("-n", "--attempts", type=int, default=3, help="runs in total, at most (default: 3)")
    parser.add_argument("-d", "--delay", type=float, default=1.0, help="seconds before the first retry (default: 1)")
    parser.add_argument("-f", "--factor", type=float, default=2.0, help="delay multiplier per retry (default: 2)")
    parser.add_argument("-m", "--max-delay", type=float, default=60.0, help="longest wait in seconds (default: 60)")
    parser.add_argument("--jitter", choices=JITTER_MODES, default="none")
    parser.add_argument("--on-exit", type=int, action="append", metavar="CODE",
                        help="retry only on these exit codes (repeatable; default: any non-zero code)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    return parser


def main(argv: Sequence[str] | None = None, run: Callable[[list[str]], int] = subprocess.call,
         sleep: Callable[[float], None] = time.sleep, stderr: TextIO | None = None) -> int:
    """Returns the command's last exit code (2 for a usage error, 127 if the command cannot be started)."""
    stderr = stderr or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.print_usage(stderr)
        print("retrying: no command given", file=stderr)
        return 2
    retry_codes = set(args.on_exit or [])

    def failed(code: int) -> bool:
        return code in retry_codes if retry_codes else code != 0

    def report(event: RetryEvent) -> None:
        print(f"retrying: attempt {event.retry_number + 1}/{args.attempts} exited with {event.result}; "
              f"retrying in {event.delay:g}s", file=stderr)

    try:
        backoff = Backoff(args.delay, args.factor, args.max_delay, args.jitter)
        policy = RetryPolicy(args.attempts, (), backoff, retry_if_result=failed)
    except ValueError as exc:
        print(f"retrying: {exc}", file=stderr)
        return 2
    try:
        return Retrying(policy, sleep=sleep, on_retry=report).call(run, command)
    except OSError as exc:
        print(f"retrying: cannot run {command[0]}: {exc}", file=stderr)
        return 127
    except RetryError as exc:
        print(f"retrying: giving up after {exc.attempts} attempt(s)", file=stderr)
        return exc.last_result
