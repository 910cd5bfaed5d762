"""A STAND-IN judge for tests and demos. It is NOT a real judge and its verdicts mean nothing
about answer quality.

It speaks the OpenAI chat-completions API (on ``envgym.testing.openai_server.OpenAIServer``) so
that the rubric family runs end to end — over real HTTP, through the real judge client — in CI and
in demos where no model is available. It decides deterministically by keyword overlap:

* it reads the criterion and the fenced answer out of the ``rubric-judge-v2`` prompt (any other
  prompt gets an HTTP 400);
* the criterion's key-term groups are its ``Key terms`` line split on ``;`` (alternatives within
  a group split on ``|``); without key terms, every word of five or more letters in the
  description that is not a stop word is a group;
* a group is present when one of its alternatives occurs in the answer, case-insensitively, at a
  word start (any word ending may follow: ``cache`` matches ``caches``);
* the verdict is MET when at least half the groups (rounded up) are present.

So it can be fooled by keyword stuffing and misses paraphrase; the shipped references are
written to contain every key term, which is why they earn all points with the stand-in. Real
judges will give them less. ``envgym judge-agreement`` shows how far the stand-in is from human
labels.

Run it: ``python -m envgym_rubric.standin_judge --port 8011`` then point the rubric family at it
(``ENVGYM_RUBRIC_JUDGE_BASE_URL=http://127.0.0.1:8011/v1 ENVGYM_RUBRIC_JUDGE_MODEL=standin``).

Example:
    >>> from envgym_graders.rubric.templates import build_messages
    >>> body = {"messages": build_messages("Explain DNS.", "Mentions caching", ["cache"], "Resolvers cache answers.")}
    >>> decide(body).splitlines()[-1]
    'VERDICT: MET'
"""

from __future__ import annotations

import argparse
import math
import re
import signal
import sys
import threading
from typing import Any

from envgym.testing.openai_server import OpenAIServer, Reply, error_reply
from envgym_graders.rubric.templates import KEY_TERMS_PREFIX

MODEL_NAME = "envgym-standin-judge"
BANNER = (
    "envgym STAND-IN judge: deterministic keyword overlap for tests and demos. "
    "It is NOT a real judge; do not report its rewards as model quality."
)

_CRITERION = re.compile(r"<criterion>\n(.*?)\n</criterion>", re.DOTALL)
_ANSWER = re.compile(r"<answer-([0-9a-f]{16})>\n(.*)\n</answer-\1>", re.DOTALL)
_STOP = frozenset(
    """about above after again against among answer answers because before being below between both
could does doing during each every explain explains first from further given have having into itself least makes
mention mentions might more most other otherwise ought response should states their them then there these they
this those through under until using which while whose would without where whether states stated""".split()
)


def key_term_groups(criterion: str) -> list[list[str]]:
    """The criterion's key-term groups (see the module docstring)."""
    description, _, terms = criterion.partition("\n" + KEY_TERMS_PREFIX)
    if terms.strip():
        return [[alt.strip() for alt in group.split("|") if alt.strip()] for group in terms.split(";") if group.strip()]
    words = {w.lower() for w in re.findall(r"[A-Za-z]{5,}", description)} - _STOP
    return [[w] for w in sorted(words)]


def _present(alternative: str, answer: str) -> bool:
    pattern = r"\s+".join(re.escape(part) for part in alternative.split())
    return re.search(r"(?<!\w)" + pattern, answer, re.IGNORECASE) is not None


def decide(body: dict[str, Any]) -> str | Reply:
    """The stand-in's reply to one chat-completions request body."""
    user = next((m.get("content") or "" for m in reversed(body.get("messages", [])) if m.get("role") == "user"), "")
    criterion, answer = _CRITERION.search(user), _ANSWER.search(user)
    if criterion is None or answer is None:
        return error_reply(
            400,
            "the stand-in judge only understands envgym's rubric-judge-v2 prompt (<criterion> and <answer-ID> blocks)",
        )
    groups = key_term_groups(criterion.group(1))
    if not groups:
        return error_reply(400, "the criterion has no key terms and no content words to match")
    found = [g for g in groups if any(_present(alt, answer.group(2)) for alt in g)]
    missing = [g for g in groups if g not in found]
    need = math.ceil(len(groups) / 2)
    met = len(found) >= need
    show = lambda gs: ", ".join("|".join(g) for g in gs) or "none"  # noqa: E731
    return (
        f"Stand-in judge (keyword overlap, not a real judge): {len(found)} of {len(groups)} key-term groups "
        f"appear (needs {need}). Found: {show(found)}. Missing: {show(missing)}.\n"
        f"VERDICT: {'MET' if met else 'NOT_MET'}"
    )


class StandinJudge(OpenAIServer):
    """The stand-in judge server. ``with StandinJudge() as judge: judge.base_url``."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(decide, host=host, port=port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m envgym_rubric.standin_judge", description=BANNER)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8011)
    args = parser.parse_args(argv)
    server = StandinJudge(host=args.host, port=args.port).start()
    print(BANNER, file=sys.stderr)
    print(
        f"serving the OpenAI chat API at {server.base_url} (any model name; Ctrl-C or SIGTERM to stop)",
        file=sys.stderr,
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
