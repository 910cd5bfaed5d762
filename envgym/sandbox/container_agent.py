"""The command server that runs inside every envgym Docker container (stdlib only, Python >= 3.7).

It is started once per container (as root, via one ``docker exec``) and then serves every command of
the episode over its stdin/stdout as newline-delimited JSON, so a step does not pay for a new
``docker exec``. Commands run as the unprivileged sandbox user (uid 1000) in their own session
with rlimits. When a command ends or times out its process group is killed at once, and as soon as
no command is running every process of that user is killed, so nothing an agent starts (daemons
included) outlives its command. Requests are served concurrently (one thread each). Because the server is root and the agent's
processes are not, the agent cannot kill or ptrace the server. In image mode commands may run as root
and can: the host then replaces a server a command killed or stopped (docker_server_loss.py).

Requests:  {"id": n, "op": "exec"|"write"|"read"|"kill_all"|"ping", ...}
Responses: {"id": n, "ok": true, ...} or {"id": n, "ok": false, "error": "..."}; before an image-mode exec's
response, its output as it is read: {"id": n, "partial": 1 (stdout) or 2 (stderr), "data": base64}
"""

import base64
import contextlib
import errno
import io
import json
import os
import resource
import select
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import threading
import time

TYPE_CHECKING = False  # typing is not imported at run time (start-up cost, Python 3.7); mypy takes this as True
if TYPE_CHECKING:
    from typing import IO, Any, Callable

# Who commands run as: uid 1000 (envgym's sandbox user), or 0 when the provider starts the server
# with argument "0" (images whose tools must run as root). kill_all sweeps that uid.
SANDBOX_UID = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
# "all" (image mode: the image's files on a writable root, commands as any user, root included):
# sweeps kill every process but the container's PID 1 (SPARED) and this server, whatever its user,
# since a command running as root can start processes as anyone. Files may be written anywhere.
SWEEP_ALL = len(sys.argv) > 2 and sys.argv[2] == "all"
START_ENV = dict(os.environ)  # the container's environment (the image's ENV): commands inherit it in image mode
ROOTS = ("/workspace", "/tmp")
TRUSTED = "/.envgym"  # root-owned 0711 tmpfs: the verifier's place (envgym/sandbox/trusted.py explains)
# Names of the directories under TRUSTED this server made and has not removed (a type comment: Python 3.7).
INSTALLED = set()  # type: set[str]


# The container's PID 1 is its main process (docker_sandbox.MAIN_PROCESS, which only reaps orphans;
# no Docker init, so it has no child of its own): a root sweep spares it. Its children are orphans of
# commands, re-parented to it, and are swept like any other process (also by a command server
# started again after a command killed the first one).
SPARED = {1}


def kill_user_processes(uid: int = SANDBOX_UID) -> None:
    """SIGKILL every process owned by ``uid``; repeat until none is left (forks racing the sweep)."""
    me = os.getpid()
    for _ in range(50):
        found = False
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) == me or int(name) in SPARED:
                continue
            with contextlib.suppress(FileNotFoundError, ProcessLookupError, PermissionError):
                if SWEEP_ALL or os.stat("/proc/" + name).st_uid == uid:
                    found = True
                    os.kill(int(name), signal.SIGKILL)
        if not found:
            return
        time.sleep(0.005)


def reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def safe_path(path: str, workdir: str) -> str:
    full = os.path.realpath(os.path.join(workdir, path))
    if SWEEP_ALL:
        return full
    for root in ROOTS:
        if full == root or full.startswith(root + "/"):
            return full
    raise ValueError("path %r is outside %s" % (path, " and ".join(ROOTS)))


def resolve_user(spec: object) -> "tuple[int, int, list[int], str | None, str | None]":
    """(uid, gid, supplementary gids, home, name) of "sandbox", "root", a name, a uid or "user:group"."""
    import grp
    import pwd

    spec = str(spec if spec not in (None, "") else "sandbox")
    if spec == "sandbox":
        return SANDBOX_UID, SANDBOX_UID, [], None, None
    name, _, group = spec.partition(":")
    try:
        entry = pwd.getpwuid(int(name)) if name.isdigit() else pwd.getpwnam(name)
        uid, gid, home, login = entry.pw_uid, entry.pw_gid, entry.pw_dir, entry.pw_name
    except KeyError:
        if not name.isdigit():
            raise ValueError("no user %r in this image" % name)
        uid, gid, home, login = int(name), int(name), "/", None
    if group:
        gid = int(group) if group.isdigit() else grp.getgrnam(group).gr_gid
    groups = os.getgrouplist(login, gid) if login else []
    return uid, gid, groups, home, login


def demote(
    limits: "dict[str, Any]", who: "tuple[int, int, list[int], str | None, str | None] | None" = None
) -> "Callable[[], None]":
    uid, gid, groups = (who or (SANDBOX_UID, SANDBOX_UID, []))[:3]

    def apply() -> None:
        os.setsid()
        cpu = int(limits.get("cpu_seconds", 60))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        fsize = int(limits.get("max_file_mb", 256)) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        # Address-space cap per process, so one huge allocation fails with ENOMEM (MemoryError)
        # instead of the whole container's cgroup OOM-killing; the cgroup still caps the total.
        mem = int(limits.get("memory_mb", 1024)) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        if uid != 0 or gid != 0:
            os.setgroups(groups)
            os.setgid(gid)
            os.setuid(uid)

    return apply


class _Active:
    """How many commands are running. Leftovers of a finished command (daemons in their own
    session) are swept once no command is running, so one command's end never kills another's."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def enter(self) -> None:
        with self.lock:
            self.count += 1

    def leave_and_sweep(self) -> None:
        with self.lock:
            self.count -= 1
            if self.count == 0:
                kill_user_processes()
        reap()


ACTIVE = _Active()


def run(req: "dict[str, Any]", emit: "Callable[[dict[str, Any]], None] | None" = None) -> "dict[str, Any]":
    """Run one command. ``emit`` (image mode) is sent each piece of output as it is read, so what a
    command printed before taking this server down (a root command can kill it) still reaches the host."""
    cap = int(req.get("output_bytes", 1000000))
    timeout = float(req.get("timeout", 60))
    env = req.get("env") or {}
    who = resolve_user(req.get("user"))
    if req.get("inherit_env"):
        # As `docker exec -u USER` would: the image's environment, the user's home, then the request's.
        home = {"HOME": who[3], "USER": who[4], "LOGNAME": who[4]} if who[4] else {}
        env = dict(START_ENV, **{k: v for k, v in home.items() if v}, **env)
    started = time.monotonic()
    stdin_data = base64.b64decode(req["stdin"]) if req.get("stdin") is not None else None
    ACTIVE.enter()
    try:
        try:
            proc = subprocess.Popen(
                req["argv"],
                cwd=req.get("cwd") or "/workspace",
                env=env,
                stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                preexec_fn=demote(req.get("limits", {}), who),
            )
        except (FileNotFoundError, NotADirectoryError, PermissionError) as exc:
            # The shell's conventions: 127 for a command that does not exist, 126 for one that cannot run.
            code = 126 if isinstance(exc, PermissionError) else 127
            return {
                "exit_code": code,
                "stdout": "",
                "stderr": base64.b64encode(("%s\n" % exc).encode()).decode(),
                "timed_out": False,
                "truncated": False,
                "signal": None,
                "duration_s": time.monotonic() - started,
            }
        if stdin_data is not None:
            threading.Thread(target=_feed, args=(proc.stdin, stdin_data), daemon=True).start()
        # stdout and stderr are PIPEs, never None (mypy types them Optional whatever Popen was given).
        out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()  # type: ignore[union-attr]
        bufs = {out_fd: bytearray(), err_fd: bytearray()}
        open_fds = set(bufs)
        truncated = timed_out = False
        deadline = started + timeout

        def take(ready: "list[int]") -> None:
            """Read what is there, keeping at most ``cap`` bytes a stream; a pipe at its end is dropped."""
            nonlocal truncated
            for fd in ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    open_fds.discard(fd)
                    continue
                room = cap - len(bufs[fd])
                truncated = truncated or len(chunk) > max(room, 0)
                if room > 0:
                    bufs[fd] += chunk[:room]
                    if emit is not None:
                        data = base64.b64encode(chunk[:room]).decode()
                        emit({"id": req.get("id"), "partial": 1 if fd == out_fd else 2, "data": data})

        # Read until the command exits (not until the pipes close: a daemon may hold them open).
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            if open_fds:
                ready = select.select(list(open_fds), [], [], min(remaining, 0.05))[0]
            else:
                ready = []
                time.sleep(min(remaining, 0.002))
            take(ready)
            if proc.poll() is not None and not ready:
                break
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # the command's own process group, at once
        code = proc.wait()
        # Take what is already in the pipes without waiting for writers that may still live.
        while open_fds:
            ready = select.select(list(open_fds), [], [], 0.01)[0]
            if not ready:
                break
            take(ready)
        proc.stdout.close()  # type: ignore[union-attr]  # a PIPE, as above
        proc.stderr.close()  # type: ignore[union-attr]
        return {
            "exit_code": 124 if timed_out else code,
            "stdout": base64.b64encode(bytes(bufs[out_fd])).decode(),
            "stderr": base64.b64encode(bytes(bufs[err_fd])).decode(),
            "timed_out": timed_out,
            "truncated": truncated,
            "signal": -code if code < 0 else None,
            "duration_s": time.monotonic() - started,
        }
    finally:
        ACTIVE.leave_and_sweep()


def _feed(pipe: "IO[bytes]", data: bytes) -> None:
    with contextlib.suppress(OSError):  # the command exited without reading it all
        pipe.write(data)
    with contextlib.suppress(OSError):
        pipe.close()


def trusted_install(req: "dict[str, Any]") -> "dict[str, Any]":
    """A fresh 0711 directory under TRUSTED holding the archive (members with uname "sandbox" go to
    the sandbox user), plus execute-only copies of ``exec_only`` sources. Nothing of the sandbox
    user can write here while it is filled, so no member can be redirected through a planted link."""
    name = req["name"]
    if not name or "/" in name or name.startswith(".") or len(name) < 16:
        raise ValueError("bad trusted directory name %r" % name)
    dest = os.path.join(TRUSTED, name)
    if name in INSTALLED:
        raise FileExistsError(errno.EEXIST, "trusted directory name in use", dest)
    INSTALLED.add(name)  # before the purge: a concurrent install's purge must spare it
    try:
        if SWEEP_ALL:
            _purge_trusted()
        os.mkdir(dest, 0o711)  # FileExistsError for a name in use
        with tarfile.open(fileobj=io.BytesIO(base64.b64decode(req["data"])), mode="r:gz") as tar:
            members = tar.getmembers()
            if any(m.name.startswith("/") or ".." in m.name.split("/") for m in members):
                raise ValueError("absolute or '..' member in the archive")
            for m in members:
                if m.isdir() or m.isfile():
                    tar.extract(m, dest, set_attrs=False)
                    target = os.path.join(dest, m.name)
                    os.chmod(target, m.mode & 0o7777)
                    if m.uname == "sandbox":  # the user commands run as (the check's)
                        os.chown(target, *resolve_user(req.get("user"))[:2])
            for m in members:
                if m.issym():
                    os.symlink(m.linkname, os.path.join(dest, m.name))
        for rel, source in (req.get("exec_only") or {}).items():
            if not os.path.exists(source):
                continue
            target = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(os.path.realpath(source), target)
            os.chmod(target, 0o111)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        INSTALLED.discard(name)
        raise
    return {"path": dest}


def _purge_trusted() -> None:
    """Remove from TRUSTED everything this server did not install.

    In image mode the agent's commands run as root, so they can write the trusted area, e.g. fill
    its tmpfs so the verifier's own install fails (ENOSPC). Only this server puts anything there and
    the verifier kills every process of the agent before it installs, so whatever else is there is
    the agent's and goes: its check then runs and is scored."""
    for entry in os.listdir(TRUSTED):
        if entry in INSTALLED:
            continue
        path = os.path.join(TRUSTED, entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)


def trusted_read(req: "dict[str, Any]") -> "dict[str, Any]":
    """A regular file under TRUSTED, no symlink followed on the way, no FIFO waited for."""
    parts = [p for p in req["path"][len(TRUSTED) :].split("/") if p]
    if not req["path"].startswith(TRUSTED + "/") or not parts or ".." in parts:
        raise ValueError("not a trusted path: %r" % req["path"])
    fd = os.open(TRUSTED, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        for part in parts[:-1]:
            nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = nxt
        leaf = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
    except FileNotFoundError:
        return {"missing": True}
    except OSError as exc:
        kind = "symlink" if exc.errno in (errno.ELOOP, errno.ENOTDIR) else exc.strerror
        return {"bad": "%s (%s)" % ("/".join(parts[1:]), kind)}
    finally:
        os.close(fd)
    with os.fdopen(leaf, "rb") as fh:
        if not stat.S_ISREG(os.fstat(leaf).st_mode):
            return {"bad": "%s (not a regular file)" % "/".join(parts[1:])}
        return {"data": base64.b64encode(fh.read(int(req["max_bytes"]))).decode()}


def handle(req: "dict[str, Any]", emit: "Callable[[dict[str, Any]], None] | None" = None) -> "dict[str, Any]":
    op = req.get("op")
    if op == "trusted_install":
        return trusted_install(req)
    if op == "trusted_read":
        return trusted_read(req)
    if op == "trusted_remove":
        if not req["path"].startswith(TRUSTED + "/") or "/" in req["path"][len(TRUSTED) + 1 :]:
            raise ValueError("not an installed trusted directory: %r" % req["path"])
        shutil.rmtree(req["path"], ignore_errors=True)
        INSTALLED.discard(os.path.basename(req["path"]))
        return {}
    if op == "ping":
        return {}
    if op == "exec":
        return run(req, emit if SWEEP_ALL else None)
    if op == "write":
        path = safe_path(req["path"], "/workspace")
        parent = os.path.dirname(path)
        os.makedirs(parent, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, int(req.get("mode", 0o644)))
        with os.fdopen(fd, "wb") as fh:
            fh.write(base64.b64decode(req["data"]))
        os.chmod(path, int(req.get("mode", 0o644)))
        if SWEEP_ALL:  # image mode: the file belongs to the user commands run as
            uid, gid = resolve_user(req.get("user"))[:2]
            os.lchown(path, uid, gid)
            return {}
        # Files the sandbox writes on the agent's behalf belong to the sandbox user, directories too.
        cur = path
        while cur not in ROOTS and cur != "/":
            os.lchown(cur, SANDBOX_UID, SANDBOX_UID)
            cur = os.path.dirname(cur)
        return {}
    if op == "read":
        path = safe_path(req["path"], "/workspace")
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as fh:
            max_bytes = req.get("max_bytes")
            data = fh.read(-1 if max_bytes is None else int(max_bytes))
        return {"data": base64.b64encode(data).decode()}
    if op == "kill_all":
        kill_user_processes()
        reap()
        return {}
    raise ValueError("unknown op %r" % op)


def main() -> None:
    out = sys.stdout.buffer
    write_lock = threading.Lock()

    def send(resp: "dict[str, Any]") -> None:
        with write_lock:
            out.write(json.dumps(resp).encode() + b"\n")
            out.flush()

    def serve(line: bytes) -> None:
        req: "dict[str, Any]" = {}
        try:
            req = json.loads(line)
            resp = handle(req, send)
            resp.update(id=req.get("id"), ok=True)
        except Exception as exc:  # the server must survive any single bad request
            resp = {"id": req.get("id"), "ok": False, "error": "%s: %s" % (type(exc).__name__, exc)}
        send(resp)

    # A command running as root (image mode) can signal this server: the signals that would end it
    # get a handler that does nothing (a handler, not SIG_IGN: commands get the defaults back at exec).
    for name in ("SIGINT", "SIGHUP", "SIGTERM", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGPIPE"):
        signal.signal(getattr(signal, name), lambda *_: None)

    # Each request in its own thread: kill_all must reach a sandbox while a command runs in it,
    # and several commands may run in one sandbox at once.
    for line in sys.stdin.buffer:
        if line.strip():
            threading.Thread(target=serve, args=(line,), daemon=True).start()


if __name__ == "__main__":
    main()
