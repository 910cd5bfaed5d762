"""The ``web/miniwob`` suite: MiniWoB++ tasks from the ``miniwob`` package, served from 127.0.0.1.

Each task page carries its own JavaScript reward (``core.endEpisode``). The environment starts the
task (seeded with ``Math.seedrandom``), extends the page's own time limit to the episode's, and
after every action reads ``WOB_DONE_GLOBAL`` and ``WOB_RAW_REWARD_GLOBAL``. Success means the raw
(not time-discounted) reward is exactly 1 (for the four tasks that score closeness on a continuous
scale, at least ``SUCCESS_THRESHOLD``); the envgym reward is then 1.0, otherwise 0.0 (partial
credit such as click-checkboxes-soft's fractions, or -1 for a wrong click, scores 0).

Three tasks are left out, each with its reason in ``EXCLUDED``; included tasks without a reference
solution are in ``UNSOLVED`` with theirs (the solutions: ``miniwob_solvers``).

Example:
    >>> "click-test" in {t.id for t in miniwob_tasks()}
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import miniwob

from envgym.protocol import Grade, GradeComponent, Task

HTML_DIR = Path(miniwob.__file__).parent / "html"
SKIP_SELECTORS = ("#reward-display", "#sync-task-cover", "#click-canvas", "#query", "#attention-canvas")
DEFAULT_MAX_TURNS = 12
PAGE_TIME_LIMIT_MS = 600_000  # the page's own timer; MiniWoB's default of 10 s is far too short for an LLM

EXCLUDED: dict[str, str] = {
    "drag-cube": "which face of the cube is in front is shown only by 3D CSS transforms: the page text lists all "
    "six faces alike",
    "chase-circle": "the mouse must follow a moving circle for 10 s and the page scores the time outside it; a step "
    "takes 0.15-1 s",
    "hover-shape": "the page never ends the episode with a reward: it computes a score while the mouse is kept "
    "on the highlighted square but never reports it, so every episode ends at the time limit",
}

# Included tasks without a reference solution, and why (the validation reports them with this).
UNSOLVED: dict[str, str] = {
    "count-sides": "the shape is drawn on a <canvas>: only the screenshot observation shows it, and no reference "
    "solution reads images",
    "moving-items": "needs ten precise clicks on circles moving across the page within 10 s (raw 1 = every circle "
    "caught and no miss); a step here takes 0.15-1 s, too slow to aim",
}

# Tasks whose page scores closeness on a continuous scale (raw reward = 1 only for a point or an
# angle exact to the page's own floating-point arithmetic, which also places the clicked point a few
# pixels off where the page draws it): success is a raw reward of at least this much, as with
# miniwob's own get_thresholded_reward. Every other task needs exactly 1.
SUCCESS_THRESHOLD: dict[str, float] = {
    "circle-center": 0.9,  # within a tenth of the radius (2.5-4 px) of the centre
    "find-midpoint": 0.85,  # within 4.5 px of the midpoint
    "right-angle": 0.95,  # within 4.5 degrees of a right angle
    "bisect-angle": 0.9,  # the larger half within 5 % of half the angle
}

# Per-task turn limits: the default fits tasks solved in a handful of actions; these need more.
MAX_TURNS: dict[str, int] = {
    **{
        t: 40
        for t in (
            "book-flight",
            "book-flight-nodelay",
            "click-checkboxes-large",
            "social-media-all",
            "email-inbox-forward-nl-turk",
            "email-inbox-nl-turk",
            "text-editor",
            "order-food",
        )
    },
    **{
        t: 25
        for t in (
            "choose-date",
            "choose-date-easy",
            "choose-date-medium",
            "choose-date-nodelay",
            "email-inbox",
            "email-inbox-delete",
            "email-inbox-forward",
            "email-inbox-forward-nl",
            "email-inbox-important",
            "email-inbox-noscroll",
            "email-inbox-reply",
            "email-inbox-star-reply",
            "form-sequence",
            "form-sequence-2",
            "form-sequence-3",
            "social-media",
            "social-media-some",
            "search-engine",
            "navigate-tree",
            "tic-tac-toe",
            "terminal",
            "hot-cold",
            "guess-number",
            "simon-says",
            "multi-layouts",
            "multi-orderings",
            "click-collapsible-2",
            "click-collapsible-2-nodelay",
            "click-tab-2",
            "click-tab-2-easy",
            "click-tab-2-medium",
            "click-tab-2-hard",
            "click-menu",
            "click-menu-2",
            "use-autocomplete",
            "use-autocomplete-nodelay",
            "daily-calendar",
            "login-user-popup",
            "click-pie",
            "click-pie-nodelay",
            "find-word",
            "stock-market",
            "click-checkboxes",
            "click-checkboxes-soft",
            "click-checkboxes-transfer",
            "phone-book",
            "enter-date",
            "enter-time",
            "use-spinner",
            "number-checkboxes",
            "scroll-text",
            "scroll-text-2",
            "count-shape",
            "count-sides",
            "read-table",
            "read-table-2",
            "generate-number",
            "text-transform",
            "buy-ticket",
            "click-scroll-list",
            "enter-text-2",
            "sign-agreement",
        )
    },
}


def all_task_names() -> list[str]:
    return sorted(p.stem for p in (HTML_DIR / "miniwob").glob("*.html"))


def miniwob_tasks() -> list[Task]:
    tasks = []
    for name in all_task_names():
        if name in EXCLUDED:
            continue
        tasks.append(
            Task(
                id=name,
                suite="miniwob",
                prompt=f"MiniWoB++ task {name}: the goal is shown on the page.",
                payload={"site": "miniwob", "page": f"miniwob/{name}.html"},
                metadata={
                    "category": "miniwob",
                    "max_turns": MAX_TURNS.get(name, DEFAULT_MAX_TURNS),
                    "success_threshold": SUCCESS_THRESHOLD.get(name, 1.0),
                },
            )
        )
    return tasks


def grade(status: dict[str, Any], task: Task) -> Grade:
    """The page's reward turned into the episode's: 1.0 when the page finished with a raw reward of
    1 (or at least the task's ``success_threshold``), else 0.0; the raw value is kept.

    Example:
        >>> task = Task(id="click-test", suite="miniwob", prompt="", metadata={"success_threshold": 1.0})
        >>> grade({"done": True, "raw": 0.5, "reward": 0.4}, task).reward
        0.0
    """
    raw = float(status.get("raw") or 0.0)
    threshold = float(task.metadata.get("success_threshold", 1.0))
    ok = bool(status.get("done")) and raw >= threshold
    return Grade(
        reward=1.0 if ok else 0.0,
        passed=ok,
        components=[
            GradeComponent(
                name="page_reward",
                reward=1.0 if ok else 0.0,
                passed=ok,
                details={"raw_reward": raw, "time_discounted": status.get("reward"), "success_threshold": threshold},
            )
        ],
        details={"done": bool(status.get("done")), "raw_reward": raw, "reason": status.get("reason")},
    )


# The pages are the installed package's files, fixed while the process runs. Said explicitly, a
# renderer that loads a task page again (a reused MiniWoB page, see browser.py) takes them from its
# caches without asking the server; without it the browser's heuristic freshness (a tenth of the
# file's age) made that depend on when the package was installed.
CACHE_CONTROL = "public, max-age=86400"


def miniwob_app():  # type: ignore[no-untyped-def]
    """A static-file app over the package's html directory (task pages, core JS, jQuery, d3)."""
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    class CachedStaticFiles(StaticFiles):
        def file_response(self, *args: Any, **kwargs: Any) -> Any:
            response = super().file_response(*args, **kwargs)
            response.headers["cache-control"] = CACHE_CONTROL
            return response

    return Starlette(routes=[Mount("/", app=CachedStaticFiles(directory=str(HTML_DIR)))])


# Fixed scripts run in the task page (never built from agent text).
# The page's reward globals, read after every action (with the page text, in the same evaluation).
STATUS_JS = """() => ({done: WOB_DONE_GLOBAL, raw: WOB_RAW_REWARD_GLOBAL, reward: WOB_REWARD_GLOBAL,
  reason: WOB_REWARD_REASON === null || WOB_REWARD_REASON === undefined ? null : String(WOB_REWARD_REASON)})"""
# The goal is the task's utterance (``core.getUtterance``: the text of #query). Some goals show part
# of the problem as an element without text (click-menu-2's icon, use-colorwheel-2's colour
# swatch); the text alone loses it, so such an element is written the way the page text shows
# elements, e.g. ``[span class="ui-icon ui-icon-disk"]`` or ``[div bg=rgb(171,37,103)]``. A task
# that overrides getUtterance to name what its swatch shows (click-color) keeps its own wording.
GOAL_JS = """() => {
  const norm = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const utterance = () => { const u = core.getUtterance(); return typeof u === 'string' ? u : String(u.utterance); };
  const describe = (el) => {
    const parts = [el.tagName.toLowerCase()];
    const cls = (typeof el.className === 'string' ? el.className : '').trim();
    if (cls) parts.push('class=' + JSON.stringify(cls));
    const bg = getComputedStyle(el).backgroundColor;
    if (bg && bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') parts.push('bg=' + bg.replace(/\\s+/g, ''));
    return '[' + parts.join(' ') + ']';
  };
  const render = (node) => {
    if (node.nodeType === 3) return node.data;
    if (node.nodeType !== 1) return '';
    if (!norm(node.textContent) && node.getBoundingClientRect().width > 0) return ' ' + describe(node) + ' ';
    return Array.from(node.childNodes).map(render).join('');
  };
  let goal = utterance();
  const query = document.getElementById('query');
  if (query && goal === norm(query.textContent) && Array.from(query.querySelectorAll('*')).some(
      (el) => !norm(el.textContent) && el.getBoundingClientRect().width > 0)) goal = norm(render(query));
  return goal;
}"""
# START_JS waits in the page itself (one round trip, no Playwright selector engine): for the task's
# cover, then, once the episode is started with the seed, for the task to say it is ready; answers
# null, or what went wrong; the goal is then read with GOAL_JS. (Folding the goal into START_JS's
# answer would save a round trip, but read the first page text a few ms sooner: email-inbox's is
# already read at times while its list is still being drawn, see docs/web.md.)
START_JS = """async (args) => {
  const until = async (ok) => {
    const t0 = Date.now();
    while (!ok()) {
      if (Date.now() - t0 > args.timeout) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return true;
  };
  if (!(await until(() => document.querySelector('#sync-task-cover') !== null))) return 'the task cover never appeared';
  if (typeof core === 'undefined') return 'core.js did not load';
  if (args.seed !== null) Math.seedrandom(args.seed);
  core.EPISODE_MAX_TIME = Math.max(core.EPISODE_MAX_TIME, args.limit);
  core.startEpisodeReal();
  if (!(await until(() => (typeof WOB_TASK_READY === 'undefined') || WOB_TASK_READY === true))) return 'the task never became ready';
  return null;
}"""
