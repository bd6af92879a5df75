"""Request limits and a validation answer that any input can be echoed in.

A request body over ``max_body`` bytes is refused with 413 before it is read into memory
(by its Content-Length, or while a chunked body streams in). FastAPI's 422 body echoes the
offending input; JSON cannot hold NaN or infinity, so such inputs are echoed as text.
"""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MAX_BODY_BYTES", "BodyLimit", "validation_response"]

MAX_BODY_BYTES = 1_000_000


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse(
        status_code=413,
        content={
            "detail": {
                "code": "too_large",
                "message": f"request body: larger than the limit of {limit} bytes",
            }
        },
    )


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: 413 for a request body over ``max_body`` bytes."""

    def __init__(self, app: ASGIApp, *, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body:
                await _too_large(self.max_body)(scope, receive, send)
                return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, tracking)
        except _TooLarge:
            if not started:
                await _too_large(self.max_body)(scope, receive, send)


def _safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): _safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_safe(v) for v in value]
    return value


async def validation_response(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 shape, with non-finite numbers in echoed input written as text."""
    assert isinstance(exc, RequestValidationError)
    errors = _safe(jsonable_encoder(exc.errors(), custom_encoder={float: _safe}))
    json.dumps(errors, allow_nan=False)  # fail here, loudly, rather than as a bare 500
    return JSONResponse(status_code=422, content={"detail": errors})
