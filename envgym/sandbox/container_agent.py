"""The command server that runs inside every envgym Docker container (stdlib only, Python >= 3.7).

It is started once per container (as root, via one ``docker exec``) and then serves every command of
the episode over its stdin/stdout as newline-delimited JSON, so a step does not pay for a new
``docker exec``. Commands run as the unprivileged sandbox user (uid 1000) in their own session
with rlimits. When a command ends or times out its process group is killed at once, and as soon as
no command is running every process of that user is killed, so nothing an agent starts (daemons
included) outlives its command. Requests are served concurrently (one thread each). Because the server is root and the agent's
processes are not, the agent cannot kill or ptrace the server.

Requests:  {"id": n, "op": "exec"|"write"|"read"|"kill_all"|"wipe"|"ping", ...}
Responses: {"id": n, "ok": true, ...} or {"id": n, "ok": false, "error": "..."}
"""

import base64
import json
import os
import resource
import select
import signal
import subprocess
import sys
import threading
import time

SANDBOX_UID = 1000
ROOTS = ("/workspace", "/tmp")
WIPE_ROOTS = ROOTS + ("/dev/shm",)  # the container's own shm: writable by the sandbox user too


def kill_user_processes(uid=SANDBOX_UID):
    """SIGKILL every process owned by ``uid``; repeat until none is left (forks racing the sweep)."""
    me = os.getpid()
    for _ in range(50):
        found = False
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) in (me, 1):
                continue
            try:
                if os.stat("/proc/" + name).st_uid == uid:
                    found = True
                    os.kill(int(name), signal.SIGKILL)
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                pass
        if not found:
            return
        time.sleep(0.005)


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def safe_path(path, workdir):
    full = os.path.realpath(os.path.join(workdir, path))
    for root in ROOTS:
        if full == root or full.startswith(root + "/"):
            return full
    raise ValueError("path %r is outside %s" % (path, " and ".join(ROOTS)))


def demote(limits):
    def apply():
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
        os.setgroups([])
        os.setgid(SANDBOX_UID)
        os.setuid(SANDBOX_UID)
    return apply


class _Active:
    """How many commands are running. Leftovers of a finished command (daemons in their own
    session) are swept once no command is running, so one command's end never kills another's."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    def enter(self):
        with self.lock:
            self.count += 1

    def leave_and_sweep(self):
        with self.lock:
            self.count -= 1
            if self.count == 0:
                kill_user_processes()
        reap()


ACTIVE = _Active()


def _read_into(fd, buf, cap):
    """Read what is there; returns (eof, truncated_now)."""
    chunk = os.read(fd, 65536)
    if not chunk:
        return True, False
    room = cap - len(buf)
    if room > 0:
        buf += chunk[:room]
    return False, len(chunk) > max(room, 0)


def run(req):
    cap = int(req.get("output_bytes", 1000000))
    timeout = float(req.get("timeout", 60))
    env = req.get("env") or {}
    started = time.monotonic()
    stdin_data = base64.b64decode(req["stdin"]) if req.get("stdin") is not None else None
    ACTIVE.enter()
    try:
        try:
            proc = subprocess.Popen(
                req["argv"], cwd=req.get("cwd") or "/workspace", env=env,
                stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=demote(req.get("limits", {})),
            )
        except (FileNotFoundError, NotADirectoryError, PermissionError) as exc:
            # The shell's conventions: 127 for a command that does not exist, 126 for one that cannot run.
            code = 126 if isinstance(exc, PermissionError) else 127
            return {"exit_code": code, "stdout": "", "stderr": base64.b64encode(("%s\n" % exc).encode()).decode(),
                    "timed_out": False, "truncated": False, "signal": None, "duration_s": time.monotonic() - started}
        if stdin_data is not None:
            threading.Thread(target=_feed, args=(proc.stdin, stdin_data), daemon=True).start()
        out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
        bufs = {out_fd: bytearray(), err_fd: bytearray()}
        open_fds = set(bufs)
        truncated = timed_out = False
        deadline = started + timeout
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
            for fd in ready:
                eof, cut = _read_into(fd, bufs[fd], cap)
                truncated = truncated or cut
                if eof:
                    open_fds.discard(fd)
            if proc.poll() is not None and not ready:
                break
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the command's own process group, at once
        except (ProcessLookupError, PermissionError):
            pass
        code = proc.wait()
        # Take what is already in the pipes without waiting for writers that may still live.
        while open_fds:
            ready = select.select(list(open_fds), [], [], 0.01)[0]
            if not ready:
                break
            for fd in ready:
                eof, cut = _read_into(fd, bufs[fd], cap)
                truncated = truncated or cut
                if eof:
                    open_fds.discard(fd)
        proc.stdout.close()
        proc.stderr.close()
        return {
            "exit_code": 124 if timed_out else code,
            "stdout": base64.b64encode(bytes(bufs[out_fd])).decode(),
            "stderr": base64.b64encode(bytes(bufs[err_fd])).decode(),
            "timed_out": timed_out, "truncated": truncated, "signal": -code if code < 0 else None,
            "duration_s": time.monotonic() - started,
        }
    finally:
        ACTIVE.leave_and_sweep()


def _feed(pipe, data):
    try:
        pipe.write(data)
    except (BrokenPipeError, OSError):
        pass
    finally:
        try:
            pipe.close()
        except OSError:
            pass


def handle(req):
    op = req.get("op")
    if op == "ping":
        return {}
    if op == "exec":
        return run(req)
    if op == "write":
        path = safe_path(req["path"], "/workspace")
        parent = os.path.dirname(path)
        os.makedirs(parent, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, int(req.get("mode", 0o644)))
        with os.fdopen(fd, "wb") as fh:
            fh.write(base64.b64decode(req["data"]))
        os.chmod(path, int(req.get("mode", 0o644)))
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
    if op == "wipe":
        kill_user_processes()
        reap()
        for root in WIPE_ROOTS:
            for name in os.listdir(root):
                subprocess.call(["rm", "-rf", "--one-file-system", os.path.join(root, name)])
        # System V IPC objects outlive their processes in the container's IPC namespace.
        # Run as their owner: the agent holds no CAP_IPC_OWNER.
        ipc_left = subprocess.call(["ipcrm", "--all"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   user=SANDBOX_UID, group=SANDBOX_UID, extra_groups=[])
        left = [n for root in WIPE_ROOTS for n in os.listdir(root)] + (["sysv-ipc"] if ipc_left else [])
        return {"clean": not left, "left": left[:20]}
    raise ValueError("unknown op %r" % op)


def main():
    out = sys.stdout.buffer
    write_lock = threading.Lock()

    def serve(line):
        req = {}
        try:
            req = json.loads(line)
            resp = handle(req)
            resp.update(id=req.get("id"), ok=True)
        except Exception as exc:  # the server must survive any single bad request
            resp = {"id": req.get("id"), "ok": False, "error": "%s: %s" % (type(exc).__name__, exc)}
        with write_lock:
            out.write(json.dumps(resp).encode() + b"\n")
            out.flush()

    # Each request in its own thread: kill_all must reach a sandbox while a command runs in it,
    # and several commands may run in one sandbox at once.
    for line in sys.stdin.buffer:
        if line.strip():
            threading.Thread(target=serve, args=(line,), daemon=True).start()


if __name__ == "__main__":
    main()
