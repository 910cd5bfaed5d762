"""``envgym.kernel.step_budget.StepBudget``: the commands of one step end before the host's step timeout, each
gets what it asked for cut to what the step has left, never less than a second. A fake clock stands
in for ``time.monotonic``, so nothing here depends on how fast the machine is."""

from __future__ import annotations

import types

import pytest

from envgym.kernel import step_budget
from envgym.kernel.context import EnvContext
from envgym.kernel.step_budget import MIN_COMMAND_S, StepBudget


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 5000.0
        monkeypatch.setattr(step_budget, "time", types.SimpleNamespace(monotonic=lambda: self.now))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.mark.parametrize(
    "step_timeout_s, total",
    [
        (None, 100.0),  # the server's default step timeout (120 s) less the spare
        (0, 100.0),  # no timeout given: the default, not a zero budget
        (120.0, 100.0),  # 20 s spare is less than 15%
        (200.0, 170.0),  # 15% spare is more than 20 s
        (30.0, 10.0),
        (22.0, 2.0),
        (21.0, 1.0),
        (10.0, 1.0),  # never under a second, even when the spare eats the whole step
    ],
)
def test_the_budget_is_the_step_timeout_less_a_spare(step_timeout_s: float | None, total: float) -> None:
    assert StepBudget(step_timeout_s).total == pytest.approx(total)


def test_the_budget_runs_from_its_creation(clock: Clock) -> None:
    budget = StepBudget(120.0)
    assert budget.deadline == 5100.0
    assert budget.left() == 100.0
    clock.now += 40.0
    assert budget.left() == 60.0


def test_a_command_gets_what_it_asks_for_cut_to_what_is_left(clock: Clock) -> None:
    budget = StepBudget(120.0)
    assert budget.limit(30) == 30.0
    assert budget.limit(12.36) == 12.4  # to a tenth of a second
    assert budget.limit(0.2) == MIN_COMMAND_S  # never started with less than a second
    clock.now += 95.0
    assert budget.limit(30) == 5.0
    clock.now += 4.7
    assert budget.limit(30) == MIN_COMMAND_S  # 0.3 s left
    clock.now += 10.0
    assert budget.limit(30) == MIN_COMMAND_S  # past the end: still a second, and spent() says so


def test_the_budget_is_spent_when_less_than_a_command_is_left(clock: Clock) -> None:
    budget = StepBudget(120.0)
    assert not budget.spent()
    clock.now += 99.0  # exactly one second left
    assert not budget.spent()
    clock.now += 0.01
    assert budget.spent()


def test_of_reads_the_hosts_step_timeout_from_the_context() -> None:
    assert StepBudget.of(EnvContext(settings={"step_timeout_s": 30})).total == 10.0
    assert StepBudget.of(EnvContext()).total == 100.0
    assert StepBudget.of(None).total == 100.0
