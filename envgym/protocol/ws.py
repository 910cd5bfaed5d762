"""The WebSocket message shapes of ``WS /v1/sessions/{id}/ws``, shared by server and client.

One socket carries one session. Client → server messages (JSON text frames):

* ``{"type": "reset", "env": ..., "task_id" | "task": ..., "seed"?, "options"?}`` — creates the
  session under the id in the socket's path (like ``POST /v1/sessions``); only on a socket whose
  id is not an existing session;
* ``{"type": "step", "action": ...}`` — like ``POST /v1/sessions/{id}/step``;
* ``{"type": "close"}`` — like ``DELETE /v1/sessions/{id}``; the server answers, then closes the socket.

Server → client: ``{"type": "reset", "session_id", "observation", "info"}``, ``{"type": "step",
"result": StepResult}``, ``{"type": "closed", "session_id"}`` or ``{"type": "error", "error":
{"code", "message", "details"}}`` (the same codes as REST; the socket stays open after an error).
Every message may carry an ``id`` that the reply echoes, for clients that want to correlate.

Example:
    >>> msg = CLIENT_MESSAGE.validate_json('{"type": "step", "action": "hello"}')
    >>> msg.action.content
    'hello'
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from envgym.protocol import Action, ErrorInfo, Observation, SessionCreate, StepResult


class WsReset(SessionCreate):
    type: Literal["reset"] = "reset"
    id: str | int | None = None


class WsStep(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["step"] = "step"
    id: str | int | None = None
    action: Action


class WsClose(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["close"] = "close"
    id: str | int | None = None


class WsResetDone(BaseModel):
    type: Literal["reset"] = "reset"
    id: str | int | None = None
    session_id: str
    observation: Observation
    info: dict[str, Any] = Field(default_factory=dict)


class WsStepDone(BaseModel):
    type: Literal["step"] = "step"
    id: str | int | None = None
    result: StepResult


class WsClosed(BaseModel):
    type: Literal["closed"] = "closed"
    id: str | int | None = None
    session_id: str


class WsError(BaseModel):
    type: Literal["error"] = "error"
    id: str | int | None = None
    error: ErrorInfo


ClientMessage = Annotated[Union[WsReset, WsStep, WsClose], Field(discriminator="type")]
ServerMessage = Annotated[Union[WsResetDone, WsStepDone, WsClosed, WsError], Field(discriminator="type")]
CLIENT_MESSAGE: TypeAdapter[Any] = TypeAdapter(ClientMessage)
SERVER_MESSAGE: TypeAdapter[Any] = TypeAdapter(ServerMessage)
