"""The ``web/miniwob`` suite: MiniWoB++ tasks from the ``miniwob`` package, served from 127.0.0.1.

Each task page carries its own JavaScript reward (``core.endEpisode``). The environment starts the
task (seeded with ``Math.seedrandom``), extends the page's own time limit to the episode's, and
after every action reads ``WOB_DONE_GLOBAL`` and ``WOB_RAW_REWARD_GLOBAL``. Success means the raw
(not time-discounted) reward is exactly 1; the envgym reward is then 1.0, otherwise 0.0 (partial
credit such as click-checkboxes-soft's fractions, or -1 for a wrong click, scores 0).

Tasks that need what the action set cannot express (dragging, drawing, pointing at canvas
coordinates, text selection with the mouse) are excluded, each with its
reason in ``EXCLUDED``.

Example:
    >>> "click-test" in {t.id for t in miniwob_tasks()}
    True
"""

from __future__ import annotations

from pathlib import Path

from envgym.protocol import Task

import miniwob

HTML_DIR = Path(miniwob.__file__).parent / "html"
SKIP_SELECTORS = ("#reward-display", "#sync-task-cover", "#click-canvas", "#query", "#attention-canvas")
DEFAULT_MAX_TURNS = 12
PAGE_TIME_LIMIT_MS = 600_000  # the page's own timer; MiniWoB's default of 10 s is far too short for an LLM

EXCLUDED: dict[str, str] = {
    **{t: "needs mouse dragging, which the element-based action set cannot express" for t in (
        "drag-box", "drag-circle", "drag-cube", "drag-items", "drag-items-grid", "drag-shapes", "drag-shapes-2",
        "drag-single-shape", "drag-sort-numbers", "resize-textarea")},
    **{t: "needs drawing or pointing at free canvas/SVG coordinates" for t in (
        "draw-circle", "draw-line", "bisect-angle", "circle-center", "right-angle", "find-midpoint", "use-colorwheel",
        "use-colorwheel-2")},
    "chase-circle": "needs the mouse kept over a moving circle over time",
    **{t: "needs selecting text with the mouse" for t in ("highlight-text", "highlight-text-2")},
}

# Per-task turn limits: the default fits tasks solved in a handful of actions; these need more.
MAX_TURNS: dict[str, int] = {
    **{t: 40 for t in ("book-flight", "book-flight-nodelay", "click-checkboxes-large", "social-media-all",
                       "email-inbox-forward-nl-turk", "email-inbox-nl-turk", "text-editor", "order-food")},
    **{t: 25 for t in ("choose-date", "choose-date-easy", "choose-date-medium", "choose-date-nodelay", "email-inbox",
                       "email-inbox-delete", "email-inbox-forward", "email-inbox-forward-nl", "email-inbox-important",
                       "email-inbox-noscroll", "email-inbox-reply", "email-inbox-star-reply", "form-sequence",
                       "form-sequence-2", "form-sequence-3", "social-media", "social-media-some", "search-engine",
                       "navigate-tree", "tic-tac-toe", "terminal", "hot-cold", "guess-number", "simon-says",
                       "multi-layouts", "multi-orderings", "click-collapsible-2", "click-collapsible-2-nodelay",
                       "click-tab-2", "click-tab-2-easy", "click-tab-2-medium", "click-tab-2-hard", "click-menu",
                       "click-menu-2", "use-autocomplete", "use-autocomplete-nodelay", "daily-calendar",
                       "login-user-popup", "click-pie", "click-pie-nodelay", "find-word", "stock-market",
                       "click-checkboxes", "click-checkboxes-soft", "click-checkboxes-transfer", "phone-book",
                       "enter-date", "enter-time", "use-spinner", "number-checkboxes", "scroll-text", "scroll-text-2",
                       "count-shape", "count-sides", "read-table", "read-table-2", "generate-number",
                       "text-transform", "buy-ticket", "click-scroll-list", "enter-text-2", "sign-agreement")},
}


def all_task_names() -> list[str]:
    return sorted(p.stem for p in (HTML_DIR / "miniwob").glob("*.html"))


def miniwob_tasks() -> list[Task]:
    tasks = []
    for name in all_task_names():
        if name in EXCLUDED:
            continue
        tasks.append(Task(id=name, suite="miniwob", prompt=f"MiniWoB++ task {name}: the goal is shown on the page.",
                          payload={"site": "miniwob", "page": f"miniwob/{name}.html"},
                          metadata={"category": "miniwob", "max_turns": MAX_TURNS.get(name, DEFAULT_MAX_TURNS)}))
    return tasks


def miniwob_app():  # type: ignore[no-untyped-def]
    """A static-file app over the package's html directory (task pages, core JS, jQuery, d3)."""
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    return Starlette(routes=[Mount("/", app=StaticFiles(directory=str(HTML_DIR)))])


# Fixed scripts run in the task page (never built from agent text). START_JS waits in the page
# itself (one round trip, no Playwright selector engine): for the task's cover, then, once the
# episode is started with the seed, for the task to say it is ready.
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
STATUS_JS = """() => ({done: WOB_DONE_GLOBAL, raw: WOB_RAW_REWARD_GLOBAL, reward: WOB_REWARD_GLOBAL,
  reason: WOB_REWARD_REASON === null || WOB_REWARD_REASON === undefined ? null : String(WOB_REWARD_REASON),
  goal: (function () { var u = core.getUtterance(); return typeof u === 'string' ? u : String(u.utterance); })()})"""
