"""The trusted test harness that runs INSIDE a fresh grading sandbox (never imported by the host).

The grader starts it as ``/usr/bin/python3 -I -S -c <bootstrap>`` and writes two frames on its stdin:
first this file's source and public settings (which standard modules to preload), then the secrets —
a per-run MAC key, the hidden tests and the solution's files. Nothing the verdict depends on ever
exists on a file system the agent touched.

Hidden tests run in THIS process; the solution runs in separate worker processes and only plain data
(``marshal``-able builtin types, exact types only) comes back over a pipe. So the solution cannot
reach the asserts: an object whose ``__eq__`` always says True cannot cross the pipe, monkeypatching
``builtins``/``time``/``unittest``/``pytest`` only changes the worker, ``sys.exit``/``os._exit`` only
ends the worker (the call fails), and printing or writing files cannot produce the one result line,
which is authenticated with a key only this process knows (it also makes itself non-dumpable, so a
worker cannot read its memory or fds).

Workers are forked, not started as new interpreters (an interpreter start plus the imports of a
typical solution cost more than everything else in a grading): right after the first frame, before
any secret is read, this process imports the standard modules the solution uses and forks a
*zygote*; each worker is a fork of the zygote. A worker's memory is therefore a copy of a process
that never held the key or the tests. Reads of the first frame are unbuffered and exact, so not a
byte of the second frame is in memory at the fork either. The result line is MAC-ed with keyed
BLAKE2b and written as a Python literal (``ascii()``), which the host parses with
``ast.literal_eval`` once the MAC checks.

Result: one line ``ENVGYM-RESULT <literal> <hex keyed-blake2b-256>`` on stdout.
"""

import _signal
import _socket
import io
import marshal
import os
import select
import sys
import time
from _blake2 import blake2b

TYPE_CHECKING = False  # typing is not imported at run time (start-up cost); mypy takes this as True
if TYPE_CHECKING:
    from types import CodeType
    from typing import Any, Callable, Iterable

MARKER = "ENVGYM-RESULT"
PLAIN_TYPES = (type(None), bool, int, float, complex, str, bytes, tuple, list, dict, set, frozenset)
SIGKILL = 9
FD_BYTES = 4
FORK_TIMEOUT_S = 10.0
# File name -> source lines of hidden code, to quote the failing line of an assertion.
SOURCES = {}  # type: dict[str, list[str]]
# Signals a solution process (same user, same sandbox) can send the harness or the zygote, whose
# default action would end or stop them, or (SIGINT) raise in the middle of a hidden test: all
# ignored there, restored in each worker. SIGKILL and SIGSTOP cannot be: a killed harness scores 0
# (tampered), a stopped one runs out of time and scores 0 too.
SHIELDED = (
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
    "SIGXCPU",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGILL",
    "SIGSEGV",
    "SIGSYS",
)


# ---------------------------------------------------------------------------------------------
# the worker: runs the solution, answers requests with plain data


def _read_exact(fd: int, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            raise SystemExit(0)
        buf += chunk
    return buf


def _send_frame(fd: int, data: bytes) -> None:
    data = len(data).to_bytes(4, "little") + data
    while data:
        data = data[os.write(fd, data) :]


def _resolve(target: str) -> "Any":
    module, _, attr = target.partition(":")
    __import__(module)
    obj = sys.modules[module]
    for part in attr.split(".") if attr else []:
        obj = getattr(obj, part)
    return obj


def _shield_signals(shielded: bool) -> None:
    for name in SHIELDED:
        number = getattr(_signal, name, None)
        if number is not None:
            default = _signal.default_int_handler if name == "SIGINT" else _signal.SIG_DFL
            _signal.signal(number, _signal.SIG_IGN if shielded else default)


def worker_main(req_fd: int, resp_fd: int, workdir: str, env: "dict[str, str]") -> None:
    """Serve ``call``/``run`` requests until the harness closes the pipe (runs in a forked child)."""
    _shield_signals(False)  # the solution gets the signal handling a new interpreter has
    _set_dumpable(True)  # an ordinary process again (the harness and zygote before it were not)
    os.environ.clear()
    os.environ.update(env)
    sys.dont_write_bytecode = True
    sys.path.insert(0, workdir)
    os.chdir(workdir)
    sys.argv = [""]
    # Unbuffered like ``python -u``: output printed before a crash or os._exit still reaches the log.
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True)
    while True:
        request = marshal.loads(_read_exact(req_fd, int.from_bytes(_read_exact(req_fd, 4), "little")))
        try:
            if request[0] == "call":
                value = _resolve(request[1])(*request[2], **request[3])
            else:
                namespace: "dict[str, Any]" = {"__name__": "__envgym_probe__"}
                namespace.update(request[2])
                exec(compile(request[1], "<hidden-test probe>", "exec"), namespace)
                value = namespace.get("result")
            try:
                payload = marshal.dumps(("ok", value))
            except ValueError:
                raise TypeError(
                    "the result is not plain data (only exact builtin types cross back: None, bool, int, "
                    "float, complex, str, bytes, tuple, list, dict, set, frozenset); got " + type(value).__name__
                ) from None
            _send_frame(resp_fd, payload)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            import traceback

            names = [c.__name__ for c in type(exc).__mro__]
            _send_frame(
                resp_fd,
                marshal.dumps(("err", type(exc).__name__, names, str(exc)[:2000], traceback.format_exc()[-4000:])),
            )


# ---------------------------------------------------------------------------------------------
# the zygote: forks workers on request


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


def send_fds(sock: "_socket.socket", data: bytes, fds: "list[int]") -> None:
    payload = b"".join(fd.to_bytes(FD_BYTES, sys.byteorder, signed=True) for fd in fds)
    sock.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, payload)])


def zygote_main(sock: "_socket.socket", public: "dict[str, Any]") -> None:
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):  # the harness's stdin still carries the secrets; its stdout is the result channel
        os.dup2(devnull, fd)
    os.close(devnull)
    _signal.signal(_signal.SIGCHLD, _signal.SIG_IGN)  # workers are reaped by the kernel
    while True:
        data, fds = recv_fds(sock, 64, 3)
        if not data or len(fds) != 3:
            os._exit(0)  # the harness is gone
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                sock.close()
                _signal.signal(_signal.SIGCHLD, _signal.SIG_DFL)
                os.setsid()
                req_r, resp_w, log = fds
                os.dup2(log, 1)
                os.dup2(log, 2)
                os.close(log)
                worker_main(req_r, resp_w, public["workdir"], public["env"])
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 0
            finally:
                os._exit(code)
        for fd in fds:
            os.close(fd)
        sock.send(pid.to_bytes(4, "little"))


class Zygote:
    """The harness's end of the zygote: ``fork_worker`` returns the pid of a new worker."""

    def __init__(self, public: "dict[str, Any]") -> None:
        self.sock, theirs = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            try:
                self.sock.close()
                zygote_main(theirs, public)
            finally:
                os._exit(0)
        theirs.close()
        self.pid = pid
        self.broken: "str | None" = None
        self.forked = 0  # once a worker exists, solution code has run: a zygote lost after that is its doing

    def fork_worker(self, req_r: int, resp_w: int, log: int) -> int:
        # A solution process may have stopped or killed the zygote: the tests left err at once, and
        # the grading still ends with a result.
        if self.broken:
            raise OSError(self.broken)
        try:
            send_fds(self.sock, b"fork", [req_r, resp_w, log])
            reply = self.sock.recv(8) if select.select([self.sock], [], [], FORK_TIMEOUT_S)[0] else b""
        except OSError:  # it was killed: the socket's other end is gone
            reply = b""
        if len(reply) != 4:
            self.broken = "the zygote that forks solution processes is gone or stopped"
            raise OSError(self.broken)
        self.forked += 1
        return int.from_bytes(reply, "little")


class RemoteError(Exception):
    """The solution raised (or died) while a hidden test called it. ``type``/``mro`` are class names."""

    def __init__(self, type_name: str, mro: "Iterable[str]", message: str, tb: str = "") -> None:
        super().__init__(f"{type_name}: {message}")
        self.type, self.mro, self.message, self.remote_traceback = type_name, list(mro), message, tb


class CallTimeout(Exception):
    pass


class WorkerStartError(Exception):
    """The solution process could not even be started: the grading sandbox is broken."""


def _check_plain(value: "Any", depth: int = 0) -> None:  # whatever a worker sent
    # marshal already refuses subclasses on the worker side, but a worker can send any bytes it likes.
    if depth > 100 or type(value) not in PLAIN_TYPES:
        raise RemoteError(
            "TypeError", ["TypeError"], f"the solution returned a non-plain value ({type(value).__name__})"
        )
    if type(value) in (tuple, list, set, frozenset):
        for item in value:
            _check_plain(item, depth + 1)
    elif type(value) is dict:
        for key, item in value.items():
            _check_plain(key, depth + 1)
            _check_plain(item, depth + 1)


class Worker:
    """One solution process, forked by the zygote. Requests and answers are length-prefixed marshal
    frames on private pipes; its stdout and stderr go to a memfd, read back as the test's output."""

    def __init__(self, cfg: "dict[str, Any]", deadline: float) -> None:
        self.cfg, self.deadline = cfg, deadline
        self.pid: "int | None"
        self.pidfd: "int | None"
        self.pid = self.pidfd = None
        req_r, self.req_w = os.pipe()
        self.resp_r, resp_w = os.pipe()
        self.log = os.memfd_create("worker-output")
        try:
            self.pid = cfg["zygote"].fork_worker(req_r, resp_w, self.log)
            # Held from the start: the worker is ours to wait for even after the kernel reaped it.
            self.pidfd = os.pidfd_open(self.pid)
        except OSError as exc:
            for fd in (self.req_w, self.resp_r, self.log):
                os.close(fd)
            raise WorkerStartError(f"cannot start the solution process: {exc}") from exc
        finally:
            os.close(req_r)
            os.close(resp_w)

    def request(self, message: "tuple[Any, ...]", timeout: float) -> object:  # message: plain data
        try:
            _send_frame(self.req_w, marshal.dumps(message))
        except OSError:
            raise RemoteError("WorkerExited", ["WorkerExited"], self._exit_text()) from None
        size = int.from_bytes(self._read(4, timeout), "little")
        if size > self.cfg["max_result_bytes"]:
            self.kill()
            raise RemoteError("ResultTooLarge", ["ResultTooLarge"], f"the solution's answer is {size} bytes")
        try:
            reply = marshal.loads(self._read(size, timeout))
        except (ValueError, EOFError, TypeError):
            reply = None
        if type(reply) is not tuple or not reply or reply[0] not in ("ok", "err"):
            raise RemoteError("ProtocolError", ["ProtocolError"], "the solution process sent a malformed answer")
        if reply[0] == "err":
            parts = [str(p) if not isinstance(p, list) else [str(x) for x in p] for p in reply[1:5]]
            # [type name, its mro's names, message, traceback], as the worker sends them.
            raise RemoteError(*parts)  # type: ignore[arg-type]
        value = reply[1]
        _check_plain(value)
        return value

    def _read(self, n: int, timeout: float) -> bytes:
        buf = b""
        end = min(time.monotonic() + timeout, self.deadline)
        while len(buf) < n:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.resp_r], [], [], left)[0]:
                self.kill()
                raise CallTimeout(f"the solution did not answer within {timeout:g}s")
            chunk = os.read(self.resp_r, n - len(buf))
            if not chunk:
                raise RemoteError("WorkerExited", ["WorkerExited"], self._exit_text())
            buf += chunk
        return buf

    def _gone(self, timeout: float) -> bool:
        """Whether the worker has exited (waiting up to ``timeout``)."""
        return self.pidfd is None or bool(select.select([self.pidfd], [], [], timeout)[0])

    def _exit_text(self) -> str:
        if not self._gone(1.0):
            self.kill()
        return "the solution process exited instead of answering"

    def output(self, cap: int) -> str:
        try:
            return os.pread(self.log, cap, 0).decode("utf-8", "replace")
        except OSError:
            return ""

    def kill(self) -> None:
        if self.pid is None:
            return
        try:
            os.killpg(self.pid, SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._gone(2.0)

    def close(self) -> None:
        fd: "int | None"
        for fd in (self.req_w, self.resp_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self.kill()
        for fd in (self.pidfd, self.log):
            if fd is not None:
                os.close(fd)
        self.pidfd = None


class Project:
    """What hidden tests use to reach the solution. Every call answers with plain data or raises."""

    def __init__(self, cfg: "dict[str, Any]", deadline: float) -> None:
        self._worker: "Worker | None"
        self._cfg, self._deadline, self._worker = cfg, deadline, None
        self.outputs: "list[str]" = []

    def _get(self) -> Worker:
        if self._worker is None:
            self._worker = Worker(self._cfg, self._deadline)
        return self._worker

    def _do(self, message: "tuple[Any, ...]") -> object:
        worker = self._get()
        try:
            return worker.request(message, self._cfg["call_timeout"])
        except (RemoteError, CallTimeout) as exc:
            if isinstance(exc, CallTimeout) or exc.type in ("WorkerExited", "ResultTooLarge", "ProtocolError"):
                self.reset()  # the next call gets a fresh process
            raise

    def call(self, target: str, *args: object, **kwargs: object) -> object:
        """Call ``"module:function"`` (or ``"module:Class.method"``) in the solution; plain data only."""
        return self._do(("call", target, tuple(args), kwargs))

    def run(self, source: str, /, **inputs: object) -> object:
        """Run ``source`` in the solution process with ``inputs`` (plain data) bound as variables, and
        return its variable ``result`` (plain data only)."""
        return self._do(("run", source, inputs))

    def error(self, source: str, /, **inputs: object) -> "RemoteError | None":
        """Run ``source`` expecting it to raise; return the RemoteError (or None if it did not raise)."""
        try:
            self.run(source, **inputs)
        except RemoteError as exc:
            if exc.type in ("WorkerExited", "ResultTooLarge", "ProtocolError"):
                raise
            return exc
        return None

    def reset(self) -> None:
        if self._worker is not None:
            self.outputs.append(self._worker.output(self._cfg["output_cap"]))
            self._worker.close()
            self._worker = None


def _failing_line(exc: BaseException) -> str:
    """``line N: <text>`` of the innermost hidden-test frame of ``exc``'s traceback, or ""."""
    where, tb = "", exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename in SOURCES:
            lines = SOURCES[filename]
            text = lines[tb.tb_lineno - 1].strip() if 0 < tb.tb_lineno <= len(lines) else ""
            where = f"line {tb.tb_lineno}: {text}"
        tb = tb.tb_next
    return where


def _short(exc: BaseException) -> str:
    if isinstance(exc, AssertionError):
        where = _failing_line(exc)
        text = str(exc)
        return ("AssertionError" + (f": {text}" if text else "") + (f" ({where})" if where else ""))[:1000]
    return f"{type(exc).__name__}: {exc}"[:1000]


def run_test(name: str, fn: "Callable[[Project], object]", project: Project, cfg: "dict[str, Any]") -> "dict[str, Any]":
    began = time.monotonic()
    result: "dict[str, Any]" = {"name": name}
    try:
        fn(project)
        result["outcome"] = "passed"
    except WorkerStartError as exc:
        result["outcome"], result["message"] = "error", str(exc)
    except CallTimeout as exc:
        result["outcome"], result["message"] = "timeout", str(exc)
    except RemoteError as exc:
        result["outcome"], result["message"] = "failed", str(exc)[:1000]
        if exc.remote_traceback:
            result["traceback"] = exc.remote_traceback[-1500:]
    except Exception as exc:  # noqa: BLE001 — a failing test is a result, not a harness error
        result["outcome"], result["message"] = "failed", _short(exc)
    finally:
        project.reset()
        out = "".join(project.outputs)
        project.outputs.clear()
        if out:
            result["output"] = out[-cfg["output_cap"] :]
    result["duration_s"] = round(time.monotonic() - began, 4)
    return result


def _compile(source: str, filename: str) -> "CodeType":
    SOURCES[filename] = source.splitlines()  # so an assertion message can quote the failing line
    return compile(source, filename, "exec")


def collect(cfg: "dict[str, Any]", deadline: float) -> "list[tuple[str, Callable[[Project], object]]]":
    """Turn the hidden test sources into (name, callable taking a Project) pairs."""
    tests: "list[tuple[str, Callable[[Project], object]]]" = []
    for entry in cfg["tests"]:
        namespace: "dict[str, Any]" = {"__name__": "__hidden__", "RemoteError": RemoteError}
        if cfg["kind"] == "function":
            # HumanEval-style: the problem's prompt (trusted, from the dataset) provides helpers such as
            # poly() that the check code uses; the function under test is a proxy to the solution.
            exec(_compile(cfg.get("prelude", ""), "<hidden-prelude>"), namespace)
            exec(_compile(entry["source"], f"<hidden:{entry['file']}>"), namespace)
            entry_point = cfg["entry_point"]
            target = f"{cfg['module']}:{entry_point}"

            def check(
                project: Project, _ns: "dict[str, Any]" = namespace, _target: str = target, _entry: str = entry_point
            ) -> None:
                proxy = _Proxy(project, _target, _entry)
                _ns[_entry] = proxy  # checks sometimes call the function by its own name
                _ns["check"](proxy)

            tests.append((entry.get("name", "check"), check))
        else:
            exec(_compile(entry["source"], f"<hidden:{entry['file']}>"), namespace)
            found = [
                (f"{entry['file']}::{k}", v) for k, v in namespace.items() if k.startswith("test_") and callable(v)
            ]
            if not found:
                raise RuntimeError(f"hidden test file {entry['file']} defines no test_ functions")
            tests.extend(found)
    return tests


class _Proxy:
    def __init__(self, project: Project, target: str, name: str) -> None:
        self._project, self._target, self.__name__ = project, target, name

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self._project.call(self._target, *args, **kwargs)


def _set_dumpable(flag: bool) -> None:
    # PR_SET_DUMPABLE = 4. Off: other processes of the same user can no longer ptrace us or open
    # /proc/<pid>/{mem,fd}. ctypes is the one heavier import the harness needs.
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, int(flag), 0, 0, 0)
    except Exception:  # noqa: BLE001 — best effort; the MAC-ed result line still protects the verdict
        pass


def preload(modules: "Iterable[str]") -> None:
    """Import the standard modules the solution uses, so each forked worker starts with them."""
    for name in modules:
        try:
            __import__(name)
        except BaseException:  # noqa: BLE001 — the worker will meet (and report) the same failure
            pass


def write_solution(files: "dict[str, bytes]", workdir: str) -> None:
    """Lay the solution's files (relative path -> bytes) out in the empty workspace."""
    for rel, data in files.items():
        path = os.path.normpath(rel)
        if not rel or "\0" in rel or os.path.isabs(path) or path == ".." or path.startswith("../"):
            raise ValueError(f"refusing the solution file path {rel!r}")
        full = os.path.join(workdir, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        fd = os.open(full, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)


def main(public: "dict[str, Any]", read_secrets: "Callable[[], dict[str, Any]]") -> None:
    """``public``: the first frame (no secret); ``read_secrets()`` reads the second one."""
    _shield_signals(True)
    _set_dumpable(False)
    public["workdir"] = public.get("workdir") or os.getcwd()
    public.setdefault(
        "env", {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "HOME": public["workdir"]}
    )
    preload(public.get("preload", ()))
    cfg = dict(public, zygote=Zygote(public))
    cfg.update(read_secrets())
    key = cfg.pop("key")
    started = time.monotonic()
    deadline = started + cfg["total_timeout"]
    record: "dict[str, Any]" = {"tests": [], "harness_error": None}
    try:
        write_solution(cfg.pop("files", {}), cfg["workdir"])
        tests = collect(cfg, deadline)
        for name, fn in tests:
            if time.monotonic() >= deadline:
                record["tests"].append({"name": name, "outcome": "timeout", "message": "grading time budget used up"})
                continue
            project = Project(cfg, deadline)
            result = run_test(name, fn, project, cfg)
            if result["outcome"] == "error" and not cfg["zygote"].forked:
                # Not even the first solution process started, before any code of the solution ran:
                # the grading sandbox is broken. Once one ran, a lost zygote is the solution's doing.
                raise RuntimeError(result["message"])
            record["tests"].append(result)
    except BaseException:  # noqa: BLE001 — the hidden tests themselves are broken: report, don't score
        import traceback

        record["harness_error"] = traceback.format_exc()[-4000:]
    record["duration_s"] = round(time.monotonic() - started, 4)
    body = ascii(record)
    mac = blake2b(body.encode(), key=key, digest_size=32).hexdigest()
    sys.stdout.write(f"\n{MARKER} {body} {mac}\n")
    sys.stdout.flush()
