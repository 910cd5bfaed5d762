"""``POST /v1/rollouts``: play n whole episodes server-side with an OpenAI-compatible model and
return the finished trajectories (rewards, status, per-turn token ids and logprobs).

The episodes are ordinary sessions of this server, so its limits apply: they take session slots
(a rollout that cannot get one within ``CAPACITY_WAIT_S`` ends ``env_error`` with code
``capacity_exhausted``), each step obeys the step timeout (→ ``timeout``), and shutdown closes them.
The app factory includes ``router`` automatically when this module is importable.

The server makes HTTP requests to the ``model.base_url`` it is given; bind to loopback or use a
token (``ENVGYM_TOKEN``) so only trusted callers can point it somewhere.

Example:
    $ curl -s localhost:8000/v1/rollouts -H 'content-type: application/json' -d '{"env": "debug/counter",
        "task_id": "count-to-2", "n": 4, "model": {"base_url": "http://127.0.0.1:8001/v1", "name": "Qwen/Qwen3-8B"}}'
"""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from envgym.envs import resolve
from envgym.errors import CapacityExhausted
from envgym.eval.rollouts import RolloutRequest, RolloutResponse, run_rollouts
from envgym.protocol import Action, ResetResult, SessionCreate, StepResult, Task

from envgym_server.sessions import SessionManager, load_task
from envgym_server.state import ServerState, get_state

router = APIRouter()

CAPACITY_WAIT_S = 30.0


class SessionEpisode:
    """One rollout episode as a session of the server's ``SessionManager`` (an ``EpisodeHandle``)."""

    def __init__(self, sessions: SessionManager, env_id: str, options: dict) -> None:
        self.sessions = sessions
        self.env_id = env_id
        self.options = options
        self.session_id: str | None = None

    async def reset(self, task: Task, seed: int | None = None) -> ResetResult:
        deadline = time.monotonic() + CAPACITY_WAIT_S
        while True:
            try:
                session, result = await self.sessions.create(
                    SessionCreate(env=self.env_id, task_id=task.id, seed=seed, options=self.options))
                break
            except CapacityExhausted as exc:
                if time.monotonic() >= deadline:
                    raise
                await asyncio.sleep(exc.retry_after or 0.5)
        self.session_id = session.id
        return result

    async def step(self, action: Action) -> StepResult:
        assert self.session_id is not None
        return await self.sessions.step(self.session_id, action)

    async def close(self) -> None:
        session_id, self.session_id = self.session_id, None
        if session_id is not None:
            await self.sessions.close(session_id)


@router.post("/v1/rollouts", response_model=RolloutResponse, tags=["rollouts"])
async def rollouts(body: RolloutRequest, state: ServerState = Depends(get_state)) -> Response:
    """Play ``n`` episodes of one task with the given model endpoint; return every trajectory,
    with token ids and logprobs per model turn when the model server returns them."""
    ref = resolve(body.env)
    task = await load_task(ref, body.task_id)
    result = await run_rollouts(body, task, ref.cls, ref.id,
                                lambda: SessionEpisode(state.sessions, ref.id, dict(body.options)))
    return Response(result.model_dump_json(), media_type="application/json")
