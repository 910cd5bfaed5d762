"""The episode protocol: the pydantic models shared by environments, graders, server and client.

Everything that crosses a process boundary is one of these models, so the JSON schemas published
at ``/openapi.json`` and by ``envgym.protocol.json_schemas()`` are the whole wire contract. The rest of
the protocol layer sits next to them: ``ws`` (the WebSocket messages), ``errors`` (typed errors with
stable codes) and ``ids`` (the environment-id grammar); it imports nothing else from envgym.

Example:
    >>> from envgym.protocol import Action
    >>> Action.model_validate("print(1)").content
    'print(1)'
"""

from __future__ import annotations

import contextlib
import enum
import json
from typing import Any, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The wire protocol's version: the major is the URL's (``/v1``); a minor adds fields old clients
# ignore. 1.1: ``StepResult.status``, ``grade`` and ``error`` are typed fields; their ``info``
# mirrors are deprecated and go in 1.2 (docs/architecture.md §5).
PROTOCOL_VERSION = "1.1"


class EpisodeStatus(str, enum.Enum):
    """How an episode ended (docs/architecture.md §3). Only ``completed`` and ``truncated`` carry a reward
    that means something; the others are errors and must be kept out of reward means."""

    running = "running"
    completed = "completed"
    truncated = "truncated"
    agent_error = "agent_error"
    env_error = "env_error"
    grader_error = "grader_error"
    timeout = "timeout"

    @property
    def is_error(self) -> bool:
        return self in ERROR_STATUSES

    @property
    def is_finished(self) -> bool:
        return self is not EpisodeStatus.running


ERROR_STATUSES = frozenset(
    {EpisodeStatus.agent_error, EpisodeStatus.env_error, EpisodeStatus.grader_error, EpisodeStatus.timeout}
)


# --------------------------------------------------------------------------- chat messages


class FunctionCall(BaseModel):
    """The ``function`` part of an OpenAI tool call; ``arguments`` is a JSON string, as the API sends it."""

    model_config = ConfigDict(extra="allow")
    # A call without a name is the agent's mistake, not a malformed request: it parses with an empty
    # name, which the environment answers like any unknown tool (an error observation, the turn counted).
    name: str = ""
    arguments: str = "{}"

    @field_validator("name", mode="before")
    @classmethod
    def _missing_name(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("arguments", mode="before")
    @classmethod
    def _dump_dict_arguments(cls, value: Any) -> Any:
        # Callers often build calls by hand with a dict; the wire format is a JSON string.
        if isinstance(value, dict):
            return json.dumps(value)
        return value

    def parsed_arguments(self) -> dict[str, Any]:
        """Arguments decoded as a JSON object; raises ``ValueError`` with a readable message."""
        try:
            value = json.loads(self.arguments or "{}")
        except json.JSONDecodeError as exc:
            raise ValueError(f"arguments of {self.name!r} are not valid JSON: {exc.msg}") from None
        except RecursionError:  # '[' * 100_000: the agent's mistake, answered like any bad JSON
            raise ValueError(f"arguments of {self.name!r} are nested too deeply") from None
        if not isinstance(value, dict):
            raise ValueError(f"arguments of {self.name!r} must be a JSON object, got {type(value).__name__}")
        return value


class ToolCall(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str = ""
    type: Literal["function"] = "function"
    function: FunctionCall


class Message(BaseModel):
    """A chat message in OpenAI format. Unknown fields are kept (e.g. ``reasoning_content``)."""

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    name: str | None = None

    def text(self) -> str:
        """The message's text, joining the text parts of multi-part content."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(part.get("text", "") for part in self.content if part.get("type") == "text")


class Action(Message):
    """What an agent does on one turn: an assistant message (``content`` and/or ``tool_calls``).

    A plain string is accepted and becomes ``{"role": "assistant", "content": text}``; each
    environment documents how it reads plain text (e.g. the last fenced code block).
    """

    role: Literal["assistant"] = "assistant"
    tool_parser: str | None = Field(
        None,
        description="read tool calls out of `content` with this parser (envgym.kernel.tool_parsers: "
        "hermes, llama3_json, mistral, json, ...) when `tool_calls` is empty; for policies that emit raw text",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"role": "assistant", "content": value}
        if isinstance(value, dict) and "text" in value and "content" not in value and "tool_calls" not in value:
            return {"role": "assistant", "content": value["text"]}
        return value

    @classmethod
    def call(cls, name: str, call_id: str | None = None, **arguments: Any) -> "Action":
        """One tool call. Example: ``Action.call("bash", command="ls")``."""
        return cls(
            tool_calls=[
                ToolCall(
                    id=call_id or f"call_{name}", function=FunctionCall(name=name, arguments=json.dumps(arguments))
                )
            ]
        )


class ToolFunction(BaseModel):
    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


class Tool(BaseModel):
    """An OpenAI function-calling tool schema, sent as-is to a model server."""

    type: Literal["function"] = "function"
    function: ToolFunction

    @classmethod
    def define(
        cls, name: str, description: str, properties: dict[str, Any] | None = None, required: list[str] | None = None
    ) -> "Tool":
        """Example: ``Tool.define("bash", "Run a command", {"command": {"type": "string"}}, ["command"])``."""
        params: dict[str, Any] = {"type": "object", "properties": properties or {}, "additionalProperties": False}
        params["required"] = list(required or [])
        return cls(function=ToolFunction(name=name, description=description, parameters=params))


# --------------------------------------------------------------------------- tasks and grades


# Models a client sends are strict: an unknown field is an error that names it (a submission's
# ``{"text": ...}`` instead of ``{"answer": ...}`` must not grade as a silent 0), and numbers are
# not read from booleans or strings. Response models stay lenient, so older clients keep parsing
# newer servers' answers.
REQUEST_CONFIG = ConfigDict(extra="forbid")


class GraderSpec(BaseModel):
    """Which grader plugin grades a task, and its configuration."""

    model_config = REQUEST_CONFIG
    name: str
    config: dict[str, Any] = Field(default_factory=dict)


class Task(BaseModel):
    """A frozen, JSON-serialisable task record. ``payload`` is what the environment needs to set up
    the episode and may be shown to clients; ``private`` holds what decides the reward (hidden
    tests, reference solutions) and never leaves the server through the task listing."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    suite: str
    prompt: str
    payload: dict[str, Any] = Field(default_factory=dict)
    private: dict[str, Any] = Field(default_factory=dict)
    grader: GraderSpec | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    def public(self) -> "PublicTask":
        return PublicTask(id=self.id, suite=self.suite, prompt=self.prompt, metadata=self.metadata)


class PublicTask(BaseModel):
    id: str
    suite: str
    prompt: str
    metadata: dict[str, Any] = Field(default_factory=dict)


class GradeComponent(BaseModel):
    name: str
    reward: float
    weight: float = 1.0
    passed: bool | None = None
    details: Any = None


class Grade(BaseModel):
    """The outcome of grading. ``status == "ok"`` means the reward is meaningful; ``grader_error``
    means grading itself broke (the reward is then 0 but must not be averaged in)."""

    reward: float = 0.0
    passed: bool = False
    components: list[GradeComponent] = Field(default_factory=list)
    details: Any = None
    status: Literal["ok", "grader_error"] = "ok"
    error: str | None = None

    @classmethod
    def grader_error(cls, message: str, **details: Any) -> "Grade":
        """The grader broke (status ``grader_error``, the episode's status too): reported as such,
        never as a reward of 0 the agent earned. Example: ``Grade.grader_error("judge unreachable")``."""
        return cls(reward=0.0, passed=False, status="grader_error", error=message, details=details or None)

    @classmethod
    def failed(cls, message: str, **details: Any) -> "Grade":
        """The earlier name of ``grader_error``, kept for plugins written against it ("failed" read
        as "the agent failed")."""
        return cls.grader_error(message, **details)

    @classmethod
    def binary(cls, passed: bool, details: Any = None) -> "Grade":
        return cls(reward=1.0 if passed else 0.0, passed=passed, details=details)


class Submission(BaseModel):
    """What is graded: a final answer, a set of files, a whole trajectory, or several of these."""

    model_config = REQUEST_CONFIG
    answer: str | None = None
    files: dict[str, str] | None = None
    trajectory: list[Message] | None = None


# --------------------------------------------------------------------------- episode I/O


class Observation(BaseModel):
    """What the agent sees: chat messages to append to its context, tools (at reset or when they
    change), an optional PNG screenshot (base64) and optional structured ``data``."""

    messages: list[Message] = Field(default_factory=list)
    tools: list[Tool] | None = None
    image: str | None = None
    data: dict[str, Any] | None = None

    @classmethod
    def user(cls, text: str, **kwargs: Any) -> "Observation":
        return cls(messages=[Message(role="user", content=text)], **kwargs)


class StepResult(BaseModel):
    """Gymnasium meanings: ``terminated`` = the task ended (solved, failed, submitted);
    ``truncated`` = an outside limit (turns, time, tokens). The outcome is typed: ``status`` (the
    episode's status after this step, ``running`` until it ends), ``grade`` (the final grade, on the
    step that ended a graded episode) and ``error`` (what went wrong: an error status's cause, or an
    ``invalid_action`` answered with an error observation).

    Protocol 1.1 (docs/architecture.md §5): ``info["status"]``, ``info["grade"]`` and
    ``info["error"]`` still mirror them, deprecated, until protocol 1.2. A 1.0 server's answer has
    no typed fields; parsing it fills them from those ``info`` keys.

    Example:
        >>> old = StepResult.model_validate_json(
        ...     '{"observation": {}, "terminated": true, "info": {"status": "env_error",'
        ...     ' "error": {"code": "env_error", "message": "boom", "traceback": "..."}}}')
        >>> old.status.value, old.error.code, old.error.details
        ('env_error', 'env_error', {'traceback': '...'})
    """

    observation: Observation
    reward: float = 0.0
    terminated: bool = False
    truncated: bool = False
    status: EpisodeStatus = Field(
        EpisodeStatus.running, description="the episode's status after this step (`running` until it ends)"
    )
    grade: Grade | None = Field(None, description="the final grade, on the step that ended a graded episode")
    error: "ErrorInfo | None" = Field(
        None, description="what went wrong: the cause of an error status, or an `invalid_action` the agent made"
    )
    info: dict[str, Any] = Field(
        default_factory=dict,
        description="free-form details; `status`, `grade` and `error` here are deprecated mirrors of the typed "
        "fields (protocol 1.1), kept until protocol 1.2",
    )

    # A protocol 1.0 server's answer has the outcome in ``info`` only: parsing takes the typed fields
    # from the mirrors. Done here rather than in a model validator, so that building a result (once
    # per step on the server) costs nothing more; a parser of a model that nests a StepResult calls
    # ``fill_outcome_from_info`` itself (``client_ws``).
    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        return fill_outcome_from_info(super().model_validate(obj, *args, **kwargs))

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, *args: Any, **kwargs: Any) -> Self:
        return fill_outcome_from_info(super().model_validate_json(json_data, *args, **kwargs))

    @property
    def done(self) -> bool:
        return self.terminated or self.truncated

    @property
    def final_status(self) -> EpisodeStatus:
        """The status this step leaves the episode in, never ``running`` for a finished step: a
        finished step that says ``running`` (a family that set none, an old server) ended
        ``truncated`` or ``completed``, as its flags say."""
        if self.status is EpisodeStatus.running and (self.terminated or self.truncated):
            return EpisodeStatus.truncated if self.truncated else EpisodeStatus.completed
        return self.status

    def error_dict(self) -> dict[str, Any] | None:
        """``error`` in the flat shape of the ``info["error"]`` mirror: ``{code, message, **details}``."""
        if self.error is None:
            return None
        return {"code": self.error.code, "message": self.error.message, **self.error.details}


_R = TypeVar("_R", bound=StepResult)


def fill_outcome_from_info(result: _R) -> _R:
    """``result`` with ``status``, ``grade`` and ``error`` taken from their ``info`` mirrors where
    the field itself was not given (a protocol 1.0 server's answer, or a family that built its
    result with the outcome in ``info``). An unknown status is left ``running`` (``info`` keeps it)."""
    given = result.__pydantic_fields_set__
    info = result.info
    if not info or "status" in given:  # a 1.1 server sends all three fields
        return result
    with contextlib.suppress(ValueError):  # not a status this client knows: left running
        result.__dict__["status"] = EpisodeStatus(info.get("status"))
    raw = info.get("grade")
    if "grade" not in given and raw is not None:
        with contextlib.suppress(ValueError):  # not a Grade: left None, as it is in info (the conformance kit names it)
            result.__dict__["grade"] = raw if isinstance(raw, Grade) else Grade.model_validate(raw)
    raw = info.get("error")
    if "error" not in given and raw is not None:
        if isinstance(raw, ErrorInfo):
            result.__dict__["error"] = raw
        elif isinstance(raw, dict) and "code" in raw:
            # The mirror's shapes: {code, message} with details inline (a traceback), or {code, message, details}.
            nested = raw.get("details")
            details = dict(nested) if isinstance(nested, dict) else {}
            details.update((k, v) for k, v in raw.items() if k not in ("code", "message", "details"))
            result.__dict__["error"] = ErrorInfo(
                code=str(raw["code"]), message=str(raw.get("message", "")), details=details
            )
    return result


class ResetResult(BaseModel):
    observation: Observation
    info: dict[str, Any] = Field(default_factory=dict)


# --------------------------------------------------------------------------- HTTP bodies


def _one_of(a: str, b: str, b_ref: dict[str, Any]) -> dict[str, Any]:
    """JSON schema: exactly one of the string field ``a`` and the field ``b`` (of schema ``b_ref``) is
    given (the other absent or null), as the models' validators require."""
    return {
        "oneOf": [
            {"required": [a], "properties": {a: {"type": "string"}, b: {"type": "null"}}},
            {"required": [b], "properties": {b: b_ref, a: {"type": "null"}}},
        ]
    }


SEED = Field(None, strict=True, ge=-(2**63), le=2**63 - 1, description="an integer (booleans and strings are refused)")


class SessionCreate(BaseModel):
    """``POST /v1/sessions``: exactly one of ``task_id`` (from the environment's suite) and ``task``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_one_of("task_id", "task", {"type": "object"}))
    env: str
    task_id: str | None = None
    task: Task | None = None
    seed: int | None = SEED
    options: dict[str, Any] = Field(default_factory=dict)
    ttl_s: float | None = Field(
        None,
        gt=0,
        description="close this session after this many seconds without a request "
        "(at most the server's idle timeout); for clients that never close their sessions",
    )

    @model_validator(mode="after")
    def _one_task(self) -> "SessionCreate":
        if (self.task_id is None) == (self.task is None):
            raise ValueError("give exactly one of task_id or task")
        return self


class SessionCreated(BaseModel):
    session_id: str
    observation: Observation
    info: dict[str, Any] = Field(default_factory=dict)


class StepRequest(BaseModel):
    model_config = REQUEST_CONFIG
    action: Action


class SessionState(BaseModel):
    session_id: str
    env: str
    task_id: str
    status: EpisodeStatus
    steps: int
    created_at: float
    last_active_at: float
    closed: bool = False
    stepping: bool = False  # a step is running right now
    timings: dict[str, float] = Field(default_factory=dict)


def _grade_request_schema(schema: dict[str, Any]) -> None:
    present = {"not": {"type": "null"}}
    schema["allOf"] = [
        {
            "anyOf": [
                {"required": ["grader"], "properties": {"grader": {"type": "string"}}},
                {"required": ["env"], "properties": {"env": {"type": "string"}}},
            ]
        },
        _one_of("task_id", "task", {"type": "object"}),
        {
            "anyOf": [
                {"required": ["submission"], "properties": {"submission": present}},
                {"required": ["trajectory"], "properties": {"trajectory": present}},
            ]
        },
        {
            "if": {"required": ["task_id"], "properties": {"task_id": {"type": "string"}}},
            "then": {"required": ["env"], "properties": {"env": {"type": "string"}}},
        },
    ]


class GradeRequest(BaseModel):
    """``POST /v1/grade``: ``grader`` and/or ``env``; exactly one of ``task_id`` (needs ``env``) and
    ``task``; ``submission`` and/or ``trajectory``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_grade_request_schema)
    grader: str | None = None
    grader_config: dict[str, Any] = Field(default_factory=dict)
    env: str | None = None
    task_id: str | None = None
    task: Task | None = None
    submission: Submission | None = None
    trajectory: list[Message] | None = None

    @model_validator(mode="after")
    def _check(self) -> "GradeRequest":
        if self.grader is None and self.env is None:
            raise ValueError("give grader or env")
        if (self.task_id is None) == (self.task is None):
            raise ValueError("give exactly one of task_id or task")
        if self.task_id is not None and self.env is None:
            raise ValueError("task_id needs env (tasks are looked up in an environment's suites)")
        if self.submission is None and self.trajectory is None:
            raise ValueError("give submission or trajectory")
        return self

    def to_submission(self) -> Submission:
        """What the grader gets: ``submission`` with the top-level ``trajectory`` in it, unless the
        submission brings its own (which then wins). Nothing is replayed (docs/server.md).

        Example:
            >>> said = [{"role": "assistant", "content": "4"}]
            >>> GradeRequest(grader="rubric", env="e", task_id="t", trajectory=said).to_submission().trajectory[0].content
            '4'
        """
        sub = self.submission or Submission()
        if self.trajectory is not None and sub.trajectory is None:
            sub = sub.model_copy(update={"trajectory": self.trajectory})
        return sub


class GradeBatchRequest(BaseModel):
    """``POST /v1/grade/batch``: many gradings in one request, run concurrently; one result per request, in order."""

    model_config = REQUEST_CONFIG
    requests: list[GradeRequest] = Field(min_length=1, max_length=4096)
    concurrency: int = Field(16, ge=1, le=256, description="gradings run at once")


class GradeBatchItem(BaseModel):
    """One slot of a batch: the grade, or the error that request would have got on its own (never dropped)."""

    index: int
    grade: Grade | None = None
    error: "ErrorInfo | None" = None


class GradeBatchResponse(BaseModel):
    results: list[GradeBatchItem]


class SuiteInfo(BaseModel):
    name: str
    version: str = "1"
    description: str = ""
    size: int | None = None
    splits: list[str] = Field(default_factory=list)


class SkippedTask(BaseModel):
    """A task of a suite that will not run here, and why: its files are malformed (the rest of the
    suite still loads), or this host or sandbox provider cannot run it. ``envgym check`` and
    ``envgym eval`` list these in a "skipped" table and run the others."""

    id: str
    reason: str
    source: str | None = None  # the file or directory the reason is about
    code: str = "unsupported_task_feature"


class EnvironmentSummary(BaseModel):
    id: str
    family: str
    version: str
    summary: str
    package: str | None = None


class EnvironmentDetail(EnvironmentSummary):
    tools: list[Tool] = Field(default_factory=list)
    suites: list[SuiteInfo] = Field(default_factory=list)
    observation_schema: dict[str, Any] = Field(default_factory=dict)
    action_schema: dict[str, Any] = Field(default_factory=dict)
    text_actions: str = ""


class TaskList(BaseModel):
    env: str
    total: int
    offset: int
    tasks: list[PublicTask]


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorBody(BaseModel):
    error: ErrorInfo


def json_schemas() -> dict[str, dict[str, Any]]:
    """JSON schemas of the wire models, keyed by model name."""
    models: list[type[BaseModel]] = [
        Task,
        PublicTask,
        Observation,
        Action,
        Message,
        Tool,
        StepResult,
        Grade,
        Submission,
        SessionCreate,
        SessionCreated,
        StepRequest,
        SessionState,
        GradeRequest,
        ErrorBody,
        EnvironmentDetail,
        TaskList,
        GradeBatchRequest,
        GradeBatchResponse,
    ]
    return {m.__name__: m.model_json_schema() for m in models}


GradeBatchItem.model_rebuild()
StepResult.model_rebuild()
