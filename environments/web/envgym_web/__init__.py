"""envgym-web: web navigation environments on a real headless Chromium driven by Playwright.

Two suites: ``web/miniwob`` (the MiniWoB++ tasks shipped in the ``miniwob`` package, graded by
their own JavaScript reward) and ``web/shop`` (a multi-page shop served by the environment, graded
on the application's server-side state or on the agent's answer).

Example:
    >>> from envgym_web.environment import WebEnvironment
    >>> [s.name for s in WebEnvironment.suites()]
    ['shop', 'miniwob']
"""

__all__ = ["WebEnvironment"]


def __getattr__(name: str):
    if name == "WebEnvironment":
        from envgym_web.environment import WebEnvironment

        return WebEnvironment
    raise AttributeError(name)
