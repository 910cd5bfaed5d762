"""``envgym_steps_total{transport}`` and ``envgym_step_seconds{transport}``: counted in plain Python,
exposed at scrape time as the very series a prometheus_client ``Counter`` and ``Histogram`` would.

Every step updates both. prometheus_client's children take a ``threading.Lock`` for each update (and
the histogram walks its buckets in Python): about a third of the session table's own work per step.
The server updates them from its event loop only, so here a step is a bucket index and two
additions, and ``collect()`` (called by ``generate_latest`` on the same loop) builds the samples.
The exposition is the same text, ``_created`` series included (tests/server/test_metrics_steps.py).

Example:
    >>> from prometheus_client import CollectorRegistry, generate_latest
    >>> registry = CollectorRegistry()
    >>> steps = StepMetrics(registry, buckets=(0.001, 1.0))
    >>> steps.observe("rest", 0.0004)
    >>> b'envgym_steps_total{transport="rest"} 1.0' in generate_latest(registry)
    True
"""

from __future__ import annotations

import time
from bisect import bisect_left
from typing import Callable, Iterator, Sequence

from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import CollectorRegistry
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString

TRANSPORTS = ("rest", "ws")
# prometheus_client.utils.floatToGoString has no annotations: its type, for the strict checks.
_float_to_go: Callable[[float], str] = floatToGoString


class StepMetrics:
    def __init__(self, registry: CollectorRegistry, buckets: Sequence[float]) -> None:
        self.bounds = [float(b) for b in buckets]
        self.labels = [_float_to_go(b) for b in self.bounds] + ["+Inf"]
        # Per transport: steps per bucket (not cumulative; the last is +Inf) and the latency sum.
        self.counts = {t: [0] * len(self.labels) for t in TRANSPORTS}
        self.sums = dict.fromkeys(TRANSPORTS, 0.0)
        self.created = {t: time.time() for t in TRANSPORTS}
        registry.register(self)

    def observe(self, transport: str, seconds: float) -> None:
        """One step of ``transport`` that took ``seconds`` (a bucket's bound is inclusive, as in prometheus_client)."""
        self.counts[transport][bisect_left(self.bounds, seconds)] += 1
        self.sums[transport] += seconds

    def collect(self) -> Iterator[Metric]:
        steps, latency = self.describe()
        for transport, counts in self.counts.items():
            total = 0
            cumulative = []
            for label, n in zip(self.labels, counts):
                total += n
                cumulative.append((label, float(total)))
            steps.add_metric([transport], float(total), created=self.created[transport])
            latency.add_metric([transport], cumulative, self.sums[transport])
        # After every transport's buckets, as prometheus_client orders them.
        for transport, created in self.created.items():
            latency.samples.append(Sample("envgym_step_seconds_created", {"transport": transport}, created))
        yield steps
        yield latency

    def describe(self) -> tuple[CounterMetricFamily, HistogramMetricFamily]:
        """The families without samples (registration checks the names against the other metrics)."""
        return (
            CounterMetricFamily("envgym_steps", "Steps taken", labels=["transport"]),
            HistogramMetricFamily("envgym_step_seconds", "Time spent in one environment step", labels=["transport"]),
        )
