"""PID 1 of a bwrap sandbox: runs commands for the host, one supervised exec at a time per supervisor.

This file runs INSIDE the sandbox under Debian's ``/usr/bin/python3 -I -S``, so it imports nothing from
envgym and only the standard library. It is loaded into the provider's *template* process
(``bwrap_template.py``, in the same namespace); each sandbox's PID 1 is a fork of that template which
has already set up the sandbox's namespaces, root and capabilities, and then serves here. The host
(``envgym.sandbox.bwrap``) talks to it over an inherited SOCK_SEQPACKET socket: one marshal-ed request
per packet, with the pipes the command should use attached as SCM_RIGHTS file descriptors; replies are
marshal-ed packets too.

Why a long-lived init instead of one process start per exec: the sandbox's disk is one size-limited
tmpfs that only exists in this mount namespace, an exec costs a fork here instead of a sandbox start,
"everything an exec started dies with it" is enforced by a per-exec subreaper (see ``supervise``), and
a Python program can run in a fork of this already-started interpreter (``_spawn_python``).
"""

import _signal as signal
import _socket
import ctypes
import errno
import gc
import marshal
import os
import resource
import select
import stat
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)

TYPE_CHECKING = False  # typing is not imported at run time (start-up cost); mypy takes this as True
if TYPE_CHECKING:
    from typing import Any, Callable

# Requests and replies are marshal-ed plain data (no json: it imports re, and the init's start-up time
# is paid by every sandbox). The builtin _signal/_socket stand in for signal/socket for the same reason.
FD_BYTES = 4


def recv_fds(sock: "_socket.socket", bufsize: int, maxfds: int) -> "tuple[bytes, list[int]]":
    """One packet and the descriptors attached to it (socket.recv_fds, without importing socket)."""
    data, ancdata, _flags, _addr = sock.recvmsg(bufsize, _socket.CMSG_LEN(maxfds * FD_BYTES))
    fds = []
    for level, kind, payload in ancdata:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            usable = len(payload) - len(payload) % FD_BYTES
            fds += [
                int.from_bytes(payload[i : i + FD_BYTES], sys.byteorder, signed=True)
                for i in range(0, usable, FD_BYTES)
            ]
    return data, fds


def send_fds(sock: "_socket.socket", data: bytes, fds: "list[int]") -> int:
    payload = b"".join(fd.to_bytes(FD_BYTES, sys.byteorder, signed=True) for fd in fds)
    return sock.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, payload)] if fds else [])


PR_SET_CHILD_SUBREAPER = 36
RLIMITS = {"cpu": 0, "fsize": 1, "core": 4, "nproc": 6, "nofile": 7, "as": 9}
# Signals a command could send its supervisor (same user) to end or stop it: a supervisor ignores
# them (only SIGKILL and SIGSTOP get through), and restores the defaults for the command it starts.
SHIELDED = tuple(
    getattr(signal, name)
    for name in (
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGTERM",
        "SIGUSR1",
        "SIGUSR2",
        "SIGALRM",
        "SIGVTALRM",
        "SIGPROF",
        "SIGIO",
        "SIGPWR",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
    )
    if hasattr(signal, name)
)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, "%s: %s" % (what, os.strerror(err)))


# ---------------------------------------------------------------------------------------------
# process tree helpers


def _process_table() -> "dict[int, int]":
    """pid -> ppid for every process in this PID namespace (it only holds the sandbox's)."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        rest = stat[stat.rfind(b")") + 2 :].split()
        table[int(entry)] = int(rest[1])
    return table


def _descendants(root: int, table: "dict[int, int]") -> "list[int]":
    children: "dict[int, list[int]]" = {}
    for pid, ppid in table.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            out.append(child)
            todo.append(child)
    return out


def _kill(pids: "list[int]") -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def kill_tree_and_reap(root: int, on_reaped: "Callable[[int, int], None]") -> None:
    """SIGKILL every descendant of ``root`` (the caller) until it has no child left.

    The caller is a child subreaper, so whatever its descendants orphan (double forks, setsid,
    nohup) is re-parented to it rather than escaping; SIGKILLed processes cannot fork any more,
    so the loop converges even against a fork bomb.
    """
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid:
            on_reaped(pid, status)
            continue
        victims = _descendants(root, _process_table())
        _kill(victims)
        time.sleep(0.0005 if victims else 0.002)


# ---------------------------------------------------------------------------------------------
# per-request workers (forked from PID 1, they reply on the control socket themselves)


def reply(ctl: "_socket.socket", msg: "dict[str, Any]") -> None:
    ctl.send(marshal.dumps(msg))


def close_fds_except(*keep: int) -> None:
    """Close every descriptor above 2 but ``keep`` (close_range(2) between them: no /proc listing)."""
    low = 3
    for fd in sorted(k for k in keep if k >= 3):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 20)


def _apply_rlimits(limits: "dict[str, Any]") -> None:
    for name, value in limits.items():
        value = int(value)
        resource.setrlimit(RLIMITS[name], (value, value + 1 if name == "cpu" else value))


def _which(name: str, path: str) -> str:
    """The command's executable, searched in the command's own PATH (as execvp would)."""
    if "/" in name:
        return name
    for directory in path.split(":"):
        candidate = os.path.join(directory or ".", name)
        if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
            return candidate
    raise FileNotFoundError(errno.ENOENT, "command not found", name)


def _spawn_command(req: "dict[str, Any]", fds: "dict[str, int]") -> int:
    """Start the command from the (disposable) supervisor: posix_spawn is a vfork, much cheaper than
    forking a Python process, so the cwd and rlimits it inherits are set on the supervisor itself
    (which is why a memory limit below ~32 MiB leaves no room to start a command). Returns its pid,
    or minus the exit code of a command that could not start."""
    try:
        os.chdir(req["cwd"])
    except OSError as exc:  # sandboxed code may have taken the permissions away from its own directory
        os.write(fds["stderr"], ("envgym sandbox: cannot enter %r: %s\n" % (req["cwd"], exc.strerror)).encode())
        return -126
    _apply_rlimits(req["rlimits"])
    try:
        # Make the command, not PID 1, the OOM killer's choice when the sandbox's cgroup is full.
        with open("/proc/self/oom_score_adj", "w") as fh:
            fh.write("500")
    except OSError:
        pass
    if "stdin" not in fds:
        fds["stdin"] = os.open("/dev/null", os.O_RDONLY)  # closed with the others by the caller
    if "py" in req:
        return _spawn_python(req, fds)
    actions = [
        (os.POSIX_SPAWN_DUP2, fds["stdin"], 0),
        (os.POSIX_SPAWN_DUP2, fds["stdout"], 1),
        (os.POSIX_SPAWN_DUP2, fds["stderr"], 2),
    ]
    try:
        return os.posix_spawn(
            _which(req["argv"][0], req["env"].get("PATH", "")),
            req["argv"],
            req["env"],
            file_actions=actions,
            setsid=True,
            setsigdef=SHIELDED + (signal.SIGPIPE, signal.SIGCHLD, signal.SIGXFSZ),
            setsigmask=(),
        )
    except OSError as exc:
        os.write(fds["stderr"], ("envgym sandbox: cannot run %r: %s\n" % (req["argv"][0], exc.strerror)).encode())
        return -(127 if exc.errno == errno.ENOENT else 126)


def _spawn_python(req: "dict[str, Any]", fds: "dict[str, int]") -> int:
    """Run ``python3 -I -S -c <source> <args>`` as a fork of this process instead of a new interpreter.

    This process IS ``/usr/bin/python3 -I -S`` (the template pre-imported common standard modules
    before forking the sandbox), so the program starts at the cost of a fork, not of an interpreter
    start plus its imports. The child gets what a new interpreter would: fds 0-2 only (the control
    socket and every other descriptor are closed), its own session, Python's default signal
    handlers, the request's environment, a fresh ``__main__`` and new standard streams. It holds
    nothing of value: this process never received anything but the host's requests for this sandbox.
    """
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        os.setsid()
        for target, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
            os.dup2(fds[name], target)
        os.closerange(3, 1 << 20)  # close_range(2): the control socket, the supervisor's link, all else
        code = _run_python(req)
    except BaseException as exc:  # noqa: BLE001 — our own failure, before or after the program
        os.write(2, ("envgym sandbox: cannot run the Python program: %r\n" % (exc,)).encode())
    finally:
        os._exit(code)


def _run_python(req: "dict[str, Any]") -> int:
    import atexit
    import builtins

    for number in SHIELDED:
        signal.signal(number, signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL)
    gc.enable()
    os.environ.clear()
    os.environ.update(req["env"])
    sys.argv = ["-c"] + list(req["py"]["args"])
    # typeshed declares sys.__std*__ Final; this fork becomes a new program, whose originals are these.
    sys.stdin = sys.__stdin__ = open(0, "r", closefd=False)  # type: ignore[misc]
    sys.stdout = sys.__stdout__ = open(1, "w", closefd=False)  # type: ignore[misc]
    sys.stderr = sys.__stderr__ = open(2, "w", buffering=1, errors="backslashreplace", closefd=False)  # type: ignore[misc]
    main = type(sys)("__main__")
    main.__builtins__ = builtins  # type: ignore[attr-defined]  # a module takes any attribute; typeshed lists none to set
    sys.modules["__main__"] = main
    try:
        exec(compile(req["py"]["source"], "<string>", "exec"), main.__dict__)
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except BaseException:  # noqa: BLE001 — as the interpreter does: print the traceback, exit 1
        sys.excepthook(*sys.exc_info())
        code = 1
    threading = sys.modules.get("threading")
    if threading is not None:
        threading._shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or 120  # the interpreter's code for a failed flush at exit
    return code


def _exit_code(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    try:
        sys.stderr.write("%s\n" % (value,))
    except (OSError, ValueError):
        pass
    return 1


def run_exec(req: "dict[str, Any]", fds: "dict[str, int]") -> "dict[str, Any]":
    """Run one command, enforce its wall time, kill everything it left behind; return the reply."""
    started = time.monotonic()
    try:
        if not os.path.isdir(req["cwd"]):
            return {"id": req["id"], "error": "no directory %r in the sandbox" % req["cwd"]}
        pid = _spawn_command(req, fds)
    finally:
        for fd in fds.values():
            os.close(fd)
    if pid < 0:
        return {
            "id": req["id"],
            "exit_code": -pid,
            "signal": None,
            "timed_out": False,
            "duration_s": time.monotonic() - started,
        }
    result: "dict[str, int | None]" = {"status": None}

    def on_reaped(reaped: int, status: int) -> None:
        if reaped == pid:
            result["status"] = status

    pidfd = os.pidfd_open(pid)
    deadline = started + float(req["timeout"])
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            if select.select([pidfd], [], [], left)[0]:
                break
    finally:
        os.close(pidfd)
    status: "int | None"
    if not timed_out:
        # The usual case: the command is done and left nothing behind, so no /proc scan is needed
        # (anything it left would have been re-parented to us, its subreaper, and be our child).
        _, status = os.waitpid(pid, 0)
        on_reaped(pid, status)
    kill_tree_and_reap(os.getpid(), on_reaped)
    status = result["status"]
    sig: "int | None"
    if status is None:
        code, sig = 137, 9
    elif os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        code = -sig
    else:
        code, sig = os.WEXITSTATUS(status), None
    return {
        "id": req["id"],
        "exit_code": code,
        "signal": sig,
        "timed_out": timed_out,
        "duration_s": time.monotonic() - started,
    }


def supervisor_main(ctl: "_socket.socket", link: "_socket.socket") -> None:
    """A pooled supervisor: a child subreaper that runs one exec at a time, handed over by PID 1.

    Reusing it saves a fork per exec. The command inherits its cwd and rlimits (the same for every
    exec of a sandbox); its own CPU time counts against RLIMIT_CPU too, so it retires well before.
    """
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    for number in SHIELDED:
        signal.signal(number, signal.SIG_IGN)
    # Forked from PID 1 mid-request: drop every inherited descriptor (another exec's pipes would
    # otherwise stay open for as long as this supervisor lives).
    close_fds_except(ctl.fileno(), link.fileno())
    while True:
        try:
            data, fds = recv_fds(link, 1 << 20, 8)
        except OSError:
            return
        if not data:
            return  # PID 1 dropped us from the pool
        for fd in fds:
            os.set_inheritable(fd, False)
        req = marshal.loads(data)
        named = dict(zip(req.pop("fds", []), fds))
        if "spill" in named:
            req.update(marshal.loads(_read_all(named.pop("spill"))))
        result = run_exec(req, named)
        used = sum(os.times()[:2])
        retire = used > 0.5 * float(req["rlimits"].get("cpu", 1 << 30))
        # Tell PID 1 first: by the time the host's next exec arrives, this supervisor is back in
        # the pool (PID 1 reads supervisor messages before host requests).
        link.send(b"retire" if retire else b"idle")
        reply(ctl, result)
        if retire:
            return


def _allowed(path: str, roots: "list[str]") -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def _resolve(path: str, roots: "list[str]", must_exist: bool) -> str:
    """The real path of ``path`` (symlinks followed inside the sandbox), or ValueError if it leaves
    the allowed roots. Only the sandbox's own mounts are visible here, so nothing of the host can be
    reached whatever symlinks the sandboxed code planted."""
    real = os.path.realpath(path)
    if not _allowed(real, roots):
        raise ValueError("path %r resolves to %r, outside %s" % (path, real, ", ".join(roots)))
    if must_exist and not os.path.lexists(real):
        raise FileNotFoundError(path)
    return real


def read_file(ctl: "_socket.socket", req: "dict[str, Any]", fds: "dict[str, int]") -> None:
    out = fds["data"]
    try:
        real = _resolve(req["path"], req["roots"], True)
        # O_NONBLOCK: a FIFO planted by sandboxed code must not wedge the helper.
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(errno.EINVAL, "not a regular file", req["path"])
            left = 1 << 62 if req["max_bytes"] is None else req["max_bytes"]
            while left > 0:
                chunk = os.read(fd, min(1 << 16, left))
                if not chunk:
                    break
                _write_all(out, chunk)
                left -= len(chunk)
        finally:
            os.close(fd)
        msg = {"id": req["id"], "ok": True}
    except FileNotFoundError:
        msg = {"id": req["id"], "error": "no file %r in the sandbox" % req["path"], "kind": "missing"}
    except (OSError, ValueError) as exc:
        msg = {"id": req["id"], "error": str(exc)}
    os.close(out)
    reply(ctl, msg)
    os._exit(0)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def write_file(ctl: "_socket.socket", req: "dict[str, Any]", fds: "dict[str, int]") -> None:
    src = fds["data"]
    try:
        path = req["path"]
        parent = os.path.dirname(path)
        _resolve(parent if os.path.exists(parent) else _existing_ancestor(parent), req["roots"], True)
        os.makedirs(parent, exist_ok=True)
        parent_real = _resolve(parent, req["roots"], True)
        target = os.path.join(parent_real, os.path.basename(path))
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, req["mode"])
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(errno.EINVAL, "not a regular file", path)
            os.ftruncate(fd, 0)
            os.set_blocking(fd, True)
            while True:
                chunk = os.read(src, 1 << 16)
                if not chunk:
                    break
                _write_all(fd, chunk)
            os.fchmod(fd, req["mode"])
        finally:
            os.close(fd)
        msg = {"id": req["id"], "ok": True}
    except (OSError, ValueError) as exc:
        msg = {"id": req["id"], "error": str(exc)}
    os.close(src)
    reply(ctl, msg)
    os._exit(0)


def _read_all(fd: int) -> bytes:
    chunks: "list[bytes]" = []
    try:
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def _existing_ancestor(path: str) -> str:
    while path and not os.path.exists(path):
        path = os.path.dirname(path)
    return path or "/"


# ---------------------------------------------------------------------------------------------
# PID 1


MAX_IDLE_SUPERVISORS = 4


def watch_children() -> int:
    """A pipe that turns readable whenever a child exits (for select), in a PID 1: sandboxed code can
    send it the signals it has handlers for, and none of them may stop it."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return wake_r


class Init:
    def __init__(self, ctl: "_socket.socket") -> None:
        self.ctl = ctl
        self.links: "dict[int, _socket.socket]" = {}  # supervisor pid -> PID 1's end of its socket
        self.idle: "list[int]" = []  # supervisors waiting for an exec
        self.busy: "dict[int, int]" = {}  # supervisor pid -> exec request id
        self.helpers: "dict[int, int]" = {}  # file helper pid -> request id

    def _fork(self, target: "Callable[..., object]", *args: object) -> int:
        pid = os.fork()
        if pid == 0:
            code = 1  # a worker that fails gets an error reply from reap()
            try:
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                for link in self.links.values():
                    link.close()
                target(*args)
                code = 0
            finally:
                os._exit(code)
        return pid

    def new_supervisor(self) -> int:
        mine, theirs = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_SEQPACKET)
        pid = self._fork(supervisor_main, self.ctl, theirs)  # which closes every other descriptor (mine too)
        theirs.close()
        self.links[pid] = mine
        return pid

    def start_exec(self, data: bytes, fds: "list[int]") -> None:
        """Hand the request, as received (pipes and any spill included), to an idle supervisor."""
        req_id = marshal.loads(data)["id"]
        try:
            pid = self.idle.pop() if self.idle else self.new_supervisor()
            send_fds(self.links[pid], data, fds)
        finally:
            for fd in fds:
                os.close(fd)
        self.busy[pid] = req_id

    def spawn_helper(
        self,
        target: "Callable[[_socket.socket, dict[str, Any], dict[str, int]], None]",
        req: "dict[str, Any]",
        fds: "dict[str, int]",
    ) -> None:
        pid = self._fork(target, self.ctl, req, fds)
        for fd in fds.values():
            os.close(fd)
        self.helpers[pid] = req["id"]

    def supervisor_says(self, pid: int) -> None:
        try:
            msg = self.links[pid].recv(64)
        except OSError:
            msg = b""
        if not msg:
            return  # it died; reap() deals with that
        self.busy.pop(pid, None)
        if msg == b"idle" and len(self.idle) < MAX_IDLE_SUPERVISORS:
            self.idle.append(pid)
        elif msg == b"idle":
            self.drop_supervisor(pid)  # closing its link makes it exit

    def drop_supervisor(self, pid: int) -> None:
        link = self.links.pop(pid, None)
        if link is not None:
            link.close()
        if pid in self.idle:
            self.idle.remove(pid)

    def kill_all(self) -> None:
        """SIGKILL every process but this one. Supervisors die too; their execs get a 'killed' reply."""
        while True:
            victims = [pid for pid in _process_table() if pid != 1]
            if not victims:
                break
            _kill(victims)
            self.reap()
            time.sleep(0.001)

    def reap(self) -> None:
        lost: "list[int]" = []
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid in self.links:
                lost += self._supervisor_gone(pid)
            elif pid in self.helpers:
                req_id = self.helpers.pop(pid)
                if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
                    reply(self.ctl, {"id": req_id, "error": "the file helper was killed"})
        self._answer_lost(lost)

    def resume_stopped(self) -> None:
        """Continue every child of this init that sandboxed code stopped.

        Supervisors and file helpers run as the sandbox's user, so ``kill -STOP -1`` stops them too
        (only this init, the PID namespace's init, is immune); a stopped supervisor would neither
        enforce its command's wall time nor answer. The kernel tells the parent when a child stops
        (SIGCHLD, which wakes ``serve``), so a stop is undone at once, however often it is sent.
        """
        while True:
            try:
                info = os.waitid(os.P_ALL, 0, os.WSTOPPED | os.WNOHANG)
            except ChildProcessError:
                return
            if info is None:
                return
            try:
                os.kill(info.si_pid, signal.SIGCONT)
            except OSError:
                pass

    def _supervisor_gone(self, pid: int) -> "list[int]":
        """Forget a dead supervisor; the exec it was running (if any) is returned to be answered."""
        self.drop_supervisor(pid)
        req_id = self.busy.pop(pid, None)
        return [] if req_id is None else [req_id]

    def _answer_lost(self, req_ids: "list[int]") -> None:
        """Execs whose supervisor was killed (by the sandboxed code, a cancel or kill_all): first
        kill what they left behind, then answer, so the host never sees a leftover."""
        if not req_ids:
            return
        self.kill_escapees()
        for req_id in req_ids:
            reply(
                self.ctl,
                {"id": req_id, "exit_code": 137, "signal": 9, "timed_out": False, "duration_s": 0.0, "lost": True},
            )

    def cancel(self, target: int) -> None:
        """The host gave up on an exec: kill its supervisor (a stopped or wedged one included) and
        everything it ran before answering."""
        running = [pid for pid, req_id in self.busy.items() if req_id == target]  # a few supervisors at most
        if not running:
            return
        pid = running[0]
        _kill([pid])
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        self._answer_lost(self._supervisor_gone(pid))

    def _ours(self, pid: int) -> bool:
        return pid in self.links or pid in self.helpers

    def kill_escapees(self) -> None:
        """Orphans of a killed supervisor are re-parented to PID 1: nothing may outlive its exec."""
        for _ in range(1000):
            table = _process_table()
            escapees = [pid for pid, ppid in table.items() if ppid == 1 and not self._ours(pid)]
            if not escapees:
                return
            for pid in escapees:
                # The escapee first: a shell whose child died before it would run its next command.
                _kill([pid] + _descendants(pid, table))
            time.sleep(0.001)
            self._reap_orphans()

    def _reap_orphans(self) -> None:
        for pid in list(_process_table()):
            if pid != 1 and not self._ours(pid):
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass

    def handle(self, req: "dict[str, Any]", fds: "dict[str, int]") -> None:
        op = req["op"]
        if op == "read":
            self.spawn_helper(read_file, req, fds)
        elif op == "write":
            self.spawn_helper(write_file, req, fds)
        elif op == "cancel":
            self.cancel(req["target"])
            reply(self.ctl, {"id": req["id"], "ok": True})
        elif op == "kill_all":
            self.kill_all()
            reply(self.ctl, {"id": req["id"], "ok": True})
        else:
            reply(self.ctl, {"id": req["id"], "error": "unknown op %r" % op})

    def serve(self) -> None:
        wake_r = watch_children()
        while True:
            by_fd = {link.fileno(): pid for pid, link in self.links.items()}
            # A socket and descriptors: select takes both, mypy's join of the two (object) it does not.
            ready, _, _ = select.select([self.ctl, wake_r, *by_fd], [], [])  # type: ignore[type-var]
            if wake_r in ready:
                os.read(wake_r, 4096)
                self.resume_stopped()
                self.reap()
            for fd in ready:
                if fd in by_fd and by_fd[fd] in self.links:
                    self.supervisor_says(by_fd[fd])
            if self.ctl in ready:
                try:
                    data, fds = recv_fds(self.ctl, 1 << 20, 8)
                except OSError:
                    data, fds = b"", []
                if not data:
                    return  # the host went away: returning from PID 1 takes the whole sandbox down
                for fd in fds:
                    os.set_inheritable(fd, False)  # a command gets only the pipes dup2'ed onto 0-2
                req = marshal.loads(data)
                if req["op"] == "exec":
                    try:
                        self.start_exec(data, fds)
                    except OSError as exc:
                        reply(self.ctl, {"id": req["id"], "error": "sandbox init: %s" % exc})
                    continue
                named = dict(zip(req.pop("fds", []), fds))
                if "spill" in named:
                    # Requests too big for one packet (a long script) arrive through a pipe.
                    req.update(marshal.loads(_read_all(named.pop("spill"))))
                try:
                    self.handle(req, named)
                except OSError as exc:
                    for fd in named.values():
                        try:
                            os.close(fd)
                        except OSError:
                            pass
                    reply(self.ctl, {"id": req.get("id"), "error": "sandbox init: %s" % exc})
