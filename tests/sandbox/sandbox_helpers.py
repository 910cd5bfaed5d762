"""Helpers shared by the sandbox tests: waiting for a condition without a fixed sleep."""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any, Callable


async def eventually(condition: Callable[[], Any], timeout: float = 10.0, what: str = "the condition") -> Any:
    """Poll ``condition`` (a function, sync or async) until it returns something truthy; return that.
    Fails the test after ``timeout`` seconds: a bound on waiting, never an assertion about speed."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g} s")
        await asyncio.sleep(0.02)


async def file_exists(box, path: str) -> bool:
    """Whether ``path`` can be read in the sandbox ``box`` (for waiting on a command's marker file)."""
    from envgym.protocol.errors import SandboxError

    try:
        await box.read_file(path)
    except SandboxError:
        return False
    return True
