"""The ``debug`` family: tiny, instant environments for smoke tests, protocol benchmarks and demos.

It is registered through an entry point like any other plugin (see the core's pyproject).

* ``debug/echo`` — single turn: reply with the word the prompt asks for (reward 1 if exact).
* ``debug/counter`` — multi-turn with tools: call ``increment`` until the counter reaches the
  target, then ``submit``. Each step costs almost nothing, which makes it the protocol benchmark's
  trivial environment.

Option ``step_delay_s`` (0 to 3600; default 0): every step first waits this long, as a slow
environment would, to try a host's step timeout.

Example:
    >>> env = DebugEnvironment("echo").sync()
    >>> _ = env.reset(DebugEnvironment.get_task("echo", "echo-3"))
    >>> env.step("delta").reward
    1.0
    >>> env.close()
"""

from __future__ import annotations

import asyncio
from typing import Sequence

from envgym.kernel.context import EnvContext
from envgym.kernel.environment import Environment, Policy, ScriptedPolicy
from envgym.protocol import (
    Action,
    Grade,
    GradeComponent,
    Message,
    Observation,
    StepResult,
    Submission,
    SuiteInfo,
    Task,
    Tool,
)
from envgym.protocol.errors import InvalidAction, InvalidRequest

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]


class DebugEnvironment(Environment):
    version = "1.0.0"
    summary = "Instant toy tasks (echo a word; count with tools) for smoke tests and benchmarks."
    text_actions = (
        "echo: the whole reply, stripped, is the answer. counter: plain text is not an action; use the tools."
    )

    @classmethod
    def suites(cls) -> list[SuiteInfo]:
        return [
            SuiteInfo(name="echo", version="1", description="Reply with the requested word.", size=len(WORDS)),
            SuiteInfo(
                name="counter",
                version="1",
                description="Increment a counter to a target with tool calls, then submit.",
                size=5,
            ),
        ]

    @classmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        if suite == "echo":
            return [
                Task(
                    id=f"echo-{i}",
                    suite="echo",
                    prompt=f"Reply with exactly this word and nothing else: {w}",
                    private={"answer": w},
                    metadata={"category": "echo"},
                )
                for i, w in enumerate(WORDS)
            ]
        return [
            Task(
                id=f"count-to-{n}",
                suite="counter",
                prompt=f"Use the increment tool until the counter is {n}, then call submit.",
                payload={"target": n},
                metadata={"category": "counter", "max_turns": 4 * n + 8},
            )
            for n in (1, 2, 3, 5, 8)
        ]

    @classmethod
    def tools(cls, suite: str | None = None) -> list[Tool]:
        if suite == "echo":
            return []
        return [
            Tool.define(
                "increment",
                "Add `by` (default 1) to the counter.",
                {"by": {"type": "integer", "minimum": 1, "maximum": 10, "description": "how much to add (1 to 10)"}},
            ),
            Tool.define("submit", "Finish the episode; graded on the counter's value."),
        ]

    @classmethod
    def demo_suites(cls) -> list[tuple[str, int]]:
        return [("echo", 3), ("counter", 3)]

    @classmethod
    def oracle_policy(cls, task: Task) -> Policy:
        if task.suite == "echo":
            return ScriptedPolicy([task.private["answer"]])
        return ScriptedPolicy(
            [Action.call("increment") for _ in range(task.payload["target"])] + [Action.call("submit")]
        )

    @staticmethod
    def _echo_grade(task: Task, text: str) -> Grade:
        answer, expected = text.strip(), task.private["answer"]
        return Grade(
            reward=float(answer == expected),
            passed=answer == expected,
            components=[GradeComponent(name="exact", reward=float(answer == expected))],
            details={"expected_length": len(expected)},
        )

    @classmethod
    async def grade_submission(cls, task: Task, submission: Submission, context: EnvContext | None = None) -> Grade:
        """echo grades an answer without an episode (``POST /v1/grade``); counter needs its episode."""
        if task.grader is None and task.suite == "echo" and "answer" in task.private:
            return cls._echo_grade(task, submission.answer or "")
        return await super().grade_submission(task, submission, context)

    @property
    def default_max_turns(self) -> int:  # type: ignore[override]
        return 1 if self.suite == "echo" else 1_000_000

    async def on_reset(self, task: Task, seed: int | None) -> Observation:
        self.counter = 0
        delay = self.options.get("step_delay_s", 0)
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= 3600:
            raise InvalidRequest(f"step_delay_s must be a number of seconds from 0 to 3600, not {delay!r}")
        self.step_delay_s = float(delay)
        return Observation.user(task.prompt)

    async def on_step(self, action: Action) -> StepResult:
        assert self.task is not None
        if self.step_delay_s:
            await asyncio.sleep(self.step_delay_s)
        if self.suite == "echo":
            return self.finish(self._echo_grade(self.task, action.text()))
        if not action.tool_calls:
            raise InvalidAction("plain text does nothing here: call the increment or submit tool")
        replies: list[Message] = []
        for call in action.tool_calls:
            name = call.function.name
            try:
                args = call.function.parsed_arguments()
            except ValueError as exc:
                text = f"Error: {exc}"
            else:
                if name == "submit":
                    ok = self.counter == self.task.payload["target"]
                    return self.finish(
                        Grade.binary(ok, {"counter": self.counter, "target": self.task.payload["target"]}),
                        observation=Observation(messages=replies),
                    )
                text = self._increment(args.get("by", 1)) if name == "increment" else f"Error: unknown tool {name!r}"
            replies.append(Message(role="tool", tool_call_id=call.id, content=text))
        return StepResult(observation=Observation(messages=replies, data={"counter": self.counter}))

    def _increment(self, by: object) -> str:
        if not isinstance(by, int) or not 1 <= by <= 10:
            return "Error: `by` must be an integer from 1 to 10"
        self.counter += by
        return f"counter = {self.counter}"
