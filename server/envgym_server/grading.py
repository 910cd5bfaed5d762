"""``POST /v1/grade/batch``: many submissions in one request, graded concurrently (a trainer's
reward function scores a whole batch of completions at once), each exactly as ``POST /v1/grade``
grades it.

Each batch slot holds the grade or the error that request would have got on its own, in request
order, so a batch never loses a slot; a grading failure is a grade with ``status: grader_error``
as in the single form. Every grading obeys the server's step timeout.

Example (with the server running):
    $ curl -s localhost:8000/v1/grade/batch -H 'content-type: application/json' -d '{"requests": [
        {"env": "debug/echo", "task_id": "echo-3", "submission": {"answer": "delta"}},
        {"env": "debug/echo", "task_id": "echo-3", "submission": {"answer": "echo"}}]}'
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from starlette.responses import Response

from envgym.protocol import (
    ErrorBody,
    ErrorInfo,
    Grade,
    GradeBatchItem,
    GradeBatchRequest,
    GradeBatchResponse,
    GradeRequest,
)
from envgym.protocol.errors import EnvgymError
from envgym_server import routes

router = APIRouter()


@router.post(
    "/v1/grade/batch", response_model=GradeBatchResponse, responses={422: {"model": ErrorBody}}, tags=["grading"]
)
async def grade_batch(body: GradeBatchRequest, request: Request) -> Response:
    """Grade many submissions concurrently; ``results[i]`` answers ``requests[i]`` with a grade or an error."""
    gate = asyncio.Semaphore(body.concurrency)

    async def one(index: int, item: GradeRequest) -> GradeBatchItem:
        async with gate:
            try:
                # Each slot is graded exactly as POST /v1/grade grades it (same limits and checks).
                answer = await routes.grade(item, request)
                return GradeBatchItem(index=index, grade=Grade.model_validate_json(bytes(answer.body)))
            except EnvgymError as exc:
                return GradeBatchItem(index=index, error=exc.to_body().error)
            except Exception as exc:  # noqa: BLE001 — one broken grading must not lose the other slots
                return GradeBatchItem(
                    index=index, error=ErrorInfo(code="internal_error", message=f"{type(exc).__name__}: {exc}")
                )

    results = await asyncio.gather(*(one(i, r) for i, r in enumerate(body.requests)))
    return routes.json_response(GradeBatchResponse(results=list(results)))
