"""Finding the Chromium binary to launch, and the switches it runs with.

Order: the ``web.chromium_path`` setting, the ``ENVGYM_CHROMIUM`` environment variable, a system
Chromium on PATH, then the browser ``playwright install`` downloaded. A headless browser prefers the
headless shell (Debian's ``chromium-headless-shell``), the build of Chromium for automation that
Playwright itself launches headless: an open session costs about a quarter less memory there, and
an episode about a fifth less CPU, than in the full browser's headless mode (docs/web.md,
"Benchmark"). When none exists the error says how to get one.

Example:
    >>> find_chromium(None, playwright_default="/nonexistent")  # doctest: +SKIP
    '/usr/bin/chromium'
"""

from __future__ import annotations

import glob
import os
import shutil

from envgym_web.errors import BrowserUnavailable

# Flags that keep a headless Chromium quiet and self-contained on a machine without a GPU or network.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    # One renderer per episode context is enough: every page of an episode is on one local site.
    "--disable-site-isolation-trials",
)
# Chromium keeps only the last --disable-features switch, so ours repeats Playwright's own list
# (playwright 1.65, chromiumSwitches.ts; tests/web check that the launched browser keeps it all).
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync",
    "DestroyProfileOnBrowserClose",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "LensOverlay",
    "MediaRouter",
    "PaintHolding",
    "ThirdPartyStoragePartitioning",
    "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin",
    "OptimizationHints",
    "NetworkTimeServiceQuerying",
    "AimEnabled",
    "PreconnectToSearch",
    "msForceBrowserSignIn",
    "msEdgeUpdateLaunchServicesPreferredVersion",
)
# Measured with Chromium 156 (docs/web.md, "Latency"): every new page of the full browser's headless
# mode (the headless shell has no omnibox) loads the WebUI omnibox popups (an extra renderer running
# Lit and Mojo JavaScript, about as much CPU as the rest of the episode), and RenderDocument builds a
# new frame for every navigation.
ENVGYM_DISABLED_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup", "WebUIOmniboxFullPopup", "RenderDocument")


def launch_args(extra_args: tuple[str, ...] = ()) -> list[str]:
    """Chromium switches: ours, the host's, and one --disable-features merging Playwright's, ours and the host's."""
    features = [*PLAYWRIGHT_DISABLED_FEATURES, *ENVGYM_DISABLED_FEATURES]
    others: list[str] = []
    for arg in extra_args:
        if arg.startswith("--disable-features="):
            features += [f for f in arg.split("=", 1)[1].split(",") if f]
        else:
            others.append(arg)
    return [*CHROMIUM_ARGS, *others, "--disable-features=" + ",".join(dict.fromkeys(features))]


SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
HEADLESS_SHELL_NAMES = ("chromium-headless-shell", "chrome-headless-shell")


def find_chromium(configured: str | None, playwright_default: str | None, headless: bool = True) -> str | None:
    """The executable to pass to ``launch(executable_path=...)``; ``None`` means Playwright's own browser."""
    explicit = configured or os.environ.get("ENVGYM_CHROMIUM")
    if explicit:
        path = shutil.which(explicit) or explicit
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise BrowserUnavailable(
                f"the configured Chromium {explicit!r} is not an executable file; "
                "fix web.chromium_path / ENVGYM_CHROMIUM",
                details={"path": explicit},
            )
        return path
    names = (*HEADLESS_SHELL_NAMES, *SYSTEM_NAMES) if headless else SYSTEM_NAMES
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    if playwright_default and os.path.isfile(playwright_default):
        return None
    raise BrowserUnavailable(
        "no Chromium found: install Debian's chromium-headless-shell or chromium (scripts/setup.sh installs both), "
        "run `playwright install chromium-headless-shell chromium`, "
        "or set web.chromium_path / ENVGYM_CHROMIUM",
        details={"searched": list(names), "playwright_browser": playwright_default},
    )


def playwright_browser() -> str | None:
    """The Chromium ``playwright install chromium`` downloaded, found without starting the driver."""
    root = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or os.path.expanduser("~/.cache/ms-playwright")
    found = sorted(glob.glob(os.path.join(root, "chromium-*", "chrome-linux*", "chrome")))
    return found[-1] if found else None
