"""Whether one task can run on this host with this sandbox provider, and if not, why.

Checked per task, before any sandbox exists (at reset, and by ``envgym check``/``envgym eval``,
which list the tasks that cannot run in a "skipped" table and run the rest). The reason says what
would make the task run: another provider, a host setting, a package.

Network: Harbor gives every phase public network unless the task says otherwise. envgym runs
tasks offline unless the host allows the network (``terminal.allow_internet=true``, the one setting
that switches to Harbor's behaviour): a task that does not mention the network then runs with none,
and a task that asks for it explicitly is skipped with the reason.

Example:
    >>> from envgym.kernel.context import EnvContext
    >>> why_not(Task(id="t", suite="s", prompt="p", payload={"gpus": 1}), EnvContext(sandbox="bwrap"))
    'needs 1 GPU(s); envgym sandboxes have no GPU access'
"""

from __future__ import annotations

import posixpath
from typing import Any

from envgym.kernel.context import EnvContext
from envgym.protocol import Task
from envgym_terminal.compose import compose_command
from envgym_terminal.settings import TerminalSettings

ALLOW_INTERNET = "terminal.allow_internet"
SYSTEM_DIRS = ("/usr", "/etc", "/proc", "/dev")  # never a workspace under bwrap (envgym/sandbox/bwrap.py)
DOCKER_STYLES = {
    "dockerfile": "environment/Dockerfile",
    "image": "a prebuilt docker_image",
    "compose": "environment/docker-compose.yaml",
}


def internet_allowed(context: EnvContext) -> bool:
    return context.settings_for(TerminalSettings).allow_internet


def phase_networks(payload: dict[str, Any]) -> list[str | None]:
    return [n for step in payload.get("steps") or [] for n in (step.get("agent_network"), step.get("verifier_network"))]


def why_not(task: Task, context: EnvContext) -> str | None:
    """None when ``task`` can run under ``context``, else the reason it cannot."""
    payload = task.payload
    provider = context.sandbox
    if payload.get("os") == "windows" or payload.get("windows_tests"):
        return "a Windows task ([environment] os = 'windows' or tests/test.bat); this host runs Linux sandboxes only"
    if payload.get("gpus"):
        return f"needs {payload['gpus']} GPU(s); envgym sandboxes have no GPU access"
    if payload.get("tpu"):
        return "needs a TPU ([environment] tpu); envgym sandboxes have none"
    style = payload.get("style", "files")
    if provider != "docker":
        if style in DOCKER_STYLES and not payload.get("has_setup"):
            return (
                f"its starting state is {DOCKER_STYLES[style]}, which the {provider!r} sandbox cannot build: run it "
                "with --sandbox docker (or add environment/setup.sh that builds the same state without Docker)"
            )
        workdir = posixpath.normpath(payload.get("workdir") or "/app")
        if workdir in ("/", "/tmp") or any(workdir == d or workdir.startswith(d + "/") for d in SYSTEM_DIRS):
            return (
                f"its working directory is {workdir}, which the {provider!r} sandbox cannot use as a workspace (it "
                "keeps /, /tmp and the system directories for itself): run it with --sandbox docker"
            )
        for step in payload.get("steps") or []:
            separate = step.get("separate_verifier")
            if separate and (separate["kind"] != "task" or (style != "files" and not payload.get("has_setup"))):
                return f"step {step['name']!r} verifies in a separate Docker environment: run it with --sandbox docker"
    elif style == "compose" and compose_command() is None:
        return (
            "environment/docker-compose.yaml needs Docker Compose (`docker compose` or `docker-compose`), which "
            "is not installed here (scripts/docker-up.sh installs Debian's docker-compose)"
        )
    asked = [n for n in phase_networks(payload) if n in ("public", "allowlist")]
    if asked and not internet_allowed(context):
        return (
            f"task.toml asks for network access (network_mode = {asked[0]!r}); envgym runs tasks offline unless "
            f"the host allows it: --set {ALLOW_INTERNET}=true"
        )
    if provider != "docker" and internet_allowed(context) and _phases_differ(payload):
        return (
            "task.toml gives the agent and the verifier different network access; only the Docker provider can "
            "switch a sandbox's network between phases (--sandbox docker)"
        )
    return None


def _phases_differ(payload: dict[str, Any]) -> bool:
    modes = {network_on(n, True) for n in phase_networks(payload)}
    return len(modes) > 1


def network_on(mode: str | None, allowed: bool) -> bool:
    """Whether a phase with network ``mode`` (None: not written in the task) gets network access."""
    if not allowed:
        return False
    return mode != "no-network"  # Harbor's default (None) is public; allowlist runs as public here
