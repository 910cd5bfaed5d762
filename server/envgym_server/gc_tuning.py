"""Garbage-collector settings for a server process that holds many sessions at once.

CPython's cyclic collector runs a young-generation pass whenever tracked allocations outnumber
deallocations by ``threshold0`` (700 by default). A step in flight holds up to about 20 tracked
objects (its coroutine frames, futures, the parsed message and models) until its reply is sent.
With 64 WebSocket sessions that stayed under 700 and no collection ran at all; with 1,000 sessions
stepping at once it is crossed again and again, and every pass finds those in-flight objects alive and
promotes them to the older generations. The promotions then trigger full collections, and a full
collection walks every object of every open session (about 190 each, mostly cold in the CPU cache),
so the collector's cost per step grew with the number of open sessions (measured on the 2-core
machine: nothing at 64 sessions; at 1,000, 0.03 to 0.25 ms of CPU per step, a step itself being
about 0.2 ms, in full collections of 0.1 to 0.4 s each).

``tune_for_sessions`` makes the young generation large enough to hold the in-flight objects of
``max_sessions`` concurrent steps, so a young pass only happens when garbage really accumulates,
and freezes the objects that exist at start-up (modules, classes, FastAPI's routes: ~90,000) so no
full collection walks them again. Cyclic garbage is still collected; the young generation holds at
most ``YOUNG_OBJECTS_PER_SESSION * max_sessions`` objects (a few MB) before it is.

Example:
    >>> young_threshold(1000)
    50000
    >>> young_threshold(4)  # never below CPython's default
    700
"""

from __future__ import annotations

import gc

DEFAULT_YOUNG_THRESHOLD = 700  # CPython's own default for generation 0
# Tracked objects one in-flight step keeps alive, with a margin: at 1,000 concurrent steps a
# threshold of 5,000 still saw young collections over REST (none over WebSocket) and 20,000 none,
# so under 20 per step; 50 leaves room for environments that hold more.
YOUNG_OBJECTS_PER_SESSION = 50


def young_threshold(max_sessions: int) -> int:
    """Generation-0 threshold that the in-flight objects of ``max_sessions`` steps do not reach."""
    return max(DEFAULT_YOUNG_THRESHOLD, YOUNG_OBJECTS_PER_SESSION * max_sessions)


def tune_for_sessions(max_sessions: int) -> tuple[int, int, int]:
    """Apply the settings to this process (call once, after start-up imports); returns the new thresholds.

    Meant for the server's own process (``envgym serve``): the settings are process-wide, so an
    application that embeds ``create_app`` decides for itself.
    """
    gc.collect()
    gc.freeze()  # start-up objects live as long as the process: keep them out of every later collection
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(young_threshold(max_sessions), older, oldest)
    return gc.get_threshold()
