"""Building Docker images from a directory with a Dockerfile: content-hash tags, cache, progress.

``build_image(context_dir)`` returns a tag ``envgym-task:<hash>`` where the hash covers every file
the build sees (after ``.dockerignore``, with modes), the Dockerfile as built, the build arguments
and the base-image aliases. An image with that tag already on the engine is used as is (the cache),
so an unchanged task is built once per host; a changed file gives a new tag. Concurrent calls for
the same tag wait for one build. Each build step is reported through ``progress`` (default: the
``envgym.build`` logger at INFO), and a failed build raises ``ImageBuildError`` naming the step
(``Step 3/7 : RUN make``), its output and, when a base image could not be found, what to do offline.

Offline hosts: ``FROM`` resolves to images already on the engine (``docker load``, ``docker tag``),
and ``from_aliases`` rewrites base images at build time without touching the task
(``{"python:3.13-slim": "envgym-base:bookworm"}``; ``"name:*"`` matches every tag of ``name``;
``"*"`` matches any base image that is not on the engine).

Example:
    >>> tag = build_image("environments/terminal/envgym_terminal/tasks_harbor/...")  # doctest: +SKIP
    >>> tag.startswith("envgym-task:")  # doctest: +SKIP
    True
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import tarfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from envgym.protocol.errors import SandboxError

TAG_PREFIX = "envgym-task"
LABEL = "envgym.image"
HASH_LABEL = "envgym.kernel.context-hash"
log = logging.getLogger("envgym.build")
_FROM_RE = re.compile(r"^(\s*FROM\s+)((?:--\S+\s+)*)(\S+)(.*)$", re.IGNORECASE)
_ARG_RE = re.compile(r"^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?\s*$", re.IGNORECASE)
_STEP_RE = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
_PULL_FAILURE = re.compile(
    r"pull access denied|manifest unknown|not found: manifest|no such host|dial tcp|"
    r"failed to resolve|repository does not exist|unauthorized|i/o timeout|connection refused",
    re.IGNORECASE,
)
_locks: dict[str, threading.Lock] = {}  # one per tag; dict.setdefault is atomic


class ImageBuildError(SandboxError):
    """A Dockerfile that did not build; ``details`` has ``step``, ``instruction`` and ``output``."""


@dataclass(frozen=True)
class BuildContext:
    """What a build sends to the engine: the files after ``.dockerignore`` and the Dockerfile as built."""

    root: Path
    files: tuple[str, ...]
    dockerfile: str  # path of the Dockerfile inside the context
    dockerfile_text: str  # after base-image aliases
    build_args: tuple[tuple[str, str], ...] = ()

    def digest(self) -> str:
        h = hashlib.sha256()
        for rel in self.files:
            path = self.root / rel
            if path.is_dir() and not path.is_symlink():
                continue  # docker's exclude_paths lists directories too; their files are hashed one by one
            if rel == self.dockerfile:
                data = self.dockerfile_text.encode()
            elif path.is_symlink():
                data = b"symlink:" + os.readlink(path).encode()
            else:
                data = path.read_bytes()
            mode = path.lstat().st_mode & 0o7777
            h.update(f"{len(rel)}:{rel}:{mode:o}:{len(data)}:".encode())
            h.update(data)
        h.update(json.dumps([self.dockerfile, list(self.build_args)]).encode())
        return h.hexdigest()[:24]

    def tar(self) -> bytes:
        """The context as an uncompressed tar, members sorted, times and owners zeroed."""
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as archive:
            for rel in self.files:
                path = self.root / rel
                info = archive.gettarinfo(str(path), arcname=rel)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mtime = 0
                if rel == self.dockerfile:
                    data = self.dockerfile_text.encode()
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
                elif info.isfile():
                    with open(path, "rb") as fh:
                        archive.addfile(info, fh)
                else:
                    archive.addfile(info)
        return buf.getvalue()


def _dockerignore(root: Path) -> list[str]:
    path = root / ".dockerignore"
    if not path.is_file():
        return []
    return [
        line.strip()
        for line in path.read_text(errors="replace").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def base_images(dockerfile_text: str, build_args: Mapping[str, str] | None = None) -> list[str]:
    """The external images a Dockerfile's ``FROM`` lines name (stage names and ``scratch`` left out).

    >>> base_images("ARG V=3.11\\nFROM python:${V} AS b\\nFROM b\\nFROM scratch\\n")
    ['python:3.11']
    """
    args = dict(build_args or {})
    stages: set[str] = set()
    out: list[str] = []
    for line in dockerfile_text.splitlines():
        if (m := _ARG_RE.match(line)) and m.group(1) not in args and m.group(2) is not None:
            args[m.group(1)] = m.group(2).strip("\"'")
        m = _FROM_RE.match(line)
        if not m:
            continue
        ref = re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda v: args.get(v.group(1), v.group(0)), m.group(3))
        alias = re.match(r"\s+AS\s+(\S+)", m.group(4), re.IGNORECASE)
        if ref.lower() != "scratch" and ref not in stages and ref not in out:
            out.append(ref)
        if alias:
            stages.add(alias.group(1))
    return out


def alias_for(ref: str, aliases: Mapping[str, str], present: Callable[[str], bool]) -> str | None:
    if ref in aliases:
        return aliases[ref]
    repo = ref.rsplit(":", 1)[0] if ":" in ref.rsplit("/", 1)[-1] else ref
    if f"{repo}:*" in aliases:
        return aliases[f"{repo}:*"]
    if "*" in aliases and not present(ref):
        return aliases["*"]
    return None


def apply_aliases(
    dockerfile_text: str,
    aliases: Mapping[str, str],
    present: Callable[[str], bool] = lambda _r: False,
    build_args: Mapping[str, str] | None = None,
) -> str:
    """The Dockerfile with aliased base images substituted in its ``FROM`` lines.

    >>> apply_aliases("FROM python:3.13-slim AS b\\nRUN x\\n", {"python:*": "envgym-base:bookworm"})
    'FROM envgym-base:bookworm AS b\\nRUN x\\n'
    """
    if not aliases:
        return dockerfile_text
    known = set(base_images(dockerfile_text, build_args))
    lines = []
    for line in dockerfile_text.splitlines(keepends=True):
        m = _FROM_RE.match(line.rstrip("\n"))
        if m and m.group(3) in known and (target := alias_for(m.group(3), aliases, present)):
            line = f"{m.group(1)}{m.group(2)}{target}{m.group(4)}" + ("\n" if line.endswith("\n") else "")
        lines.append(line)
    return "".join(lines)


def prepare_context(
    context_dir: str | Path,
    *,
    dockerfile: str = "Dockerfile",
    build_args: Mapping[str, str] | None = None,
    from_aliases: Mapping[str, str] | None = None,
    present: Callable[[str], bool] = lambda _r: False,
) -> BuildContext:
    """Read a build context the way ``docker build`` would (``.dockerignore`` applied)."""
    from docker.utils.build import exclude_paths

    root = Path(context_dir).resolve()
    df_path = root / dockerfile
    if not df_path.is_file():
        raise ImageBuildError(f"{root}: no {dockerfile} to build from", details={"context": str(root)})
    text = df_path.read_text(encoding="utf-8", errors="replace")
    text = apply_aliases(text, from_aliases or {}, present, build_args)
    files = sorted(exclude_paths(str(root), _dockerignore(root), dockerfile=dockerfile) | {dockerfile})
    files = [f for f in files if (root / f).exists() or (root / f).is_symlink()]
    return BuildContext(
        root=root,
        files=tuple(files),
        dockerfile=dockerfile,
        dockerfile_text=text,
        build_args=tuple(sorted((build_args or {}).items())),
    )


def _api(base_url: str | None) -> Any:
    try:
        import docker
    except ImportError as exc:
        raise SandboxError("building images needs the Docker SDK: pip install 'envgym[docker]'") from exc
    return docker.APIClient(base_url=base_url) if base_url else docker.from_env().api


def image_exists(api: Any, ref: str) -> bool:
    try:
        api.inspect_image(ref)
        return True
    except Exception:  # noqa: BLE001 — any failure means "not here"
        return False


def build_image(
    context_dir: str | Path,
    *,
    dockerfile: str = "Dockerfile",
    tag_prefix: str = TAG_PREFIX,
    build_args: Mapping[str, str] | None = None,
    from_aliases: Mapping[str, str] | None = None,
    network_mode: str | None = None,
    timeout_s: float | None = None,
    progress: Callable[[str], None] | None = None,
    base_url: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> str:
    """Build (once per content hash) the image of ``context_dir`` and return its tag. Blocking:
    call it from a worker thread. Raises ``ImageBuildError`` with the failing step."""
    api = _api(base_url)
    try:
        ctx = prepare_context(
            context_dir,
            dockerfile=dockerfile,
            build_args=build_args,
            from_aliases=from_aliases,
            present=lambda ref: image_exists(api, ref),
        )
        tag = f"{tag_prefix}:{ctx.digest()}"
        say = progress or (lambda line: log.info("%s", line))
        with _locks.setdefault(tag, threading.Lock()):
            if image_exists(api, tag):
                return tag
            say(f"building {tag} from {ctx.root} ({len(ctx.files)} files)")
            _run_build(
                api,
                ctx,
                tag,
                network_mode,
                {LABEL: "1", HASH_LABEL: tag.split(":", 1)[1], **(labels or {})},
                timeout_s,
                say,
            )
        return tag
    finally:
        api.close()


def _run_build(
    api: Any,
    ctx: BuildContext,
    tag: str,
    network_mode: str | None,
    labels: dict[str, str],
    timeout_s: float | None,
    say: Callable[[str], None],
) -> None:
    started = time.monotonic()
    step, instruction = "", ""
    output: list[str] = []
    timed_out = threading.Event()
    watchdog = None
    if timeout_s:

        def expire() -> None:
            timed_out.set()
            api.close()  # the engine cancels a build whose client went away

        watchdog = threading.Timer(timeout_s, expire)
        watchdog.daemon = True
        watchdog.start()
    try:
        for chunk in api.build(
            fileobj=io.BytesIO(ctx.tar()),
            custom_context=True,
            tag=tag,
            rm=True,
            forcerm=True,
            pull=False,
            decode=True,
            dockerfile=ctx.dockerfile,
            buildargs=dict(ctx.build_args) or None,
            network_mode=network_mode,
            labels=labels,
        ):
            text = str(chunk.get("stream", ""))
            for line in text.splitlines():
                if m := _STEP_RE.match(line.strip()):
                    step, instruction, output = f"Step {m.group(1)}/{m.group(2)}", m.group(3), []
                    say(f"{tag}: {line.strip()}")
                elif line.strip():
                    output = (output + [line])[-40:]
            if "error" in chunk:
                message = str((chunk.get("errorDetail") or {}).get("message") or chunk["error"]).strip()
                raise _failure(ctx, step, instruction, output, message)
    except ImageBuildError:
        raise
    except Exception as exc:  # noqa: BLE001 — connection cut (timeout) or engine failure
        if timed_out.is_set():
            raise ImageBuildError(
                f"building {ctx.root} did not finish within the build timeout of {timeout_s:g} s "
                f"(at {step or 'the start'}: {instruction})",
                details=_details(ctx, step, instruction, output),
            ) from exc
        raise _failure(ctx, step, instruction, output, f"{type(exc).__name__}: {exc}") from exc
    finally:
        if watchdog is not None:
            watchdog.cancel()
    if not image_exists(api, tag):
        raise _failure(ctx, step, instruction, output, "the engine reported no error but produced no image")
    say(f"built {tag} in {time.monotonic() - started:.1f} s")


def _details(ctx: BuildContext, step: str, instruction: str, output: list[str]) -> dict[str, str]:
    """What an ``ImageBuildError`` carries: the build context, the step it stopped at, and that step's output."""
    return {"context": str(ctx.root), "step": step, "instruction": instruction, "output": "\n".join(output)}


def _failure(ctx: BuildContext, step: str, instruction: str, output: list[str], message: str) -> ImageBuildError:
    where = f" at {step} `{instruction}`" if step else ""
    hint = ""
    if instruction.upper().startswith("FROM") or _PULL_FAILURE.search(message):
        bases = ", ".join(base_images(ctx.dockerfile_text, dict(ctx.build_args))) or "?"
        hint = (
            f"\nThe base image ({bases}) is not on this Docker engine and could not be pulled. Offline: load it "
            "(docker load -i image.tar), tag a local image under that name (docker tag envgym-base:bookworm NAME), "
            "or map base images with the setting docker.from_aliases, e.g. "
            '--set \'docker.from_aliases={"*": "envgym-base:bookworm"}\' (see docs/terminal.md).'
        )
    tail = "\n".join(output[-15:])
    return ImageBuildError(
        f"building the image of {ctx.root} failed{where}: {message}" + (f"\n{tail}" if tail else "") + hint,
        details={**_details(ctx, step, instruction, output), "error": message},
    )
