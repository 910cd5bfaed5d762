"""The typed errors' stable codes and HTTP statuses (docs/architecture.md §5), and the client's way
back from an error body to the same class."""

from __future__ import annotations

import pytest

from envgym.protocol import errors
from envgym.protocol.errors import ERROR_CLASSES, EnvgymError, error_from_body

# The contract as docs/architecture.md §5 states it: clients and operators match on these.
CODES = {
    "EnvgymError": ("internal_error", 500),
    "InvalidRequest": ("invalid_request", 422),
    "InvalidAction": ("invalid_action", 422),
    "UnknownEnvironment": ("unknown_environment", 404),
    "UnknownTask": ("unknown_task", 404),
    "UnknownSession": ("unknown_session", 404),
    "UnknownPlugin": ("unknown_plugin", 404),
    "SessionClosed": ("session_closed", 409),
    "CapacityExhausted": ("capacity_exhausted", 503),
    "StepTimeout": ("step_timeout", 504),
    "SandboxError": ("sandbox_error", 500),
    "GraderError": ("grader_error", 500),
    "EnvironmentFailed": ("env_error", 500),
    "PluginLoadError": ("plugin_load_error", 500),
    "DuplicatePlugin": ("duplicate_plugin", 500),
    "Unauthorized": ("unauthorized", 401),
    "PayloadTooLarge": ("payload_too_large", 413),
}


@pytest.mark.parametrize("name", list(CODES))
def test_each_error_has_its_stable_code_and_status(name):
    cls = getattr(errors, name)
    assert (cls.code, cls.http_status) == CODES[name]
    assert ERROR_CLASSES[cls.code] is cls


def test_every_typed_error_is_known_to_the_client_by_its_code():
    assert set(ERROR_CLASSES) == {code for code, _ in CODES.values()}
    assert errors.EnvironmentError_ is errors.EnvironmentFailed  # the earlier name still works


def test_an_error_carries_its_message_details_and_retry_hint():
    exc = errors.CapacityExhausted("full", details={"max_sessions": 2}, retry_after=1.5)
    assert (exc.message, exc.details, exc.retry_after) == ("full", {"max_sessions": 2}, 1.5)
    assert str(exc) == "[capacity_exhausted] full" and exc.args == ("full",)
    bare = errors.UnknownTask("no task")
    assert (bare.details, bare.retry_after) == ({}, None)
    body = exc.to_body()
    assert body.model_dump() == {
        "error": {"code": "capacity_exhausted", "message": "full", "details": {"max_sessions": 2}}
    }


@pytest.mark.parametrize("name", list(CODES))
def test_an_error_body_turns_back_into_the_same_class(name):
    cls = getattr(errors, name)
    original = cls("what happened", details={"k": 1})
    back = error_from_body(original.to_body().model_dump(), cls.http_status)
    assert type(back) is cls
    assert (back.code, back.http_status, back.message, back.details) == (
        cls.code,
        cls.http_status,
        "what happened",
        {"k": 1},
    )


def test_an_unknown_code_is_kept_with_the_servers_status():
    exc = error_from_body({"error": {"code": "not_ready", "message": "warming up", "details": {"why": 1}}}, 503)
    assert type(exc) is EnvgymError
    assert (exc.code, exc.http_status, exc.message, exc.details) == ("not_ready", 503, "warming up", {"why": 1})
    assert str(exc) == "[not_ready] warming up"
    without_status = error_from_body({"error": {"code": "request_timeout", "message": "slow"}})
    assert (without_status.code, without_status.http_status) == ("request_timeout", 500)
    assert EnvgymError.code == "internal_error" and EnvgymError.http_status == 500  # the class itself is untouched


def test_a_body_without_the_envelope_or_fields_still_gives_an_error():
    flat = error_from_body({"code": "unknown_session", "message": "gone"})
    assert type(flat) is errors.UnknownSession and flat.message == "gone"
    empty = error_from_body({})
    assert type(empty) is EnvgymError
    assert (empty.code, empty.message, empty.details) == ("internal_error", "unknown error", {})
    null_details = error_from_body({"error": {"code": "invalid_request", "message": "m", "details": None}})
    assert type(null_details) is errors.InvalidRequest and null_details.details == {}
    not_a_dict = error_from_body(["not", "an", "object"])  # type: ignore[arg-type]
    assert (type(not_a_dict), not_a_dict.message) == (EnvgymError, "unknown error")
