"""Signing in and out of the pages, the CSRF check of every form, who is signed in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from forecasts.api.deps import StoreDep
from forecasts.services.accounts import Account, account_of, sign_in

from .sessions import SessionSigner, WebSession

__all__ = [
    "CsrfRefused",
    "FormDep",
    "SignInRequired",
    "build_auth_router",
    "checked_form",
    "session_of",
    "signed_in",
]


class CsrfRefused(Exception):
    """A POST without the form's valid ``csrf_token``: answered 403, nothing written."""


class SignInRequired(Exception):
    """A page or form that needs a signed-in forecaster."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def session_of(request: Request) -> WebSession:
    session: WebSession = request.state.session
    return session


async def checked_form(request: Request) -> FormData:
    """The posted form, after its CSRF token is checked against the session."""
    form = await request.form()
    signer: SessionSigner = request.app.state.session_signer
    if not signer.valid_csrf(session_of(request), form.get("csrf_token")):
        raise CsrfRefused()
    return form


FormDep = Annotated[FormData, Depends(checked_form)]


def signed_in(request: Request, store: StoreDep, next_path: str | None = None) -> Account:
    """The signed-in account; a session from before a password change no longer counts."""
    session = session_of(request)
    account = None if session.handle is None else account_of(store, session.handle)
    if account is None or account.version != session.version:
        raise SignInRequired(next_path or request.url.path)
    return account


def _safe_next(value: object) -> str:
    # Only a path on this site: an open redirect would let a link send people elsewhere.
    # Browsers read a backslash as a slash ("/\host" is "//host") and drop tabs and newlines.
    if (
        isinstance(value, str)
        and value.startswith("/")
        and value[1:2] not in ("/", "\\")
        and value.isprintable()
    ):
        return value
    return "/"


def build_auth_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> HTMLResponse:  # noqa: A002
        return templates.TemplateResponse(
            request, "login.html", {"next": _safe_next(next), "handle": "", "error": None}
        )

    @router.post("/login", response_model=None)
    def login(request: Request, store: StoreDep, form: FormDep) -> Response:
        handle = str(form.get("handle", "")).strip()
        password = str(form.get("password", ""))
        target = _safe_next(form.get("next"))
        account = sign_in(store, handle, password) if handle and password else None
        if account is None:
            error = {
                "field": "password" if handle else "handle",
                "message": "wrong handle or password" if handle else "required",
            }
            context = {"next": target, "handle": handle, "error": error}
            return templates.TemplateResponse(request, "login.html", context, status_code=401)
        signer: SessionSigner = request.app.state.session_signer
        response = RedirectResponse(target, status_code=303)
        session = signer.new(account.handle, account.version)
        secure = request.url.scheme == "https"
        response.headers.append("set-cookie", signer.header(session, secure=secure))
        return response

    @router.post("/logout", dependencies=[Depends(checked_form)])
    def logout(request: Request) -> RedirectResponse:
        signer: SessionSigner = request.app.state.session_signer
        response = RedirectResponse("/", status_code=303)
        secure = request.url.scheme == "https"
        response.headers.append("set-cookie", signer.header(signer.new(), secure=secure))
        return response

    return router
