"""Telling whether a container's command server was taken down from inside the container.

In image mode a command may run as root in the container, so it can kill or stop the command server
(envgym/sandbox/container_agent.py): it is an ordinary process there, not the PID namespace's init.
That is the agent's doing, to be scored like a killed command, not an error status. The server is
judged taken down from inside only on evidence the infrastructure cannot produce by failing:

* killed: its ``docker exec`` ended with a signal's status (128 + n) while the container still runs
  (envgym never signals the server; it removes the whole container). The kernel's OOM killer also
  counts: in a container it acts on the memory its commands use. Docker may report the exec as
  running for a moment after its process died: a server whose process is gone or a zombie is
  judged once Docker reports the end (within 10 s).
* stopped: its process, found by the PID Docker reports and checked to be in this container's
  cgroup, is in state ``T``. Only a process of the container (or root on the host) stops it. It is
  killed here, so the sandbox can start a new server. A remote Docker Engine cannot be checked: a
  stopped server there stays an error.

Anything else (the container stopped, the engine unreachable, no such process) returns None and
stays an error.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any


def _host_state(pid: int, container_id: str) -> str | None:
    """The state letter of host process ``pid`` if it belongs to the container, else None."""
    try:
        with open(f"/proc/{pid}/cgroup") as fh:
            if container_id not in fh.read():
                return None
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0].decode()
    except (OSError, IndexError):
        return None


def _when_ended(api: Any, exec_id: str, wait_s: float = 10.0) -> dict[str, Any] | None:
    """The exec's inspection once Docker reports it ended (None if it does not within ``wait_s``)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            info: dict[str, Any] = api.exec_inspect(exec_id)
        except Exception:  # noqa: BLE001 — the engine failing: no evidence
            return None
        if not info.get("Running"):
            return info
        time.sleep(0.05)
    return None


def server_taken_down(api: Any, container: Any, exec_id: str) -> str | None:
    """Why the command server of ``exec_id`` is gone because of something inside ``container``, or
    None if that cannot be shown. Blocking (Docker API calls)."""
    try:
        container.reload()
        if container.status != "running":
            return None
        info = api.exec_inspect(exec_id)
    except Exception:  # noqa: BLE001 — the engine itself failing is an infrastructure error
        return None
    pid = info.get("Pid")
    state = _host_state(int(pid), container.id) if pid and info.get("Running") else None
    if info.get("Running") and state in (None, "Z", "X"):
        # Killed a moment ago: the process is gone (or a zombie) but Docker has not seen the exec end
        # yet. Wait for it (bounded) and judge by the exit status, as for an exec already over.
        info = _when_ended(api, exec_id) or info
    if not info.get("Running"):
        code = info.get("ExitCode")
        if isinstance(code, int) and 128 < code < 128 + 65:
            return f"the container's command server was killed by signal {code - 128} from inside the container"
        return None
    if state != "T":
        return None
    try:
        os.kill(int(pid), signal.SIGKILL)
    except OSError:
        return None
    if _when_ended(api, exec_id) is None:
        return None
    return "the container's command server was stopped (SIGSTOP) from inside the container"
