"""Typed errors with the stable codes of docs/architecture.md §5.

The server turns every ``EnvgymError`` into ``{"error": {"code", "message", "details"}}`` with
the class's HTTP status; the client turns that body back into the same class, so code on both
sides catches the same exceptions.

Example:
    >>> try:
    ...     raise UnknownEnvironment("no environment 'foo'", details={"env": "foo"})
    ... except EnvgymError as exc:
    ...     exc.code, exc.http_status
    ('unknown_environment', 404)
"""

from __future__ import annotations

from typing import Any, ClassVar

from envgym.protocol import ErrorBody, ErrorInfo


class EnvgymError(Exception):
    """Base of every error envgym raises on purpose."""

    code: ClassVar[str] = "internal_error"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, *, details: dict[str, Any] | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        self.retry_after = retry_after

    def to_body(self) -> ErrorBody:
        return ErrorBody(error=ErrorInfo(code=self.code, message=self.message, details=self.details))

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class InvalidRequest(EnvgymError):
    code = "invalid_request"
    http_status = 422


class UnknownEnvironment(EnvgymError):
    code = "unknown_environment"
    http_status = 404


class UnknownTask(EnvgymError):
    code = "unknown_task"
    http_status = 404


class UnknownSession(EnvgymError):
    code = "unknown_session"
    http_status = 404


class UnknownPlugin(EnvgymError):
    code = "unknown_plugin"
    http_status = 404


class PluginLoadError(EnvgymError):
    """A plugin exists but failed to import; ``details`` carries its package and traceback."""

    code = "plugin_load_error"
    http_status = 500


class DuplicatePlugin(EnvgymError):
    code = "duplicate_plugin"
    http_status = 500


class InvalidAction(EnvgymError):
    code = "invalid_action"
    http_status = 422


class SessionClosed(EnvgymError):
    code = "session_closed"
    http_status = 409


class CapacityExhausted(EnvgymError):
    code = "capacity_exhausted"
    http_status = 503


class StepTimeout(EnvgymError):
    code = "step_timeout"
    http_status = 504


class SandboxError(EnvgymError):
    code = "sandbox_error"
    http_status = 500


class GraderError(EnvgymError):
    code = "grader_error"
    http_status = 500


class EnvironmentFailed(EnvgymError):
    """The environment itself broke (not the agent's fault)."""

    code = "env_error"
    http_status = 500


EnvironmentError_ = EnvironmentFailed  # the earlier name, kept for plugins written against it


class Unauthorized(EnvgymError):
    code = "unauthorized"
    http_status = 401


class PayloadTooLarge(EnvgymError):
    code = "payload_too_large"
    http_status = 413


# Every class above, by its code. (Subclasses defined elsewhere, such as the client's own
# ServerUnreachable, are not codes a server sends: they are defined after this line runs.)
ERROR_CLASSES: dict[str, type[EnvgymError]] = {EnvgymError.code: EnvgymError}
ERROR_CLASSES.update((cls.code, cls) for cls in EnvgymError.__subclasses__())


def error_from_body(body: dict[str, Any], http_status: int | None = None) -> EnvgymError:
    """Rebuild the typed exception from a server error body (unknown codes keep their code)."""
    info = body.get("error", body) if isinstance(body, dict) else {}
    code = str(info.get("code", "internal_error"))
    cls = ERROR_CLASSES.get(code)
    message = str(info.get("message", "unknown error"))
    details = info.get("details") or {}
    if cls is None:
        exc = EnvgymError(message, details=details)
        exc.code = code  # type: ignore[misc]  # keep the server's code even if this client predates it
        if http_status is not None:
            exc.http_status = http_status  # type: ignore[misc]
        return exc
    return cls(message, details=details)
