"""Programmatic criteria: decided without any judge.

``contains``, ``regex``, ``max_words`` and ``json_schema`` run in-process on the answer text (they
execute no answer code). ``python`` checks are author-written scripts run in a sandbox created for
grading only (``context.create_sandbox``), with the answer passed as data on stdin and in
``answer.txt``; exit 0 = met, 1 = not met, anything else (or a timeout) raises ``GraderError``
because a broken check must not become a verdict.

Example:
    >>> from envgym_graders.rubric.model import MaxWordsCriterion
    >>> check_text(MaxWordsCriterion(description="short", max_words=3), "one two three four").met
    False
"""

from __future__ import annotations

import json
import re

from envgym.kernel.context import EnvContext
from envgym.protocol.errors import GraderError
from envgym.sandbox.base import Sandbox, SandboxSpec
from envgym_graders.match import compile_pattern
from envgym_graders.rubric.model import (
    ContainsCriterion,
    CriterionVerdict,
    JsonSchemaCriterion,
    MaxWordsCriterion,
    PythonCriterion,
    RegexCriterion,
)

_JSON_BLOCK = re.compile(r"```(?:json)?[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)
PYTHON = "/usr/bin/python3"  # Debian's interpreter: present inside the sandboxes, starts fast


def _json_candidate(answer: str) -> object:
    text = answer.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    blocks = _JSON_BLOCK.findall(answer)
    if not blocks:
        raise ValueError("the answer is not JSON and has no fenced JSON block")
    return json.loads(blocks[-1])


def check_text(
    criterion: ContainsCriterion | RegexCriterion | MaxWordsCriterion | JsonSchemaCriterion, answer: str
) -> CriterionVerdict:
    """Decide one in-process programmatic criterion."""
    cid = criterion.id
    if isinstance(criterion, ContainsCriterion):
        hay, needle = (
            (answer, criterion.value) if criterion.case_sensitive else (answer.lower(), criterion.value.lower())
        )
        found = needle in hay
        return CriterionVerdict(cid, found, f"{'found' if found else 'did not find'} {criterion.value!r}")
    if isinstance(criterion, RegexCriterion):
        match = compile_pattern(criterion.pattern, "m" if criterion.case_sensitive else "mi").search(answer)
        return CriterionVerdict(
            cid,
            match is not None,
            f"pattern {criterion.pattern!r} " + (f"matched {match.group(0)[:80]!r}" if match else "did not match"),
        )
    if isinstance(criterion, MaxWordsCriterion):
        n = len(answer.split())
        return CriterionVerdict(cid, n <= criterion.max_words, f"{n} words (limit {criterion.max_words})")
    if isinstance(criterion, JsonSchemaCriterion):
        import jsonschema

        try:
            value = _json_candidate(answer)
        except ValueError as exc:
            return CriterionVerdict(cid, False, f"no JSON found: {exc}")
        errors = sorted(
            jsonschema.validators.validator_for(criterion.json_schema)(criterion.json_schema).iter_errors(value),
            key=lambda e: list(e.path),
        )
        if errors:
            first = errors[0]
            where = "/".join(str(p) for p in first.path) or "(root)"
            return CriterionVerdict(cid, False, f"JSON does not match the schema at {where}: {first.message}")
        return CriterionVerdict(cid, True, "JSON matches the schema")
    raise TypeError(f"not an in-process check: {criterion.kind}")


CHECK_SPEC = SandboxSpec(
    wall_timeout_s=30, cpu_seconds=20, memory_mb=512, max_processes=32, disk_mb=64, output_bytes=20_000, network="none"
)


async def run_python_checks(
    criteria: list[PythonCriterion], answer: str, context: EnvContext
) -> list[CriterionVerdict]:
    """Run every ``python`` criterion in one fresh sandbox (closed afterwards)."""
    if not criteria:
        return []
    box: Sandbox = await context.create_sandbox(CHECK_SPEC)
    try:
        await box.write_file("answer.txt", answer)
        verdicts = []
        for i, criterion in enumerate(criteria):
            script = f"check_{i}.py"
            await box.write_file(script, criterion.code)
            result = await box.exec([PYTHON, "-I", script], stdin=answer, timeout=criterion.timeout_s)
            tail = (result.stdout.strip() or result.stderr.strip())[-400:]
            if result.timed_out:
                raise GraderError(
                    f"python check {criterion.id!r} timed out after {criterion.timeout_s:g}s",
                    details={"criterion": criterion.id},
                )
            if result.exit_code not in (0, 1):
                raise GraderError(
                    f"python check {criterion.id!r} is broken: exit code {result.exit_code}: {tail}",
                    details={"criterion": criterion.id, "stderr": result.stderr[-2000:]},
                )
            verdicts.append(
                CriterionVerdict(criterion.id, result.exit_code == 0, tail or f"exit code {result.exit_code}")
            )
        return verdicts
    finally:
        await box.close()
