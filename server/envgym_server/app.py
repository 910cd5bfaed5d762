"""``create_app(config) -> FastAPI``: the envgym HTTP service of docs/architecture.md §5.

Extra routers plug in with ``app.include_router``; they reach sessions, sandbox context and
metrics through ``envgym_server.state.get_state``. If a module ``envgym_server.rollouts`` exists
and exposes ``router``, it is included automatically (``POST /v1/rollouts``).

Example:
    >>> from envgym_server import ServerConfig, create_app
    >>> app = create_app(ServerConfig(max_sessions=64, sandbox="process"))
    >>> app.state.envgym.config.max_sessions
    64
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import logging
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from fastapi import FastAPI

from envgym import __version__
from envgym.host import EpisodeHost, TrackedContext
from envgym.kernel import bounded
from envgym.protocol.errors import EnvgymError
from envgym_server import routes, websocket
from envgym_server.config import ServerConfig
from envgym_server.errors import install_error_handlers
from envgym_server.fastpath import StepFastPath
from envgym_server.limits import AccessAndLimitsMiddleware
from envgym_server.metrics import Metrics
from envgym_server.state import ServerState

logger = logging.getLogger("envgym.server")

OPTIONAL_ROUTERS = ["envgym_server.rollouts", "envgym_server.grading"]


def _no_framework_telemetry() -> dict[str, Any]:
    # Recent FastAPI versions trace every request through OpenTelemetry when it is installed;
    # the server exports its own Prometheus metrics, and the tracing cost shows on the step path.
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters:
        return {"telemetry": {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}}
    return {}


def _exact_openapi(app: FastAPI) -> None:
    """FastAPI documents a 422 with its own ``HTTPValidationError`` body on every route with path
    parameters; ours are plain strings that cannot fail validation, and every error this server
    sends has the ``ErrorBody`` shape, so those entries would be wrong: drop them."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()  # FastAPI keeps it as app.openapi_schema: trimmed in place below
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    responses = operation.get("responses", {})
                    if "HTTPValidationError" in json.dumps(responses.get("422", {})):
                        del responses["422"]
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
            return schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


async def _recover_sandboxes(context: TrackedContext) -> None:
    """Crash recovery: remove what an earlier server process on this host left behind (e.g. the
    labelled containers of a server killed with SIGKILL). A provider that cannot run here is
    reported, not fatal: sessions will then fail with its own actionable error."""
    try:
        removed = await context.provider().recover()
    except EnvgymError as exc:
        logger.warning("sandbox provider %r: crash recovery skipped: %s", context.sandbox, exc.message)
        return
    if removed:
        logger.warning(
            "removed %d sandbox(es) left by an earlier envgym process: %s",
            len(removed),
            ", ".join(r[:12] for r in removed),
        )


def create_app(config: ServerConfig | None = None, *, context: TrackedContext | None = None) -> FastAPI:
    """Build the app. Its lifespan starts the idle reaper and, at shutdown, closes every session
    (and so every sandbox) and the sandbox providers."""
    config = config or ServerConfig()
    metrics = Metrics()
    if context is None:
        # Tools bound their commands by what is left of a step (envgym.kernel.step_budget), so the server
        # publishes its step timeout to every environment as the setting step_timeout_s (its own
        # value wins: a --set larger than the real timeout would let commands outlive their step).
        context = TrackedContext(
            sandbox=config.sandbox,
            sandbox_options=dict(config.sandbox_options),
            settings={**config.settings, "step_timeout_s": config.step_timeout_s},
        )
    context.tracker.on_create = metrics.sandboxes_created.inc
    sessions = EpisodeHost(config, context, metrics)
    metrics.bind(lambda: sessions.open_count, context.tracker.open_count)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await _recover_sandboxes(context)
        if config.grader_workers is not None:
            bounded.configure(workers=config.grader_workers)
        sessions.start_reaper()
        try:
            yield
        finally:
            # Runs on SIGTERM/SIGINT too (uvicorn's graceful shutdown): sessions, their sandboxes,
            # then the providers (templates, cgroups, containers, browsers); atexit would not.
            await sessions.aclose()
            bounded.close_default_pool()

    app = FastAPI(
        title="envgym",
        version=__version__,
        lifespan=lifespan,
        redoc_url=None,
        **_no_framework_telemetry(),
        description="Agentic RL environments for language models: sessions, steps and grading (docs/architecture.md §5).",
    )
    app.state.envgym = ServerState(config=config, context=context, sessions=sessions, metrics=metrics)
    install_error_handlers(app)
    app.include_router(routes.router)
    app.include_router(websocket.router)
    for name in OPTIONAL_ROUTERS:
        if importlib.util.find_spec(name) is not None:
            app.include_router(importlib.import_module(name).router)
    # Middlewares added later wrap those added earlier: AccessAndLimitsMiddleware (auth, body cap and deadline)
    # runs first, then the fast path (the step and socket routes), then FastAPI's own stack and router.
    app.add_middleware(StepFastPath, state=app.state.envgym)
    app.add_middleware(
        AccessAndLimitsMiddleware,
        token=config.token,
        max_body_bytes=config.max_body_bytes,
        body_timeout_s=config.body_timeout_s,
        on_error=lambda code: metrics.errors.labels(code=code).inc(),
    )
    _exact_openapi(app)
    return app
