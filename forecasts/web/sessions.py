"""Signed session cookies and CSRF tokens for the pages (not for ``/api``: tokens there).

The cookie holds a random nonce, the signed-in handle and its password version, signed with
itsdangerous; it is HttpOnly and SameSite=Lax (Secure over https). Every form carries
``csrf_token``, an HMAC of the nonce, so a page of another site cannot post for a visitor.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["COOKIE", "MAX_AGE", "SessionMiddleware", "SessionSigner", "WebSession"]

COOKIE = "forecasts_session"
MAX_AGE = 14 * 24 * 3600


@dataclass(frozen=True)
class WebSession:
    nonce: str
    csrf_token: str
    handle: str | None = None
    version: str | None = None


class SessionSigner:
    """Makes, signs and reads session cookies with one key."""

    def __init__(self, secret: str) -> None:
        self._key = secret.encode("utf-8")
        self._serializer = URLSafeTimedSerializer(secret, salt="forecasts.session")

    def _session(self, nonce: str, handle: str | None, version: str | None) -> WebSession:
        token = hmac.new(self._key, b"csrf:" + nonce.encode(), hashlib.sha256).hexdigest()
        return WebSession(nonce=nonce, csrf_token=token, handle=handle, version=version)

    def new(self, handle: str | None = None, version: str | None = None) -> WebSession:
        """A fresh session (a new nonce: signing in never keeps a token seen before)."""
        return self._session(secrets.token_urlsafe(24), handle, version)

    def load(self, value: str | None) -> WebSession | None:
        if not value:
            return None
        try:
            data: Any = self._serializer.loads(value, max_age=MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("n"), str):
            return None
        handle, version = data.get("h"), data.get("v")
        if not (isinstance(handle, str) and isinstance(version, str)):
            handle = version = None
        return self._session(data["n"], handle, version)

    def header(self, session: WebSession, *, secure: bool) -> str:
        """The ``Set-Cookie`` value for ``session``."""
        value = self._serializer.dumps(
            {"n": session.nonce, "h": session.handle, "v": session.version}
        )
        flags = f"Max-Age={MAX_AGE}; Path=/; HttpOnly; SameSite=Lax"
        return f"{COOKIE}={value}; {flags}" + ("; Secure" if secure else "")

    def valid_csrf(self, session: WebSession, given: object) -> bool:
        return isinstance(given, str) and hmac.compare_digest(given, session.csrf_token)


def _cookie(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                name, _, content = part.strip().partition("=")
                if name == COOKIE:
                    return str(content)
    return None


class SessionMiddleware:
    """Puts the visitor's session in ``request.state.session``; sets a cookie for a new one.

    Plain ASGI (no BaseHTTPMiddleware): the API under ``/api`` passes straight through.
    """

    def __init__(self, app: ASGIApp, signer: SessionSigner) -> None:
        self.app = app
        self.signer = signer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/api"):
            await self.app(scope, receive, send)
            return
        session = self.signer.load(_cookie(scope))
        fresh = session is None
        if session is None:
            session = self.signer.new()
        scope.setdefault("state", {})["session"] = session
        if not fresh:
            await self.app(scope, receive, send)
            return
        cookie = self.signer.header(session, secure=scope.get("scheme") == "https")
        prefix = (COOKIE + "=").encode()

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # A response that sets its own session (sign-in, sign-out) keeps it.
                if not any(k == b"set-cookie" and v.startswith(prefix) for k, v in headers):
                    headers.append((b"set-cookie", cookie.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)
