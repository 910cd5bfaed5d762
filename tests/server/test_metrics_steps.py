"""``envgym_server.step_metrics``: the same exposition as prometheus_client's ``Counter`` and
``Histogram`` for the same steps (only the ``_created`` timestamps differ)."""

from __future__ import annotations

import re

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from envgym_server.metrics import STEP_BUCKETS, Metrics
from envgym_server.step_metrics import StepMetrics

OBSERVED = [
    ("rest", 0.0001),
    ("rest", 0.0005),
    ("ws", 0.00050001),
    ("ws", 1.0),
    ("rest", 299.9),
    ("ws", 300.0),
    ("ws", 7200.0),
    ("rest", 0.0),
    ("ws", 0.003),
]


def exposition(registry: CollectorRegistry) -> str:
    # The _created series carry the time each child was made: the only values allowed to differ.
    return re.sub(r"(_created\{[^}]*\}) \S+", r"\1 T", generate_latest(registry).decode())


def test_the_step_series_are_exposed_as_prometheus_clients_own():
    theirs, ours = CollectorRegistry(auto_describe=True), CollectorRegistry(auto_describe=True)
    for registry in (theirs, ours):  # neighbours, as in Metrics
        Gauge("envgym_before", "a metric registered before", registry=registry).set(1)
    steps = Counter("envgym_steps", "Steps taken", ["transport"], registry=theirs)
    latency = Histogram(
        "envgym_step_seconds",
        "Time spent in one environment step",
        ["transport"],
        buckets=STEP_BUCKETS,
        registry=theirs,
    )
    for transport in ("rest", "ws"):
        steps.labels(transport=transport)
        latency.labels(transport=transport)
    counted = StepMetrics(ours, STEP_BUCKETS)
    for registry in (theirs, ours):
        Gauge("envgym_after", "a metric registered after", registry=registry).set(2)
    assert exposition(theirs) == exposition(ours)  # nothing counted yet
    for transport, seconds in OBSERVED:
        steps.labels(transport=transport).inc()
        latency.labels(transport=transport).observe(seconds)
        counted.observe(transport, seconds)
    assert exposition(theirs) == exposition(ours)
    assert 'envgym_steps_total{transport="ws"} 5.0' in exposition(ours)


def test_the_server_metrics_count_steps_per_transport():
    metrics = Metrics()
    metrics.steps.observe("ws", 0.002)
    text = metrics.render()[0].decode()
    assert 'envgym_steps_total{transport="ws"} 1.0' in text and 'envgym_steps_total{transport="rest"} 0.0' in text
    assert 'envgym_step_seconds_bucket{le="0.0025",transport="ws"} 1.0' in text
