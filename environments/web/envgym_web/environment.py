"""The ``web`` environment family: a real headless Chromium, driven through element-id tools.

Suites: ``web/shop`` (the EnvShop application, graded on its server-side state or the agent's
answer), ``web/tracker`` (the EnvTrack issue tracker, graded on the difference between its final and
initial server-side state, or the answer) and ``web/miniwob`` (MiniWoB++ tasks, graded by the page's
own reward: raw reward == 1).

Each episode gets a fresh browser context in a long-lived, pooled Chromium (``browser.py``) on the
process's web runtime thread (``runtime.py``); the context is closed when the episode ends, or, for
MiniWoB, wiped of everything the episode's pages stored and reused by a later episode. Host
settings: ``WebSettings`` (``settings.py``; ``envgym info web`` lists them). Per-episode options:
``observation`` (``axtree`` default, ``dom``, ``screenshot``, ``som``, or a list), ``screenshot`` (bool),
``max_obs_chars``, ``action_timeout_ms``, ``max_turns``; each overrides the host setting of its name.

Example:
    >>> env = WebEnvironment("shop").sync()                                     # doctest: +SKIP
    >>> obs, info = env.reset(WebEnvironment.get_task("shop", "order-count"))   # doctest: +SKIP
    >>> env.step(Action.call("answer", text="3")).reward                        # doctest: +SKIP
    1.0
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any, Sequence
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError

from envgym.kernel.environment import Environment, Policy
from envgym.kernel.settings import read_settings
from envgym.protocol import (
    Action,
    EpisodeStatus,
    Grade,
    Message,
    Observation,
    ResetResult,
    StepResult,
    Submission,
    SuiteInfo,
    Task,
    Tool,
)
from envgym.protocol.errors import EnvironmentFailed, InvalidAction, InvalidRequest
from envgym_web import actions, miniwob, observe
from envgym_web.actions import Call, parse_action
from envgym_web.browser import Lease, release_lease
from envgym_web.chromium import find_chromium, playwright_browser
from envgym_web.driver import NAV_TRACKER_JS, PageDriver
from envgym_web.errors import BrowserCrashed, BrowserUnavailable
from envgym_web.runtime import WebRuntime
from envgym_web.settings import WebSettings
from envgym_web.site_start import SiteSession, site_start

VIEWPORT = {"width": 1024, "height": 768}
MAX_MESSAGES = 20  # send_message() calls per episode
APPS = ("shop", "tracker")  # suites on a self-hosted application (graded on its state, solved by StepPolicy)
HEALTH_TIMEOUT_S = 20.0  # starting a new Playwright driver takes about a second; a busy machine, more
MINIWOB_VIEWPORT = {"width": 500, "height": 400}


class WebEnvironment(Environment):
    settings_model = WebSettings
    version = "0.1.0"
    summary = (
        "Web navigation in a real headless Chromium: MiniWoB++ tasks, a multi-page shop and an issue tracker "
        "graded on server state."
    )
    text_actions = (
        "Use the tools, or end the reply with one call written as text, e.g. click(12), "
        'type(3, "red mug", submit=True), select(5, "M"), press("Enter"), scroll("down"), '
        'hover(4), click_at(120, 80), drag(4, 9), wait(text="Saved"), goto("/cart"), back(), '
        'send_message("..."), answer("$36.99"), done(). Anything else is answered with an error.'
    )
    default_max_turns = 30

    # ------------------------------------------------------------------ class-level data
    @classmethod
    def suites(cls) -> list[SuiteInfo]:
        from envgym_web.shop.tasks import SPECS
        from envgym_web.tracker.tasks import SPECS as TRACKER_SPECS

        return [
            SuiteInfo(
                name="shop",
                version="1",
                size=len(SPECS),
                description="EnvShop: search, filters, product pages, cart, checkout, account, order history; "
                "graded on the shop's server-side state or on the answer.",
            ),
            SuiteInfo(
                name="tracker",
                version="1",
                size=len(TRACKER_SPECS),
                description="EnvTrack: an issue tracker (filters, bulk edits, issue forms, comments, a drag-and-drop "
                "board, settings); graded on what changed in its server-side state, or on the answer.",
            ),
            SuiteInfo(
                name="miniwob",
                version="1",
                size=len(miniwob.all_task_names()) - len(miniwob.EXCLUDED),
                description="MiniWoB++ tasks from the miniwob package, served locally; success = the page's raw reward is 1.",
            ),
        ]

    @classmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        if suite == "shop":
            from envgym_web.shop.tasks import shop_tasks

            return shop_tasks()
        if suite == "tracker":
            from envgym_web.tracker.tasks import tracker_tasks

            return tracker_tasks()
        return miniwob.miniwob_tasks()

    @classmethod
    def tools(cls, suite: str | None = None) -> list[Tool]:
        return list(actions.TOOLS)

    @classmethod
    def oracle_policy(cls, task: Task) -> Policy | None:
        if task.suite in APPS:
            from envgym_web.oracle import StepPolicy

            return StepPolicy(task.private["solution"])
        from envgym_web.miniwob_solvers import SOLVERS, SolverPolicy

        solver = SOLVERS.get(task.id)
        return SolverPolicy(solver) if solver else None

    @classmethod
    async def health(cls, context: Any) -> str | None:
        """None when the family can serve (issue 15's readiness hook), else a one-line reason: no
        Chromium to launch, or a Playwright driver that cannot start. A dead driver is replaced here."""
        runtime = WebRuntime.current()
        settings = getattr(context, "settings", None) or {}
        if runtime is None:  # nothing started yet: the browser must at least be there to launch
            try:
                web = read_settings(settings, WebSettings)
                find_chromium(web.chromium_path, playwright_browser(), web.headless)
            except BrowserUnavailable as exc:
                return exc.message
            return None
        try:
            return await asyncio.wait_for(runtime.run(runtime.health(settings)), HEALTH_TIMEOUT_S)
        except asyncio.TimeoutError:
            return f"the web runtime did not answer within {HEALTH_TIMEOUT_S:g} s"
        except RuntimeError as exc:  # its loop was stopped meanwhile (shutdown)
            return f"the web runtime is stopped: {exc}"

    @classmethod
    def adversary_attacks(cls, task: Task) -> list:
        """Browser attacks for ``envgym check --adversary`` (envgym_web/adversary.py)."""
        from envgym_web.adversary import attacks

        return attacks(task)

    @classmethod
    async def grade_submission(cls, task: Task, submission: Submission, context: Any = None) -> Grade:
        """Question tasks of ``web/shop`` and ``web/tracker`` can be graded from an answer alone; the rest need an episode."""
        from envgym_web.shop.grading import grade_answer

        check = task.private.get("check", {})
        if task.suite in APPS and check.get("kind") == "answer":
            return grade_answer(check, submission.answer)
        return Grade.grader_error(f"task {task.id!r} is graded on the live page or application state; run an episode")

    # ------------------------------------------------------------------ episode
    def __init__(self, suite: str | None = None, **kwargs: Any) -> None:
        super().__init__(suite, **kwargs)
        self.runtime: WebRuntime = None  # type: ignore[assignment]  # bound at reset
        self.lease: Lease | None = None
        self.driver: PageDriver | None = None
        self.session_token: str | None = None  # the episode's session in its application (shop, tracker)
        self.goal = ""
        self.sent: list[str] = []  # send_message() texts, in order (the chat with the user)
        self.modes: tuple[str, ...] = ("axtree",)
        self._released = False
        self._give_back: tuple[Any, Any, list[str], dict[str, Any]] | None = None  # (pool, page, origins, options)

    def _option(self, key: str, setting: str | None = None) -> Any:
        """The session's option ``key``, else the host setting (``web.<setting or key>``)."""
        return self.options.get(key, getattr(self.context.settings_for(WebSettings), setting or key))

    @property
    def max_obs_chars(self) -> int:
        return int(self._option("max_obs_chars"))

    def _observation_modes(self) -> tuple[str, ...]:
        try:
            modes = observe.observation_modes(self._option("observation"))
        except ValueError as exc:
            raise InvalidRequest(str(exc), details={"option": "observation", "choices": list(observe.MODES)}) from None
        if self._option("screenshot", "screenshots") and "screenshot" not in modes and "som" not in modes:
            modes += ("screenshot",)
        return modes

    async def on_reset(self, task: Task, seed: int | None) -> ResetResult:
        self.modes = self._observation_modes()
        self.runtime = WebRuntime.get()
        self.runtime.hold(self.context)
        try:
            return await self.runtime.run(self._reset(task, seed))
        except BrowserCrashed:
            await self.runtime.run(self._release())
            raise
        except PlaywrightError as exc:
            await self.runtime.run(self._release())
            raise EnvironmentFailed(f"the web page failed to start: {exc.message.splitlines()[0]}") from exc

    async def _reset(self, task: Task, seed: int | None) -> ResetResult:
        sites = await self.runtime.sites()
        pool = await self.runtime.pool(self.context.settings)
        is_miniwob = task.payload.get("site") == "miniwob"
        origin = sites.miniwob_origin if is_miniwob else self._app(sites)[0]
        options = (
            observe.SnapshotOptions(
                skip_selectors=miniwob.SKIP_SELECTORS,
                text_is_interactive=True,
                max_name=400,
                max_value=2000,
                show_colors=True,
            )
            if is_miniwob
            else observe.SnapshotOptions()
        )
        setup = None
        if not is_miniwob:
            _, store, cookie = self._app(sites)
            setup = site_start(store, cookie, origin, task.payload.get("start_path", "/"), options)
        page_options = {
            "viewport": MINIWOB_VIEWPORT if is_miniwob else VIEWPORT,
            "service_workers": "block",
            "accept_downloads": False,
        }
        ready = await pool.new_page(NAV_TRACKER_JS, setup, **page_options)
        self.lease, page = ready.lease, ready.page
        if setup is None:  # a static site's page, given back at the end to serve another episode
            self._give_back = (pool, ready, [origin], page_options)
        session: SiteSession | None = ready.ticket if setup is not None else None
        if session is not None:
            self.session_token = session.token  # the page is on the start page already, in this episode's session
        task_path = "/" + task.payload["page"] if is_miniwob else None
        self.driver = PageDriver(
            self.lease,
            page,
            allowed_origins=[origin],
            options=options,
            action_timeout_ms=float(self._option("action_timeout_ms")),
            allowed_paths=frozenset({task_path}) if task_path else None,
            prepared=session.page if session is not None else None,
            status_js=miniwob.STATUS_JS if is_miniwob else None,
            status_on=lambda url: urlsplit(url).path == task_path,
        )
        self.driver.read_boxes = "som" in self.modes
        page = self.driver.page
        if is_miniwob:
            await page.goto(f"{origin}/{task.payload['page']}", wait_until="load")
            self.driver.loaded()
            problem = await page.evaluate(
                miniwob.START_JS, {"seed": seed, "limit": miniwob.PAGE_TIME_LIMIT_MS, "timeout": 10_000}
            )
            if problem:
                raise EnvironmentFailed(f"MiniWoB page {task.id} did not start: {problem}")
            self.goal = await page.evaluate(miniwob.GOAL_JS)
        else:
            self.goal = task.prompt
        text, data, image = await self._observe(None)
        pool.refill(NAV_TRACKER_JS, setup, **page_options)  # the next episode's page, now that this one is shown
        return ResetResult(
            observation=Observation(messages=[Message(role="user", content=text)], data=data, image=image),
            info={"goal": self.goal, "allowed_origins": [origin]},
        )

    async def _observe(self, error: str | None) -> tuple[str, dict[str, Any], str | None]:
        driver = self.driver
        assert driver is not None
        som = "som" in self.modes
        snap = await driver.snapshot(boxes=som)
        body: list[str] | None = None
        if "dom" in self.modes:
            body = await observe.read_dom(driver.page, driver.options, self.max_obs_chars)
        elif "axtree" not in self.modes:
            body = ["(the page is shown in the screenshot)"]
        tabs = None
        if len(driver.pages) > 1:
            titles = await driver.tab_titles()
            tabs = [f"[{i}] {t[:60]!r}" + (" (active)" if i == driver.active else "") for i, t in enumerate(titles)]
        text = observe.render(
            snap,
            goal=self.goal,
            error=error,
            max_chars=self.max_obs_chars,
            notes=driver.take_notes(),
            tabs=tabs,
            body=body,
        )
        image = None
        if som:
            from envgym_web.marks import draw_marks

            png = draw_marks(await driver.screenshot(), snap.boxes)
            image = base64.b64encode(png).decode("ascii")
        elif "screenshot" in self.modes:
            image = await driver.screenshot_b64()
        data = {
            "url": snap.url,
            "title": snap.title,
            "goal": self.goal,
            "error": error,
            "page": text,
            "tabs": driver.tabs(),
            "active_tab": driver.active,
            "messages_sent": list(self.sent),
        }
        return text, data, image

    async def on_step(self, action: Action) -> StepResult:
        try:
            calls = parse_action(action)
            error = None
        except InvalidAction as exc:
            calls, error = [], exc.message
        try:
            result = await self.runtime.run(self._step(action, calls, error))
        except BrowserCrashed as exc:
            await self.runtime.run(self._release())
            return self.fail(EpisodeStatus.env_error, exc.message)
        if result.done:
            await self.runtime.run(self._release())
        return result

    async def _step(self, action: Action, calls: list[Call], error: str | None) -> StepResult:
        assert self.driver is not None and self.task is not None
        replies: list[str] = []
        for call in calls:
            if call.name in actions.TERMINAL:
                answer = call.args.get("text") if call.name == "answer" else None
                grade = await self._grade(answer if answer is not None else (self.sent[-1] if self.sent else None))
                msgs = self._messages(action, replies + [f"Episode finished: reward {grade.reward:g}."])
                return self.finish(grade, observation=Observation(messages=msgs))
            if call.name == "send_message":
                if len(self.sent) >= MAX_MESSAGES:
                    error = f"send_message(): at most {MAX_MESSAGES} messages per episode"
                else:
                    self.sent.append(call.args["text"])
                    error = None
            else:
                error = await self.driver.execute(call, observe=call is calls[-1])
            replies.append(f"Error: {error}" if error else "ok")
            if error:
                break
        if self.task.suite == "miniwob":
            status = (self.driver.status_ahead() if calls else None) or await self._miniwob_status()
            if status["done"]:
                grade = miniwob.grade(status, self.task)
                msgs = self._messages(action, replies + [f"The task ended: reward {grade.reward:g}."])
                return self.finish(grade, observation=Observation(messages=msgs))
        text, data, image = await self._observe(error)
        return StepResult(
            observation=Observation(messages=self._messages(action, replies, text), data=data, image=image)
        )

    @staticmethod
    def _messages(action: Action, replies: list[str], page: str | None = None) -> list[Message]:
        """One tool message per call (the last one carries the page), or a user message for text actions."""
        if action.tool_calls:
            msgs = []
            for i, call in enumerate(action.tool_calls):
                reply = replies[i] if i < len(replies) else "not run: an earlier call failed or ended the episode"
                if page is not None and i == len(action.tool_calls) - 1:
                    reply = f"{reply}\n\n{page}"
                msgs.append(Message(role="tool", tool_call_id=call.id, content=reply))
            return msgs
        parts = replies + ([page] if page is not None else [])
        return [Message(role="user", content="\n\n".join(parts))]

    # ------------------------------------------------------------------ grading
    async def _miniwob_status(self) -> dict[str, Any]:
        """The page's reward globals, read only from the task's own page (never from another page)."""
        assert self.driver is not None and self.task is not None
        if urlsplit(self.driver.page.url).path != "/" + self.task.payload["page"]:
            return {"done": False, "raw": 0.0, "reward": 0.0, "reason": "not on the task page"}
        status = await self.driver.read_status()
        assert status is not None  # the driver of a MiniWoB episode reads miniwob.STATUS_JS
        return status

    async def _grade(self, answer: str | None) -> Grade:
        assert self.task is not None
        if self.task.suite == "miniwob":
            return miniwob.grade(await self._miniwob_status(), self.task)
        if self.task.suite == "tracker":
            from envgym_web.tracker.grading import grade_state
        else:
            from envgym_web.shop.grading import grade_state  # type: ignore[assignment]

        state = self._app(await self.runtime.sites())[1].get(self.session_token)
        if state is None:
            return Grade.grader_error(f"the {self.task.suite} session of this episode is gone")
        return grade_state(self.task.private["check"], state, answer)

    async def on_truncate(self) -> Grade | None:
        # Turn limit: grade what the agent left behind (state tasks can pass; questions without an answer score 0).
        try:
            return await self.runtime.run(self._grade(self.sent[-1] if self.sent else None))
        except (BrowserCrashed, PlaywrightError) as exc:
            return Grade.grader_error(f"could not read the final state: {exc}")

    # ------------------------------------------------------------------ cleanup
    async def _release(self) -> None:
        if self._released:
            return
        self._released = True
        if self.lease is not None:
            lease, self.lease = self.lease, None
            back, self._give_back = self._give_back, None
            driver = self.driver
            if back is not None and back[1].lease is lease:
                pool, ready, origins, page_options = back
                ours = driver is not None and driver.lease is lease
                if ours:
                    driver.detach()
                clean = (
                    ours
                    and not driver.crashed
                    and not driver.left_site
                    and len(driver.pages) == 1
                    and driver.page is ready.page
                    and len(lease.context.pages) == 1
                )
                await pool.give_back(ready, origins, clean, NAV_TRACKER_JS, **page_options)
            else:
                await release_lease(lease)
        if self.session_token is not None:
            self._app(await self.runtime.sites())[1].drop(self.session_token)
            self.session_token = None

    def _app(self, sites: Any) -> tuple[str, Any, str]:
        """(origin, session store, cookie name) of the episode's application."""
        assert self.task is not None
        if self.task.suite == "tracker":
            from envgym_web.tracker.store import COOKIE as TRACKER_COOKIE

            return sites.tracker_origin, sites.tracker_store, TRACKER_COOKIE
        from envgym_web.shop.store import COOKIE as SHOP_COOKIE

        return sites.shop_origin, sites.shop_store, SHOP_COOKIE

    async def on_close(self) -> None:
        if self.runtime is not None:
            await self.runtime.run(self._release())
