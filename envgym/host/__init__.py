"""The episode host: sessions of episodes run for someone else, under one set of limits (step and
close timeouts, idle reaping, session caps, sandbox tracking and forced cleanup). The HTTP/WebSocket
server (``envgym_server``) and the Ray worker (``envgym.adapters.ray``) are faces of it.

Example:
    >>> import asyncio
    >>> from envgym.protocol import Action, SessionCreate
    >>> async def demo():
    ...     host = EpisodeHost(HostLimits(step_timeout_s=30), TrackedContext(sandbox="process"))
    ...     session, _ = await host.create(SessionCreate(env="debug/echo", task_id="echo-1"))
    ...     result = await host.step(session.id, Action(content="bravo"))
    ...     await host.aclose()
    ...     return result.reward, session.status.value
    >>> asyncio.run(demo())
    (1.0, 'completed')
"""

from envgym.host.episode import HostEpisode
from envgym.host.limits import HostLimits
from envgym.host.metrics import HostMetrics
from envgym.host.sessions import EpisodeHost, Session
from envgym.host.tracking import SandboxTracker, TrackedContext

__all__ = ["EpisodeHost", "HostEpisode", "HostLimits", "HostMetrics", "SandboxTracker", "Session", "TrackedContext"]
