"""Grading ``web/tracker`` tasks on EnvTrack's server-side state, as a difference from the start.

A state task names what must change (``changes``: field = value), which new comments must appear
(``comments``: per issue, one needle per new comment, all written by the user) and which issues
must be created (``new_issues``). Every other field of every issue and setting must be exactly as
it was: doing more than asked (closing every issue, labelling everything, editing old comments)
scores 0 just like doing less. Question tasks are graded on the answer, as in the shop.

Example:
    >>> from envgym_web.tracker.store import initial_state
    >>> check = {"kind": "state", "changes": [["issue", 1, "status", "closed"]]}
    >>> state = initial_state(); grade_state(check, state, None).reward
    0.0
    >>> state.issue(1).status = "closed"; grade_state(check, state, None).reward
    1.0
    >>> state.issue(3).status = "closed"; grade_state(check, state, None).details["unexpected"]
    ['issue 3 status']
"""

from __future__ import annotations

import re
from typing import Any

from envgym.protocol import Grade, GradeComponent
from envgym_web.shop.grading import grade_answer
from envgym_web.tracker.store import ME, TrackerState, facts, initial_state

INITIAL = facts(initial_state())
INITIAL_IDS = {key[1] for key in INITIAL if key[0] == "issue"}


def _norm(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().lower()


def _value(field: str, value: Any) -> Any:
    return frozenset(value) if field in ("labels", "watchers") else value


def _component(name: str, ok: bool, **details: Any) -> GradeComponent:
    return GradeComponent(name=name, reward=float(ok), passed=ok, details=details)


def _new_issue_matches(final: dict[tuple[str, Any, str], Any], issue_id: int, spec: dict[str, Any]) -> bool:
    for field, want in spec.items():
        if field == "description_contains":
            if _norm(want) not in _norm(final[("issue", issue_id, "description")]):
                return False
        elif field == "title":
            if _norm(final[("issue", issue_id, "title")]) != _norm(want):
                return False
        elif final[("issue", issue_id, field)] != _value(field, want):
            return False
    return final[("issue", issue_id, "status")] == "open" and final[("issue", issue_id, "comments")] == ()


def grade_state(check: dict[str, Any], state: TrackerState, answer: str | None) -> Grade:
    if check["kind"] == "answer":
        return grade_answer(check, answer)
    final = facts(state)
    comps: list[GradeComponent] = []
    expected: set[tuple[str, Any, str]] = set()
    for kind, ident, field, value in check.get("changes", []):
        key = (kind, ident, field)
        expected.add(key)
        comps.append(
            _component(
                f"{kind} {ident} {field}",
                final.get(key) == _value(field, value),
                want=str(value),
                got=str(final.get(key)),
            )
        )
    for ident, needles in check.get("comments", {}).items():
        key = ("issue", int(ident), "comments")
        expected.add(key)
        before, after = INITIAL[key], final[key]
        added = after[len(before) :]
        ok = (
            after[: len(before)] == before
            and len(added) == len(needles)
            and all(author == ME and _norm(needle) in _norm(text) for (author, text), needle in zip(added, needles))
        )
        comps.append(_component(f"issue {ident} comments", ok, new=[t for _, t in added][:5]))
    new_ids = sorted({key[1] for key in final if key[0] == "issue"} - INITIAL_IDS)
    specs = check.get("new_issues", [])
    matched = len(new_ids) == len(specs) and all(_new_issue_matches(final, i, s) for i, s in zip(new_ids, specs))
    if specs or new_ids:
        comps.append(_component("new issues", matched, created=new_ids))
    # Everything else stays as it was.
    unexpected = sorted(
        f"{k[0]} {k[1]} {k[2]}"
        for k, v in final.items()
        if k[1] not in new_ids and k not in expected and INITIAL.get(k) != v
    )
    comps.append(_component("nothing else changed", not unexpected, changed=unexpected[:20]))
    passed = all(c.passed for c in comps)
    return Grade(
        reward=1.0 if passed else 0.0, passed=passed, components=comps, details={"unexpected": unexpected[:20]}
    )
