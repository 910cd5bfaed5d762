"""``arith``: single-digit addition with a one-digit answer, as an ordinary envgym plugin.

Suites: ``arith/sum9`` — every ``a + b`` with digits a, b and a + b <= 9 (55 tasks). The whole
reply, stripped, is the answer; reward 1 for the exact sum, else 0. It exists so that
examples/torch_grpo can train a policy from scratch in minutes on two CPU cores.

Example:
    >>> env = ArithEnvironment("sum9").sync()
    >>> _ = env.reset(ArithEnvironment.get_task("sum9", "3+4"))
    >>> env.step("7").reward
    1.0
    >>> env.close()
"""

from __future__ import annotations

from typing import Sequence

from envgym import Action, Environment, Grade, Observation, ScriptedPolicy, StepResult, SuiteInfo, Task


class ArithEnvironment(Environment):
    version = "0.1.0"
    summary = "Single-digit addition (answers 0-9); a toy family for training loops."
    text_actions = "the whole reply, stripped, is the answer"

    @classmethod
    def suites(cls) -> list[SuiteInfo]:
        return [SuiteInfo(name="sum9", version="1", description="a + b for digits with a + b <= 9", size=55)]

    @classmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        return [
            Task(
                id=f"{a}+{b}",
                suite=suite,
                prompt=f"{a}+{b}=",
                private={"answer": str(a + b)},
                metadata={"category": f"sum={a + b}"},
            )
            for a in range(10)
            for b in range(10)
            if a + b <= 9
        ]

    @classmethod
    def oracle_policy(cls, task: Task) -> ScriptedPolicy:
        return ScriptedPolicy([task.private["answer"]])

    async def on_reset(self, task: Task, seed: int | None) -> Observation:
        return Observation.user(task.prompt)

    async def on_step(self, action: Action) -> StepResult:
        assert self.task is not None
        return self.finish(Grade.binary(action.text().strip() == self.task.private["answer"]))
