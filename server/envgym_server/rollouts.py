"""``POST /v1/rollouts``: play n whole episodes server-side with an OpenAI-compatible model and
return the finished trajectories (rewards, status, per-turn token ids, logprobs, policy version).

The episodes are ordinary sessions of this server, so its limits apply: they take session slots
(a rollout that cannot get one within ``CAPACITY_WAIT_S`` ends ``env_error`` with code
``capacity_exhausted``), each step obeys the step timeout (→ ``timeout``), and shutdown closes them.
With ``stream: true`` the answer is NDJSON: one ``Rollout`` per line as each finishes, then a summary
line. If the client disconnects (either form), the rollouts still running are cancelled and their
sessions closed. The app factory includes ``router`` automatically when this module is importable.

The server makes HTTP requests to the ``model.base_url`` it is given; bind to loopback or use a
token (``ENVGYM_TOKEN``) so only trusted callers can point it somewhere.

Example:
    $ curl -sN localhost:8000/v1/rollouts -H 'content-type: application/json' -d '{"env": "debug/counter",
        "task_id": "count-to-2", "n": 4, "stream": true, "policy_version": 3,
        "model": {"base_url": "http://127.0.0.1:8001/v1", "name": "Qwen/Qwen3-8B"}}'
"""

from __future__ import annotations

from typing import AsyncGenerator, AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from envgym.eval.rollouts import Rollout, RolloutRequest, RolloutResponse, iter_rollouts, summarize
from envgym.host import HostEpisode
from envgym.host.sessions import load_task
from envgym.kernel.families import resolve
from envgym_server.disconnect import ClientGone
from envgym_server.routes import BODY, cancel_on_disconnect, errors, json_response
from envgym_server.state import ServerState, get_state

router = APIRouter()

CAPACITY_WAIT_S = 30.0


@router.post("/v1/rollouts", response_model=RolloutResponse, responses=errors(*BODY, 404, 503), tags=["rollouts"])
async def rollouts(body: RolloutRequest, request: Request, state: ServerState = Depends(get_state)) -> Response:
    """Play ``n`` episodes of one task with the given model endpoint; return every trajectory (all
    ``n`` slots, in order), or stream them as NDJSON with ``stream: true``."""
    ref = resolve(body.env)
    task = await load_task(ref, body.task_id)

    def stream() -> AsyncGenerator[Rollout, None]:
        return iter_rollouts(
            body,
            task,
            ref.cls,
            ref.id,
            lambda: HostEpisode(state.sessions, ref.id, dict(body.options), capacity_wait_s=CAPACITY_WAIT_S),
        )

    if body.stream:

        async def lines() -> AsyncIterator[bytes]:
            # A disconnect cancels this generator (Starlette listens for it); closing ``results``
            # then cancels the episodes still running.
            done: list[Rollout] = []
            results = stream()
            try:
                async for rollout in results:
                    done.append(rollout)
                    yield rollout.model_dump_json().encode() + b"\n"
            finally:
                await results.aclose()
            yield summarize(body, task.id, ref.id, done).model_dump_json().encode() + b"\n"

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    async def collect() -> list[Rollout]:
        return [r async for r in stream()]

    try:
        rollouts = sorted(await cancel_on_disconnect(request, collect()), key=lambda r: r.index)
    except ClientGone:  # the client went away: the episodes were cancelled (each closes its session)
        return Response(status_code=499)
    summary = summarize(body, task.id, ref.id, rollouts)
    result = RolloutResponse(
        env=ref.id,
        task_id=task.id,
        model=body.model.name,
        policy_version=body.policy_version,
        rollouts=rollouts,
        status_counts=summary.status_counts,
        mean_reward=summary.mean_reward,
    )
    return json_response(result)
