"""envgym-web: web navigation environments on a real headless Chromium driven by Playwright.

Three suites: ``web/miniwob`` (the MiniWoB++ tasks shipped in the ``miniwob`` package, graded by
their own JavaScript reward), ``web/shop`` (a multi-page shop served by the environment, graded
on the application's server-side state or on the agent's answer) and ``web/tracker`` (an issue
tracker served the same way).

Example:
    >>> from envgym_web.environment import WebEnvironment
    >>> [s.name for s in WebEnvironment.suites()]
    ['shop', 'tracker', 'miniwob']
"""

__all__ = ["WebEnvironment"]


def __getattr__(name: str):
    if name == "WebEnvironment":
        from envgym_web.environment import WebEnvironment

        return WebEnvironment
    raise AttributeError(name)
