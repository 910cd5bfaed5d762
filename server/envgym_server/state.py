"""What the routes of one app share: config, sandbox context, session table, metrics.

Other routers (``envgym_server.rollouts``) reach it with the ``get_state`` dependency.

Example:
    >>> from fastapi import APIRouter, Depends
    >>> router = APIRouter()
    >>> @router.get("/v1/example")
    ... async def example(state: ServerState = Depends(get_state)):
    ...     return {"open": state.sessions.open_count, "sandbox": state.context.sandbox}
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from envgym.host import EpisodeHost, TrackedContext
from envgym_server.config import ServerConfig
from envgym_server.metrics import Metrics


@dataclass
class ServerState:
    config: ServerConfig
    context: TrackedContext
    sessions: EpisodeHost
    metrics: Metrics


def get_state(connection: HTTPConnection) -> ServerState:
    """FastAPI dependency (works for HTTP routes and WebSockets alike)."""
    state: ServerState = connection.app.state.envgym
    return state
