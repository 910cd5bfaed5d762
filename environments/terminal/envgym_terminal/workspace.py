"""The place a terminal episode runs: the agent's sandbox (and, for a compose task, its services),
made the way the task says, and the separate verifier environments some tasks ask for.

* envgym's own tasks (``environment/files`` + ``setup.sh``) and Harbor tasks that also ship a
  ``setup.sh`` under a provider without Docker: the provider's base root filesystem, files copied
  into the working directory (``/app``, or the Dockerfile's), ``setup.sh`` run there, commands as
  the unprivileged sandbox user on a read-only root.
* Harbor tasks on the Docker provider, run as Harbor runs them (``SandboxSpec.image_defaults``):
  the image built from ``environment/Dockerfile`` (content-hash tag, cache, progress), the prebuilt
  ``docker_image`` (with ``environment/`` copied into its working directory, as Harbor does) or the
  compose project's ``main`` service; the image's files, ``WORKDIR`` and ``ENV`` on a writable root;
  commands as ``[agent] user`` (default: the image's ``USER``, normally root); ``/logs/agent`` and
  ``/logs/artifacts`` present; the network of each phase switched as the task says.

Example:
    >>> image_aliases(EnvContext(settings={"docker.from_aliases": '{"*": "envgym-base:bookworm"}'}))
    {'*': 'envgym-base:bookworm'}
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import shlex
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from envgym.kernel.context import EnvContext
from envgym.protocol import Task
from envgym.protocol.errors import EnvironmentFailed, SandboxError
from envgym.sandbox.base import Sandbox, SandboxSpec
from envgym.sandbox.docker_runtime import RUNTIME_MOUNT
from envgym_terminal.compose import ComposeProject
from envgym_terminal.runnable import internet_allowed, network_on
from envgym_terminal.settings import DockerAliasSettings

DEFAULT_DISK_MB = 512
DEFAULT_MEMORY_MB = 1024
IMAGE_MODE_PROCESSES = 1024
DEFAULT_WORKDIR = "/app"  # Harbor's convention, for tasks that name none
ALIASES_SETTING = "docker.from_aliases"
ARTIFACT_LIMIT = 1_000_000  # bytes of collected artifacts kept in the episode record (gzipped tar)
SANDBOX_ENV = {
    "TERM": "dumb",
    "PAGER": "cat",
    "GIT_PAGER": "cat",
    "EDITOR": "true",
    # Commits need an identity; tasks and agents get the same fixed one.
    "GIT_AUTHOR_NAME": "envgym",
    "GIT_AUTHOR_EMAIL": "envgym@example.com",
    "GIT_COMMITTER_NAME": "envgym",
    "GIT_COMMITTER_EMAIL": "envgym@example.com",
}
log = logging.getLogger("envgym.build")


def image_aliases(context: EnvContext) -> dict[str, str]:
    """The ``docker.from_aliases`` setting (a dict, or its JSON text)."""
    return context.settings_for(DockerAliasSettings).from_aliases


def uses_docker_image(task: Task, context: EnvContext) -> bool:
    """True when the task runs in an image of its own (Harbor's way), False for envgym's files/setup.sh way."""
    return context.sandbox == "docker" and task.payload.get("style", "files") != "files"


@dataclass
class Workspace:
    """A started environment: the sandbox commands run in, and what else belongs to it."""

    box: Sandbox
    workdir: str
    image_mode: bool
    compose: ComposeProject | None = None
    provider: Any = None
    started_s: float = 0.0

    async def use_network(self, on: bool) -> None:
        if self.image_mode and hasattr(self.box, "set_network"):
            await self.box.set_network(on)  # type: ignore[attr-defined]

    def use_user(self, user: str | int | None) -> None:
        if self.image_mode and hasattr(self.box, "set_user"):
            self.box.set_user(str(user) if user is not None else "image")  # type: ignore[attr-defined]

    async def close(self) -> None:
        try:
            await self.box.close()
        finally:
            if self.compose is not None:
                await asyncio.to_thread(self.compose.down)


# --------------------------------------------------------------------------- opening


def _limits(task: Task, image_mode: bool) -> dict[str, Any]:
    p = task.payload
    command_s = float(p.get("command_timeout_sec") or 600)
    longest = max(
        60.0,
        command_s,
        float(p.get("build_timeout_sec") or 600),
        *(float(s.get("verifier_timeout_sec") or 600) for s in p.get("steps") or [{}]),
    )
    return dict(
        wall_timeout_s=command_s,
        cpu_seconds=int(longest) + 5,  # RLIMIT_CPU per exec: the longest limit
        memory_mb=int(p.get("memory_mb") or DEFAULT_MEMORY_MB),
        disk_mb=int(p.get("storage_mb") or DEFAULT_DISK_MB),
        max_processes=IMAGE_MODE_PROCESSES if image_mode else 128,
        cpus=float(p["cpus"]) if p.get("cpus") else None,
    )


async def _image_for(task: Task, context: EnvContext, definition: dict[str, Any] | None = None) -> str:
    """The image a Harbor environment runs: built from its Dockerfile, or the prebuilt one (pulled
    when missing and a registry is reachable; base-image aliases applied)."""
    provider = context.provider("docker")
    aliases = image_aliases(context)
    p = task.payload
    kind = (definition or {}).get("kind", "task")
    build_timeout = float(p.get("build_timeout_sec") or 600)
    if kind == "dockerfile" or (
        kind == "task" and p.get("style") in ("dockerfile", "compose") and not p.get("docker_image")
    ):
        context_dir = (definition or {}).get("context") or p.get("environment_dir")
        if not context_dir or not Path(context_dir).is_dir():
            raise SandboxError(
                f"task {task.id!r}: its build context {context_dir} is not on this host (Docker-built "
                "environments are built from the task directory in place)"
            )
        return await asyncio.to_thread(
            provider.build_image,
            context_dir,
            from_aliases=aliases,
            timeout_s=build_timeout,
            labels={"envgym.task": task.id},
        )
    ref = (definition or {}).get("image") or p.get("docker_image")
    if not ref:
        raise SandboxError(f"task {task.id!r} names no image")
    from envgym.sandbox.docker_build import alias_for, image_exists

    api = provider._docker().api
    target = alias_for(ref, aliases, lambda r: image_exists(api, r)) or ref
    if not await asyncio.to_thread(image_exists, api, target):
        log.info("pulling %s for task %s", target, task.id)
        try:
            await asyncio.wait_for(asyncio.to_thread(api.pull, target), build_timeout)
        except Exception as exc:  # noqa: BLE001 — no registry, unknown image, timeout
            raise SandboxError(
                f"task {task.id!r}: the image {target!r} is not on this Docker engine and could not be pulled ({exc}). "
                "Offline: load it (docker load -i image.tar), tag a local image under that name, or map it with "
                f'--set \'{ALIASES_SETTING}={{"{ref}": "LOCAL_IMAGE"}}\''
            ) from None
    return target


async def open_agent_workspace(task: Task, context: EnvContext) -> Workspace:
    """Start the agent's environment for ``task`` and build its starting state."""
    started = time.monotonic()
    image_mode = uses_docker_image(task, context)
    step = (task.payload.get("steps") or [{}])[0]
    if image_mode:
        ws = await _open_image_workspace(
            task, context, step.get("agent_network"), task.payload.get("steps") or [], user=step.get("agent_user")
        )
        try:
            await _prepare_image_mode(ws, task)
        except BaseException:
            await ws.close()
            raise
    else:
        ws = await _open_files_workspace(
            task,
            context,
            any(
                network_on(s.get("agent_network"), internet_allowed(context)) for s in task.payload.get("steps") or [{}]
            ),
        )
    ws.started_s = time.monotonic() - started
    return ws


async def open_verifier_workspace(task: Task, context: EnvContext, step: dict[str, Any]) -> Workspace:
    """A fresh environment for a separate verifier (``verifier.environment_mode = "separate"``)."""
    definition = step["separate_verifier"]
    network = definition.get("network_mode") if step.get("verifier_network") is None else step.get("verifier_network")
    if uses_docker_image(task, context) or definition["kind"] != "task":
        ws = await _open_image_workspace(
            task, context, network, [], user=step.get("verifier_user"), definition=definition
        )
        if definition["kind"] == "task" and task.payload.get("style") == "image":
            await _upload_environment(ws, task)
        return ws
    return await _open_files_workspace(task, context, network_on(network, internet_allowed(context)))


async def _open_files_workspace(task: Task, context: EnvContext, networked: bool) -> Workspace:
    workdir = task.payload.get("workdir") or DEFAULT_WORKDIR
    spec = SandboxSpec(
        workdir=workdir,
        network="host" if networked else "none",
        env={**SANDBOX_ENV, **task.private.get("environment_env", {})},
        **_limits(task, False),
    )
    box = await context.create_sandbox(spec)
    ws = Workspace(box=box, workdir=workdir, image_mode=False)
    try:
        await _build_files_state(ws, task)
    except BaseException:
        await ws.close()
        raise
    return ws


async def _open_image_workspace(
    task: Task,
    context: EnvContext,
    first_network: str | None,
    steps: list[dict[str, Any]],
    *,
    user: Any,
    definition: dict[str, Any] | None = None,
) -> Workspace:
    provider = context.provider("docker")
    image = await _image_for(task, context, definition)
    config = await asyncio.to_thread(provider.image_config, image)
    own_image = (definition or {}).get("kind", "task") != "task"  # a verifier image: its own WORKDIR, not the task's
    workdir = (
        (definition or {}).get("workdir")
        or (None if own_image else task.payload.get("workdir"))
        or config.get("WorkingDir")
        or "/"
    )
    allowed = internet_allowed(context)
    # A container that needs the network in any phase starts on the bridge and is cut off for the others.
    phases = [first_network] + [n for s in steps for n in (s.get("agent_network"), s.get("verifier_network"))]
    needs_net = any(network_on(n, allowed) for n in phases)
    spec = SandboxSpec(
        image=image,
        image_defaults=True,
        keep_image_files=True,
        workdir=workdir,
        user=str(user) if user is not None else "image",
        network="host" if needs_net else "none",
        env={**SANDBOX_ENV, **task.private.get("environment_env", {})},
        **_limits(task, True),
    )
    compose = None
    if task.payload.get("style") == "compose" and (definition or {}).get("kind", "task") == "task":
        from envgym.sandbox.docker_sandbox import LABEL, MAIN_PROCESS, OWNER_LABEL

        compose = ComposeProject(
            environment_dir=Path(task.payload["environment_dir"]),
            main_image=image,
            labels={LABEL: "1", OWNER_LABEL: provider.owner},
            network=needs_net,
            memory_mb=spec.memory_mb,
            cpus=spec.cpus or provider.cpus,
            max_processes=spec.max_processes,
            env=task.private.get("environment_env", {}),
            entrypoint=provider.server_argv(spec, MAIN_PROCESS),
            volumes={await asyncio.to_thread(provider.runtime_volume): RUNTIME_MOUNT},
        )
        await asyncio.to_thread(compose.up, float(task.payload.get("build_timeout_sec") or 600))
        try:
            container = await asyncio.to_thread(compose.container, provider._docker())
            box = await asyncio.to_thread(provider.attach, container, spec)
        except BaseException:
            await asyncio.to_thread(compose.down)
            raise
    else:
        box = await context.create_sandbox(spec)
    ws = Workspace(box=box, workdir=workdir, image_mode=True, compose=compose, provider=provider)
    try:
        if needs_net and not network_on(first_network, allowed):
            await ws.use_network(False)
    except BaseException:
        await ws.close()
        raise
    return ws


async def _prepare_image_mode(ws: Workspace, task: Task) -> None:
    """What Harbor's environment has when the agent starts: /logs/agent and /logs/artifacts (the
    agent's own places), and for a prebuilt image the task's environment/ in the working directory."""
    user = ws.box.user  # type: ignore[attr-defined]
    ws.use_user("root")
    try:
        made = await ws.box.exec(
            f"mkdir -p /logs/agent /logs/artifacts {shlex.quote(ws.workdir)} && chmod 0777 /logs/agent /logs/artifacts",
            timeout=60,
            cwd="/",
        )
        if not made.ok:
            raise EnvironmentFailed(
                f"preparing the container of task {task.id!r} failed: {(made.stdout + made.stderr)[-500:]}"
            )
        if task.payload.get("style") == "image":
            await _upload_environment(ws, task)
    finally:
        ws.box.set_user(user)  # type: ignore[attr-defined]
    await run_healthcheck(ws, task.payload.get("healthcheck"), task.id)


async def _upload_environment(ws: Workspace, task: Task) -> None:
    b64 = task.private.get("environment_b64")
    if b64:
        await upload_tar(ws, base64.b64decode(b64), ws.workdir, what="environment/")


async def upload_tar(ws: Workspace, data: bytes, target: str, *, what: str) -> None:
    """Unpack a gzipped tar into ``target`` (a file copy over stdin, never a command line)."""
    q = shlex.quote(target)
    result = await ws.box.exec(f"mkdir -p {q} && tar -xzf - -C {q} --no-same-owner", stdin=data, timeout=300, cwd="/")
    if not result.ok:
        raise EnvironmentFailed(
            f"copying {what} into {target} failed: {(result.stdout + result.stderr).strip()[-800:]}"
        )


async def _build_files_state(ws: Workspace, task: Task) -> None:
    """Copy environment/files into the working directory and run environment/setup.sh there."""
    b64 = task.private.get("environment_b64")
    if not b64:
        return
    # cwd= lets the provider map the working directory; the script never names it itself.
    script = (
        "__e=$(mktemp -d) && "
        'tar -xzf - -C "$__e" && { [ ! -d "$__e/files" ] || cp -a "$__e/files/." . ; } && '
        '{ [ ! -f "$__e/setup.sh" ] || ENV_DIR="$__e" bash "$__e/setup.sh"; }; __rc=$?; '
        'rm -rf "$__e"; exit $__rc'
    )
    timeout = float(task.payload.get("build_timeout_sec") or 600)
    result = await ws.box.exec(script, stdin=base64.b64decode(b64), timeout=timeout, cwd=ws.workdir)
    if not result.ok:
        why = "timed out" if result.timed_out else f"exited with {result.exit_code}"
        raise EnvironmentFailed(
            f"setting up task {task.id!r} failed: environment/setup.sh {why}: "
            f"{(result.stdout + result.stderr).strip()[-1500:]}",
            details={"task_id": task.id},
        )


# --------------------------------------------------------------------------- steps, health, artifacts


async def prepare_step(ws: Workspace, task: Task, index: int) -> None:
    """Before step ``index`` (Harbor's multi-step tasks): steps/<name>/workdir/ copied into the
    working directory and its setup.sh run there, then the step's healthcheck."""
    private = (task.private.get("steps") or [{}])[index]
    step = (task.payload.get("steps") or [{"name": "task"}])[index]
    if private.get("workdir_b64"):
        await upload_tar(ws, base64.b64decode(private["workdir_b64"]), ws.workdir, what=f"steps/{step['name']}/workdir")
        result = await ws.box.exec(
            "[ ! -f setup.sh ] || bash setup.sh",
            timeout=float(task.payload.get("build_timeout_sec") or 600),
            cwd=ws.workdir,
        )
        if not result.ok:
            raise EnvironmentFailed(
                f"step {step['name']!r} of task {task.id!r}: setup.sh exited with {result.exit_code}: "
                f"{(result.stdout + result.stderr).strip()[-1000:]}"
            )
    await run_healthcheck(ws, step.get("healthcheck"), task.id)


async def run_healthcheck(ws: Workspace, check: dict[str, Any] | None, task_id: str) -> None:
    """Docker's HEALTHCHECK rules: during ``start_period_sec`` failures do not count (tried every
    ``start_interval_sec``); then ``retries`` consecutive failures, ``interval_sec`` apart, fail it."""
    if not check:
        return
    started = time.monotonic()
    failures, last = 0, ""
    while True:
        result = await ws.box.exec(check["command"], timeout=float(check.get("timeout_sec", 30)), cwd=ws.workdir)
        if result.ok:
            return
        last = (result.stdout + result.stderr).strip()[-500:]
        in_start = time.monotonic() - started < float(check.get("start_period_sec", 0))
        if not in_start:
            failures += 1
            if failures >= int(check.get("retries", 3)):
                raise EnvironmentFailed(
                    f"task {task_id!r}: the healthcheck `{check['command']}` failed {failures} times "
                    f"in a row (exit {result.exit_code}): {last}"
                )
        await asyncio.sleep(float(check.get("start_interval_sec" if in_start else "interval_sec", 5)))


async def run_collect_hooks(ws: Workspace, hooks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Harbor's ``[[verifier.collect]]``: commands run in compose services after the agent, before
    artifacts are collected (to snapshot state into files)."""
    done = []
    for hook in hooks:
        service = hook.get("service") or "main"
        if service == "main":
            user = getattr(ws.box, "user", None)
            if hook.get("user") is not None:
                ws.use_user(hook["user"])
            try:
                result = await ws.box.exec(hook["command"], timeout=float(hook.get("timeout_sec", 60)), cwd=ws.workdir)
            finally:
                if user is not None:
                    ws.box.set_user(user)  # type: ignore[attr-defined]
            code, output = result.exit_code, result.stdout + result.stderr
        elif ws.compose is not None:
            code, output = await asyncio.to_thread(
                ws.compose.exec,
                ws.provider._docker(),
                service,
                hook["command"],
                float(hook.get("timeout_sec", 60)),
                hook.get("user"),
            )
        else:
            code, output = 127, f"no compose service {service!r} in this environment"
        done.append({"command": hook["command"], "service": service, "exit_code": code, "output": output[-2000:]})
    return done


def _artifact_path(source: str, workdir: str) -> str:
    return source if source.startswith("/") else str(PurePosixPath(workdir) / source)


async def collect_artifacts(ws: Workspace, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The task's artifacts (and Harbor's /logs/artifacts) from the agent's environment, as one
    gzipped tar (each under its absolute source path, without the leading slash) with a manifest. Read as root in image mode; a missing source is noted, not an error."""
    entries = (
        [{"source": "/logs/artifacts", "destination": None, "exclude": [], "service": None}] if ws.image_mode else []
    ) + [e for e in entries if e.get("source") != "/logs/artifacts"]
    manifest: list[dict[str, Any]] = []
    out = io.BytesIO()
    user = getattr(ws.box, "user", None)
    if ws.image_mode:
        ws.use_user("root")
    try:
        with tarfile.open(fileobj=out, mode="w:gz") as bundle:
            for entry in entries:
                service = entry.get("service") or "main"
                path = _artifact_path(entry["source"], ws.workdir)
                # Laid out by source path, which is where a separate verifier finds them again;
                # ``destination`` (Harbor's place on its host) is kept in the manifest.
                dest = path.strip("/") or "root"
                excludes = " ".join(f"--exclude={shlex.quote(x)}" for x in entry.get("exclude") or [])
                cmd = (
                    f"[ -e {shlex.quote(path)} ] || exit 3; cd {shlex.quote(str(PurePosixPath(path).parent))} && "
                    f"tar -czf - {excludes} -- {shlex.quote(PurePosixPath(path).name)} | base64 -w0"
                )
                if service == "main":
                    result = await ws.box.exec(cmd, timeout=120, cwd="/")
                    code, text, truncated = result.exit_code, result.stdout, result.truncated
                elif ws.compose is not None:
                    code, text = await asyncio.to_thread(
                        ws.compose.exec, ws.provider._docker(), service, cmd, 120.0, "0"
                    )
                    truncated = False
                else:
                    code, text, truncated = 127, "", False
                row = {
                    "source": entry["source"],
                    "service": service,
                    "path": dest,
                    "destination": entry.get("destination"),
                }
                if code == 3:
                    manifest.append({**row, "status": "missing"})
                    continue
                if code != 0 or truncated:
                    manifest.append({**row, "status": "failed" if not truncated else "too large"})
                    continue
                try:
                    data = base64.b64decode(text.strip())
                    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as part:
                        members = part.getmembers()
                        if not any(m.isfile() for m in members):
                            manifest.append({**row, "status": "empty"})
                            continue
                        for member in members:
                            if member.issym() or member.islnk() or member.isdev():
                                continue
                            rel = member.name.split("/", 1)[1] if "/" in member.name else ""
                            member.name = f"{dest}/{rel}".rstrip("/") if rel else dest
                            member.mode &= 0o777
                            bundle.addfile(member, part.extractfile(member) if member.isfile() else None)
                    manifest.append({**row, "status": "ok", "bytes": len(data)})
                except (ValueError, tarfile.TarError) as exc:
                    manifest.append({**row, "status": f"unreadable: {exc}"})
    finally:
        if ws.image_mode and user is not None:
            ws.box.set_user(user)  # type: ignore[attr-defined]
    data = out.getvalue()
    record: dict[str, Any] = {"manifest": manifest}
    if any(m["status"] == "ok" for m in manifest):
        if len(data) <= ARTIFACT_LIMIT:
            record["tar_gz_b64"] = base64.b64encode(data).decode()
        else:
            record["omitted"] = f"{len(data)} bytes gzipped, more than the {ARTIFACT_LIMIT} kept in the record"
    record["_tar"] = data
    return record


async def restore_artifacts(ws: Workspace, collected: dict[str, Any]) -> None:
    """Put collected artifacts at their paths in a separate verifier's environment (as Harbor does)."""
    data = collected.get("_tar")
    if not data:
        return
    user = getattr(ws.box, "user", None)
    ws.use_user("root")
    try:
        await upload_tar(ws, data, "/", what="the artifacts")
    finally:
        if ws.image_mode and user is not None:
            ws.box.set_user(user)  # type: ignore[attr-defined]
