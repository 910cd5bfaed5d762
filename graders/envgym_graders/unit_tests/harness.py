"""The trusted test harness that runs INSIDE a fresh grading sandbox (never imported by the host).

The grader starts it as ``/usr/bin/python3 -I -c <bootstrap>`` and sends this file's source, the
hidden tests and a per-run HMAC key on stdin, so nothing the verdict depends on ever exists on a
file system the agent touched. Hidden tests run in THIS process; the solution runs in separate
worker processes (``python3 -I -S``) and only plain data (``marshal``-able builtin types, exact
types only) comes back over a pipe. So the solution cannot reach the asserts: an object whose
``__eq__`` always says True cannot cross the pipe, monkeypatching ``builtins``/``time``/``unittest``
/``pytest`` only changes the worker, ``sys.exit``/``os._exit`` only ends the worker (the call fails),
and printing or writing files cannot produce the one result line, which is signed with a key only
this process knows (it also makes itself non-dumpable, so a worker cannot read its memory or fds).

Result: one line ``ENVGYM-RESULT <json> <hex hmac-sha256>`` on stdout.
"""

import hmac
import json
import linecache
import marshal
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback

MARKER = "ENVGYM-RESULT"
PLAIN_TYPES = (type(None), bool, int, float, complex, str, bytes, tuple, list, dict, set, frozenset)

WORKER_SOURCE = r'''
import importlib, marshal, os, struct, sys, traceback
req_fd, resp_fd, workdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
sys.path.insert(0, workdir)
os.chdir(workdir)
sys.argv = [sys.argv[0]]
req = os.fdopen(req_fd, "rb", buffering=0)
resp = os.fdopen(resp_fd, "wb", buffering=0)
def read_exact(n):
    buf = b""
    while len(buf) < n:
        chunk = req.read(n - len(buf))
        if not chunk:
            raise SystemExit(0)
        buf += chunk
    return buf
def send(obj):
    data = marshal.dumps(obj)
    resp.write(struct.pack("<I", len(data)) + data)
def resolve(target):
    module, _, attr = target.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split(".") if attr else []:
        obj = getattr(obj, part)
    return obj
while True:
    (size,) = struct.unpack("<I", read_exact(4))
    request = marshal.loads(read_exact(size))
    try:
        if request[0] == "call":
            value = resolve(request[1])(*request[2], **request[3])
        else:
            namespace = {"__name__": "__envgym_probe__"}
            namespace.update(request[2])
            exec(compile(request[1], "<hidden-test probe>", "exec"), namespace)
            value = namespace.get("result")
        try:
            payload = marshal.dumps(("ok", value))
        except ValueError:
            raise TypeError("the result is not plain data (only exact builtin types cross back: None, bool, int, "
                            "float, complex, str, bytes, tuple, list, dict, set, frozenset); got "
                            + type(value).__name__) from None
        resp.write(struct.pack("<I", len(payload)) + payload)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        names = [c.__name__ for c in type(exc).__mro__]
        send(("err", type(exc).__name__, names, str(exc)[:2000], traceback.format_exc()[-4000:]))
'''


class RemoteError(Exception):
    """The solution raised (or died) while a hidden test called it. ``type``/``mro`` are class names."""

    def __init__(self, type_name, mro, message, tb=""):
        super().__init__(f"{type_name}: {message}")
        self.type, self.mro, self.message, self.remote_traceback = type_name, list(mro), message, tb


class CallTimeout(Exception):
    pass


class WorkerStartError(Exception):
    """The solution process could not even be started: the grading sandbox is broken."""


def _check_plain(value, depth=0):
    # marshal already refuses subclasses on the worker side, but a worker can send any bytes it likes.
    if depth > 100 or type(value) not in PLAIN_TYPES:
        raise RemoteError("TypeError", ["TypeError"], f"the solution returned a non-plain value ({type(value).__name__})")
    if type(value) in (tuple, list, set, frozenset):
        for item in value:
            _check_plain(item, depth + 1)
    elif type(value) is dict:
        for key, item in value.items():
            _check_plain(key, depth + 1)
            _check_plain(item, depth + 1)


class Worker:
    """One solution process. Requests and answers are length-prefixed marshal frames on private pipes."""

    def __init__(self, cfg, deadline):
        self.cfg, self.deadline = cfg, deadline
        req_r, self.req_w = os.pipe()
        self.resp_r, resp_w = os.pipe()
        try:
            self.log = tempfile.TemporaryFile()
            self.proc = subprocess.Popen(
                [cfg["python"], "-I", "-S", "-u", "-c", WORKER_SOURCE, str(req_r), str(resp_w), cfg["workdir"]],
                stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, pass_fds=(req_r, resp_w),
                cwd=cfg["workdir"], env=cfg["env"], start_new_session=True)
        except OSError as exc:
            for fd in (req_r, resp_w, self.req_w, self.resp_r):
                os.close(fd)
            raise WorkerStartError(f"cannot start the solution process: {exc}") from exc
        os.close(req_r)
        os.close(resp_w)

    def request(self, message, timeout):
        data = marshal.dumps(message)
        try:
            os.write(self.req_w, struct.pack("<I", len(data)) + data)
        except OSError:
            raise RemoteError("WorkerExited", ["WorkerExited"], self._exit_text()) from None
        header = self._read(4, timeout)
        (size,) = struct.unpack("<I", header)
        if size > self.cfg["max_result_bytes"]:
            self.kill()
            raise RemoteError("ResultTooLarge", ["ResultTooLarge"], f"the solution's answer is {size} bytes")
        reply = marshal.loads(self._read(size, timeout))
        if type(reply) is not tuple or not reply or reply[0] not in ("ok", "err"):
            raise RemoteError("ProtocolError", ["ProtocolError"], "the solution process sent a malformed answer")
        if reply[0] == "err":
            parts = [str(p) if not isinstance(p, list) else [str(x) for x in p] for p in reply[1:5]]
            raise RemoteError(*parts)
        value = reply[1]
        _check_plain(value)
        return value

    def _read(self, n, timeout):
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

    def _exit_text(self):
        try:
            code = self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.proc.returncode
        return f"the solution process exited (code {code}) instead of answering"

    def output(self, cap):
        try:
            self.log.seek(0)
            return self.log.read(cap).decode("utf-8", "replace")
        except OSError:
            return ""

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass

    def close(self):
        for fd in (self.req_w, self.resp_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self.kill()
        self.log.close()


class Project:
    """What hidden tests use to reach the solution. Every call answers with plain data or raises."""

    def __init__(self, cfg, deadline):
        self._cfg, self._deadline, self._worker = cfg, deadline, None
        self.outputs = []

    def _get(self):
        if self._worker is None:
            self._worker = Worker(self._cfg, self._deadline)
        return self._worker

    def _do(self, message):
        worker = self._get()
        try:
            return worker.request(message, self._cfg["call_timeout"])
        except (RemoteError, CallTimeout) as exc:
            if isinstance(exc, CallTimeout) or exc.type in ("WorkerExited", "ResultTooLarge", "ProtocolError"):
                self.reset()  # the next call gets a fresh process
            raise

    def call(self, target, *args, **kwargs):
        """Call ``"module:function"`` (or ``"module:Class.method"``) in the solution; plain data only."""
        return self._do(("call", target, tuple(args), kwargs))

    def run(self, source, /, **inputs):
        """Run ``source`` in the solution process with ``inputs`` (plain data) bound as variables, and
        return its variable ``result`` (plain data only)."""
        return self._do(("run", source, inputs))

    def error(self, source, /, **inputs):
        """Run ``source`` expecting it to raise; return the RemoteError (or None if it did not raise)."""
        try:
            self.run(source, **inputs)
        except RemoteError as exc:
            if exc.type in ("WorkerExited", "ResultTooLarge", "ProtocolError"):
                raise
            return exc
        return None

    def reset(self):
        if self._worker is not None:
            self.outputs.append(self._worker.output(self._cfg["output_cap"]))
            self._worker.close()
            self._worker = None


def _short(exc):
    if isinstance(exc, AssertionError):
        tb = traceback.extract_tb(exc.__traceback__)
        where = next((f"line {f.lineno}: {f.line}" for f in reversed(tb) if f.filename.startswith("<hidden")), "")
        text = str(exc)
        return ("AssertionError" + (f": {text}" if text else "") + (f" ({where})" if where else ""))[:1000]
    return f"{type(exc).__name__}: {exc}"[:1000]


def run_test(name, fn, project, cfg):
    began = time.monotonic()
    result = {"name": name}
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
            result["output"] = out[-cfg["output_cap"]:]
    result["duration_s"] = round(time.monotonic() - began, 4)
    return result


def _compile(source, filename):
    # Registered with linecache so assertion messages can quote the failing line.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return compile(source, filename, "exec")


def collect(cfg, deadline):
    """Turn the hidden test sources into (name, callable taking a Project) pairs."""
    tests = []
    for entry in cfg["tests"]:
        namespace = {"__name__": "__hidden__", "RemoteError": RemoteError}
        if cfg["kind"] == "function":
            # HumanEval-style: the problem's prompt (trusted, from the dataset) provides helpers such as
            # poly() that the check code uses; the function under test is a proxy to the solution.
            exec(_compile(cfg.get("prelude", ""), "<hidden-prelude>"), namespace)
            exec(_compile(entry["source"], f"<hidden:{entry['file']}>"), namespace)
            entry_point = cfg["entry_point"]
            target = f"{cfg['module']}:{entry_point}"

            def check(project, _ns=namespace, _target=target, _entry=entry_point):
                proxy = _Proxy(project, _target, _entry)
                _ns[_entry] = proxy  # checks sometimes call the function by its own name
                _ns["check"](proxy)

            tests.append((entry.get("name", "check"), check))
        else:
            exec(_compile(entry["source"], f"<hidden:{entry['file']}>"), namespace)
            found = [(f"{entry['file']}::{k}", v) for k, v in namespace.items() if k.startswith("test_") and callable(v)]
            if not found:
                raise RuntimeError(f"hidden test file {entry['file']} defines no test_ functions")
            tests.extend(found)
    return tests


class _Proxy:
    def __init__(self, project, target, name):
        self._project, self._target, self.__name__ = project, target, name

    def __call__(self, *args, **kwargs):
        return self._project.call(self._target, *args, **kwargs)


def _no_dump():
    # PR_SET_DUMPABLE = 4: other processes of the same user can no longer ptrace us or open /proc/<pid>/{mem,fd}.
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    except Exception:  # noqa: BLE001 — best effort; the signed result line still protects the verdict
        pass


def main(cfg):
    _no_dump()
    key = bytes.fromhex(cfg.pop("key"))
    cfg["workdir"] = cfg.get("workdir") or os.getcwd()
    started = time.monotonic()
    deadline = started + cfg["total_timeout"]
    cfg.setdefault("env", {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
                           "HOME": cfg["workdir"]})
    record = {"tests": [], "harness_error": None}
    try:
        tests = collect(cfg, deadline)
        for name, fn in tests:
            if time.monotonic() >= deadline:
                record["tests"].append({"name": name, "outcome": "timeout", "message": "grading time budget used up"})
                continue
            project = Project(cfg, deadline)
            result = run_test(name, fn, project, cfg)
            if result["outcome"] == "error" and not record["tests"]:
                raise RuntimeError(result["message"])  # not even the first solution process started
            record["tests"].append(result)
    except BaseException:  # noqa: BLE001 — the hidden tests themselves are broken: report, don't score
        record["harness_error"] = traceback.format_exc()[-4000:]
    record["duration_s"] = round(time.monotonic() - started, 4)
    body = json.dumps(record, sort_keys=True)
    mac = hmac.new(key, body.encode(), "sha256").hexdigest()
    sys.stdout.write(f"\n{MARKER} {body} {mac}\n")
    sys.stdout.flush()
