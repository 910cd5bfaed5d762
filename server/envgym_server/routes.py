"""The REST routes of docs/architecture.md §5 (everything but ``/v1/rollouts`` and the WebSocket).

Handlers return pre-serialised ``Response`` objects (pydantic-core's JSON encoder) and declare
their models only for the OpenAPI document, so a step costs one validation in and one dump out.

Example (with the server running):
    $ curl -s -X POST localhost:8000/v1/sessions -H 'content-type: application/json' \\
        -d '{"env": "debug/echo", "task_id": "echo-3"}'
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, TypeVar

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from envgym import __version__
from envgym.host.sessions import load_task
from envgym.kernel import registry
from envgym.kernel.families import load_family, resolve
from envgym.kernel.grader import get_grader
from envgym.protocol import (
    PROTOCOL_VERSION,
    Action,
    EnvironmentDetail,
    EnvironmentSummary,
    ErrorBody,
    Grade,
    GradeRequest,
    GraderSpec,
    Observation,
    SessionCreate,
    SessionCreated,
    SessionState,
    StepRequest,
    StepResult,
    TaskList,
)
from envgym.protocol.errors import EnvgymError, GraderError, InvalidRequest
from envgym.protocol.ids import EnvId
from envgym_server.disconnect import run_watching, step_watching
from envgym_server.state import get_state

log = logging.getLogger("envgym_server")
router = APIRouter()
T = TypeVar("T")


class NotReady(EnvgymError):
    code = "not_ready"
    http_status = 503


# Every status each route can answer besides its success, for its OpenAPI entry (docs/server.md has
# the same table). 401: a token is configured and missing; 413: body cap; 422: malformed request;
# 408: the request body arrived too slowly; 500: a crash (of the server, a plugin, an environment).
ERROR_DESCRIPTIONS = {
    401: "unauthorized: missing or wrong bearer token",
    404: "unknown_environment, unknown_task, unknown_session or unknown_plugin",
    408: "request_timeout: the request body did not arrive within --body-timeout",
    409: "session_closed: the episode has ended",
    413: "payload_too_large: body over --max-body-bytes",
    422: "invalid_request (malformed JSON, wrong types, unknown fields, a cap exceeded) or invalid_action",
    500: "env_error, plugin_load_error or internal_error",
    503: "capacity_exhausted (with Retry-After) or not_ready",
    504: "step_timeout: the work took longer than --step-timeout and was cancelled",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody, "description": ERROR_DESCRIPTIONS[code]} for code in codes}


READ = errors(401, 500)
BODY = (401, 408, 413, 422, 500)


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


class Health(BaseModel):
    status: str = "ok"
    version: str = __version__
    protocol: str = PROTOCOL_VERSION
    sessions_open: int
    sessions_known: int
    sandboxes_open: int


class SessionDeleted(BaseModel):
    session_id: str
    existed: bool


class Readiness(BaseModel):
    status: str = "ready"
    families: dict[str, str] = {}
    sandbox: str = "ok"


HEALTH_TIMEOUT_S = 5.0


async def cancel_on_disconnect(request: Request, work: Awaitable[T]) -> T:
    """``disconnect.run_watching`` for this request: ``work`` is cancelled if its client disconnects
    meanwhile (``ClientGone``), so a vanished client costs nothing."""
    return await run_watching(request.receive, work, f"{request.method} {request.url.path}")


# The step route is registered first: routes are matched in order, and it is the hot path.
@router.post(
    "/v1/sessions/{session_id}/step",
    response_model=StepResult,
    responses=errors(*BODY, 404, 409, 504),
    tags=["sessions"],
)
async def step_session(session_id: str, body: StepRequest, request: Request) -> Response:
    """Apply one action. After the episode ends the session answers 409 ``session_closed``. A client
    that disconnects during the step has it cancelled, and the session ends as ``agent_error``."""
    result = await step_watching(request.receive, get_state(request).sessions, session_id, body.action)
    return json_response(result)


@router.get("/readyz", response_model=Readiness, responses=errors(503), tags=["service"])
async def readyz(request: Request) -> Response:
    """Readiness: 200 when every environment family this server has loaded can serve (its
    ``health(context)`` hook) and the sandbox provider is available, else 503 ``not_ready`` with the
    reasons. Open without a token, like ``/healthz``."""
    state = get_state(request)
    families: dict[str, str] = {}
    for name, cls in sorted(state.sessions.loaded_families.items()):
        hook = getattr(cls, "health", None)
        try:
            reason = await asyncio.wait_for(hook(state.context), HEALTH_TIMEOUT_S) if hook is not None else None
        except asyncio.TimeoutError:
            reason = f"its health check did not answer within {HEALTH_TIMEOUT_S:g} s"
        except Exception as exc:  # noqa: BLE001 — a failing check is a reason, not a 500
            reason = f"its health check failed: {type(exc).__name__}: {exc}"
        families[name] = reason or "ok"
    try:
        available, why = state.context.provider().available()
    except Exception as exc:  # noqa: BLE001
        available, why = False, f"{type(exc).__name__}: {exc}"
    sandbox = "ok" if available else f"sandbox provider {state.context.sandbox!r} cannot run here: {why}"
    failing = {name: reason for name, reason in families.items() if reason != "ok"}
    if failing or not available:
        parts = [f"{name}: {reason}" for name, reason in failing.items()] + ([] if available else [sandbox])
        raise NotReady("not ready: " + "; ".join(parts), details={"families": families, "sandbox": sandbox})
    return json_response(Readiness(families=families))


@router.get("/healthz", response_model=Health, tags=["service"])
async def healthz(request: Request) -> Response:
    """Liveness, plus the counts a test or an operator wants at a glance (open without a token)."""
    state = get_state(request)
    return json_response(
        Health(
            sessions_open=state.sessions.open_count,
            sessions_known=state.sessions.known_count,
            sandboxes_open=state.context.tracker.open_count(),
        )
    )


@router.get("/metrics", tags=["service"], response_class=Response, responses=READ)
async def metrics(request: Request) -> Response:
    """Prometheus text format."""
    body, content_type = get_state(request).metrics.render()
    return Response(body, media_type=content_type)


@router.get("/v1/environments", response_model=list[EnvironmentSummary], responses=READ, tags=["environments"])
async def list_environments() -> Response:
    """One entry per ``family/suite`` of every installed family. A family whose plugin fails to
    import or to list its suites is left out here (and logged); asking for it by id returns its error."""
    out: list[EnvironmentSummary] = []
    for plugin in registry.list_plugins("environments"):
        try:
            cls = load_family(plugin.name)
            suites = cls.suites()
        except Exception as exc:  # noqa: BLE001 — one broken plugin must not hide the others
            log.warning(
                "environment plugin %s (package %s) left out of the listing: %s: %s",
                plugin.name,
                plugin.package,
                type(exc).__name__,
                exc,
            )
            continue
        for suite in suites:
            out.append(
                EnvironmentSummary(
                    id=f"{plugin.name}/{suite.name}",
                    family=plugin.name,
                    version=cls.version,
                    summary=suite.description or cls.summary,
                    package=plugin.package,
                )
            )
    return Response(b"[" + b",".join(e.model_dump_json().encode() for e in out) + b"]", media_type="application/json")


@router.get(
    "/v1/environments/{env:path}/tasks",
    response_model=TaskList,
    responses=errors(401, 404, 422, 500),
    tags=["environments"],
)
async def list_tasks(
    env: str,
    suite: str | None = None,
    split: str | None = None,
    offset: int = Query(0, ge=0),
    limit: int = Query(100, ge=1, le=1000),
) -> Response:
    """Task ids and prompts. Never the private part of a task (hidden tests, reference solutions)."""
    ref = resolve(env if suite is None else f"{EnvId.parse(env).family}/{suite}")
    tasks = await asyncio.to_thread(ref.tasks, split)
    page = [t.public() for t in tasks[offset : offset + limit]]
    return json_response(TaskList(env=ref.id, total=len(tasks), offset=offset, tasks=page))


@router.get(
    "/v1/environments/{env:path}",
    response_model=EnvironmentDetail,
    responses=errors(401, 404, 500),
    tags=["environments"],
)
async def environment_detail(env: str) -> Response:
    """Metadata, tool schemas, observation/action JSON schemas and suites of one environment."""
    ref = resolve(env)
    cls = ref.cls
    return json_response(
        EnvironmentDetail(
            id=ref.id,
            family=ref.family,
            version=cls.version,
            summary=cls.summary,
            package=registry.info("environments", ref.family).package,
            tools=cls.tools(ref.suite),
            suites=cls.suites(),
            observation_schema=Observation.model_json_schema(),
            action_schema=Action.model_json_schema(),
            text_actions=cls.text_actions,
        )
    )


@router.post(
    "/v1/sessions",
    response_model=SessionCreated,
    status_code=201,
    responses=errors(*BODY, 404, 503, 504),
    tags=["sessions"],
)
async def create_session(body: SessionCreate, request: Request) -> Response:
    """Create a session and reset its environment: ``{env, task_id | task, seed?, options?}``.
    A hand-made ``task`` whose sandbox asks for more than the server's caps is 422 naming the cap."""
    session, reset = await cancel_on_disconnect(request, get_state(request).sessions.create(body))
    return json_response(SessionCreated(session_id=session.id, observation=reset.observation, info=reset.info), 201)


@router.get(
    "/v1/sessions/{session_id}", response_model=SessionState, responses=errors(401, 404, 500), tags=["sessions"]
)
async def get_session(session_id: str, request: Request) -> Response:
    """Env, task, step count, status and timings of a session (finished ones too, until deleted)."""
    return json_response(get_state(request).sessions.get(session_id).state())


@router.delete("/v1/sessions/{session_id}", response_model=SessionDeleted, responses=READ, tags=["sessions"])
async def delete_session(session_id: str, request: Request) -> Response:
    """Close the session and release everything it holds. Idempotent: an unknown id is not an error."""
    existed = await get_state(request).sessions.close(session_id)
    return json_response(SessionDeleted(session_id=session_id, existed=existed))


@router.post("/v1/grade", response_model=Grade, responses=errors(*BODY, 404, 504), tags=["grading"])
async def grade(body: GradeRequest, request: Request) -> Response:
    """Grade a submission without a session, with a grader by name or with an environment's
    ``grade_submission``. A grading failure is a 200 whose grade has ``status: grader_error``; a
    submission that lacks what the grader reads (say, only a trajectory for an answer grader) is
    422 naming the field."""
    state = get_state(request)
    ref = resolve(body.env) if body.env is not None else None
    if ref is not None:
        state.sessions.loaded_families.setdefault(ref.family, ref.cls)
    task = body.task if body.task is not None else await load_task(ref, body.task_id or "")  # type: ignore[arg-type]
    submission = body.to_submission()
    context = state.context.child(state.config.task_caps if body.task is not None else None)
    try:
        if body.grader is not None:
            try:
                grader = get_grader(GraderSpec(name=body.grader, config=body.grader_config))
            except GraderError as exc:  # a configuration the grader rejects is the caller's mistake
                raise InvalidRequest(exc.message, details=exc.details) from exc
            grader.check_submission(submission)
            work = grader.safe_grade(task, submission, context=context)
        else:
            assert ref is not None
            work = ref.cls.grade_submission(task, submission, context=context)
        result = await cancel_on_disconnect(request, state.sessions.run_limited(work, f"grading task {task.id!r}"))
    finally:
        await context.close_sandboxes()
    return json_response(result)
