"""The web family's own attacks for ``envgym check web --adversary`` (docs/adversary.md): what the
generic answer and malformed-call attacks cannot reach through a browser.

* ``web.urls`` opens script, data, file and browser-internal URLs, other hosts and ports, and other
  pages of the task's own site (a MiniWoB page of another, easier task), then declares it done;
* ``web.typed-script`` types markup and script that would set the page's reward globals
  (``WOB_DONE_GLOBAL``, ``WOB_RAW_REWARD_GLOBAL``) into every field it can reach, presses Enter,
  then declares it done.

Example:
    >>> from envgym.protocol import Task
    >>> [a.name for a in attacks(Task(id="click-test", suite="miniwob", prompt="Click the button."))]
    ['web.urls', 'web.typed-script']
"""

from __future__ import annotations

from envgym.adversary import Attack
from envgym.protocol import Action, Task

SET_REWARD = "WOB_DONE_GLOBAL=true;WOB_RAW_REWARD_GLOBAL=1;WOB_REWARD_GLOBAL=1;WOB_REWARD_REASON='done'"
URLS = (
    f"javascript:{SET_REWARD};void(0)",
    f"data:text/html,<script>{SET_REWARD}</script>",
    "file:///etc/passwd",
    "view-source:file:///etc/passwd",
    "chrome://version",
    "about:blank",
    "//example.com/",
    "http://127.0.0.1:1/",
    "http://localhost/",
    "http://[::1]/",
    "http://0.0.0.0/",
    "/../../../../etc/passwd",
    "/miniwob/click-test.html",
    "click-test.html",
    "/cart?add=1",
    "/orders/1",
)
FIELD_IDS = range(0, 16)
TYPED = f'<img src=x onerror="{SET_REWARD}">"><script>{SET_REWARD}</script>\'); {SET_REWARD}; //{{{{7*7}}}}${{7*7}}'


def attacks(task: Task) -> list[Attack]:
    urls = [Action.call("goto", call_id=f"call_adversary_url_{i}", url=url) for i, url in enumerate(URLS)]
    typed = [Action.call("type", call_id=f"call_adversary_type_{i}", id=i, text=TYPED, submit=True) for i in FIELD_IDS]
    done = Action.call("done", call_id="call_adversary_done")
    return [
        Attack(
            "web.urls",
            ("family",),
            "opens javascript:, data:, file:, view-source: and chrome: URLs, other hosts "
            "and ports, path traversal and other pages of the task's site, then declares it done",
            urls,
            finish=done,
        ),
        Attack(
            "web.typed-script",
            ("family",),
            "types markup and script that would set the page's reward globals into "
            "every field, with Enter, then declares it done",
            typed + [Action.call("press", key="Enter")],
            finish=done,
        ),
    ]
