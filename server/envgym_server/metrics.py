"""Prometheus metrics of one server instance, on a registry of its own (so several apps in one
process, as in tests, never collide).

Example:
    >>> m = Metrics()
    >>> m.errors.labels(code="unknown_session").inc()
    >>> b"envgym_errors_total" in m.render()[0]
    True
"""

from __future__ import annotations

from typing import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    generate_latest,
)

from envgym.host import HostMetrics
from envgym_server.step_metrics import StepMetrics

# Steps of the trivial environment take well under a millisecond; sandboxed ones can take minutes.
STEP_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class Metrics(HostMetrics):
    """The episode host's reports (``HostMetrics``) and the server's own, as Prometheus series."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.sessions_open = Gauge(
            "envgym_sessions_open", "Sessions whose episode is open (counted against max_sessions)", registry=r
        )
        self.sessions_created = Counter("envgym_sessions_created", "Sessions created", ["env"], registry=r)
        self.sessions_closed = Counter(
            "envgym_sessions_closed", "Sessions closed, by final episode status", ["status"], registry=r
        )
        # envgym_steps_total{transport} and envgym_step_seconds{transport}: updated on every step, so
        # kept in plain Python and exposed as the same series (envgym_server.step_metrics).
        self.steps = StepMetrics(r, STEP_BUCKETS)
        self.reset_latency = Histogram(
            "envgym_reset_seconds", "Time to create a session (environment reset)", buckets=STEP_BUCKETS, registry=r
        )
        self.sandboxes_open = Gauge("envgym_sandboxes_open", "Sandboxes currently open", registry=r)
        self.sandboxes_created = Counter("envgym_sandboxes_created", "Sandboxes created", registry=r)
        self.errors = Counter("envgym_errors", "Error responses, by error code", ["code"], registry=r)
        self.reaped = Counter("envgym_sessions_reaped", "Sessions closed by the idle reaper", registry=r)
        # python_gc_collections_total{generation}: the collector's cost grows with open sessions
        # when it is mistuned (see gc_tuning), so it is worth watching in production.
        GCCollector(registry=r)

    def session_created(self, env_id: str, reset_s: float) -> None:
        self.reset_latency.observe(reset_s)
        self.sessions_created.labels(env=env_id).inc()

    def step_done(self, transport: str, seconds: float) -> None:
        self.steps.observe("ws" if transport == "ws" else "rest", seconds)

    def session_closed(self, status: str) -> None:
        self.sessions_closed.labels(status=status).inc()

    def session_reaped(self) -> None:
        self.reaped.inc()

    def bind(self, sessions_open: Callable[[], float], sandboxes_open: Callable[[], float]) -> None:
        """Gauges read live values at scrape time instead of being updated on every change."""
        self.sessions_open.set_function(sessions_open)
        self.sandboxes_open.set_function(sandboxes_open)

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
