"""Finding the Chromium binary to launch.

Order: the ``web.chromium_path`` setting, the ``ENVGYM_CHROMIUM`` environment variable, a system
Chromium on PATH (Debian's ``chromium``), then the browser ``playwright install`` downloaded. When
none exists the error says how to get one.

Example:
    >>> find_chromium(None, playwright_default="/nonexistent")  # doctest: +SKIP
    '/usr/bin/chromium'
"""

from __future__ import annotations

import os
import shutil

from envgym_web.errors import BrowserUnavailable

SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium(configured: str | None, playwright_default: str | None) -> str | None:
    """The executable to pass to ``launch(executable_path=...)``; ``None`` means Playwright's own browser."""
    explicit = configured or os.environ.get("ENVGYM_CHROMIUM")
    if explicit:
        path = shutil.which(explicit) or explicit
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise BrowserUnavailable(f"the configured Chromium {explicit!r} is not an executable file; "
                                     "fix web.chromium_path / ENVGYM_CHROMIUM", details={"path": explicit})
        return path
    for name in SYSTEM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    if playwright_default and os.path.isfile(playwright_default):
        return None
    raise BrowserUnavailable(
        "no Chromium found: install Debian's chromium (scripts/setup.sh does), run `playwright install chromium`, "
        "or set web.chromium_path / ENVGYM_CHROMIUM",
        details={"searched": list(SYSTEM_NAMES), "playwright_browser": playwright_default})
