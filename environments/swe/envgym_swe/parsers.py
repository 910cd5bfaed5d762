"""Test logs → per-test status, with the SWE-bench harness's log parsers (``swebench`` package,
``swebench.harness.log_parsers.PARSER_REGISTRY``: one parser per repository / test runner).

``swebench`` is an optional dependency (``pip install 'envgym-swe[swebench]'``): its import pulls
``datasets``, ``modal`` and ``docker`` and takes about two seconds, so it is imported once, lazily,
in a worker thread, never on the event loop.

The pass rule is envgym's, stricter than swebench's ``test_maintained``: a test passes only when the
log says PASSED (or XFAIL, an expected failure, as swebench counts it); SKIPPED, FAILED, ERROR or
absent from the log all fail it, for FAIL_TO_PASS and PASS_TO_PASS alike.

Example:
    >>> test_log_section("noise\\n>>>>> Start Test Output\\nPASSED t::a\\n>>>>> End Test Output\\nrest")
    'PASSED t::a'
"""

from __future__ import annotations

import threading
from typing import Any, Callable

START = ">>>>> Start Test Output"
END = ">>>>> End Test Output"
PASSING = ("PASSED", "XFAIL")

_lock = threading.Lock()
_registry: dict[str, Callable[..., dict[str, str]]] | None = None


class ParserUnavailable(RuntimeError):
    """The swebench package is missing, or has no parser of that name (a task/installation problem)."""


def registry() -> dict[str, Callable[..., dict[str, str]]]:
    """swebench's parser registry (imported on first use; call from a worker thread)."""
    global _registry
    with _lock:
        if _registry is None:
            try:
                from swebench.harness.log_parsers import PARSER_REGISTRY
            except ImportError as exc:
                raise ParserUnavailable(
                    f"grading needs the SWE-bench harness's log parsers: pip install 'envgym-swe[swebench]' ({exc})"
                ) from exc
            _registry = dict(PARSER_REGISTRY)
        return _registry


def test_log_section(log: str) -> str:
    """The part of the log between the harness's start and end markers (the whole log if absent).
    The last start marker and the first end marker after it count, as swebench reads them."""
    start = log.rfind(START)
    if start < 0:
        return log
    body = log[start + len(START) :]
    end = body.find(END)
    return (body[:end] if end >= 0 else body).strip("\n")


def parse(parser_name: str, log: str, instance: dict[str, Any]) -> dict[str, str]:
    """Run swebench's parser ``parser_name`` on ``log`` → {test name: status}. Blocking (worker thread)."""
    parsers = registry()
    if parser_name not in parsers:
        raise ParserUnavailable(
            f"swebench has no log parser {parser_name!r} (known: {', '.join(sorted(parsers)[:8])}, ...)"
        )
    from swebench.types import TestSpec

    spec = TestSpec(
        instance_id=instance["instance_id"],
        image="",
        eval_script_list=[],
        repo=instance["repo"],
        version=instance.get("version") or "",
        FAIL_TO_PASS=instance["fail_to_pass"],
        PASS_TO_PASS=instance["pass_to_pass"],
        log_parser=parser_name,
        eval_type="pass_and_fail",
    )
    result = parsers[parser_name](test_log_section(log), spec)
    return {str(k): str(v) for k, v in result.items()}


def passed(status: str | None) -> bool:
    return status in PASSING
