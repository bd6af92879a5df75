"""The forms of the pages: new question, forecast (and update), resolve and annul, quick
capture. Every POST checks its CSRF token first; a refused form is shown again with the field
and the problem (4xx), and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from forecasts.api.deps import StoreDep
from forecasts.domain import Forecast
from forecasts.errors import FieldError, ForbiddenError, InputError, NotFoundError
from forecasts.quick import parse_quick
from forecasts.services.accounts import session_secret
from forecasts.services.authoring import (
    Comment,
    QuestionSettings,
    comment,
    create_question,
    predict,
    resolve_as,
    settings_and_comments,
    visible_forecasts,
)
from forecasts.services.forecasting import add_forecast, new_id
from forecasts.services.ledger import Store
from forecasts.services.queries import get_question
from forecasts.settings import Settings
from forecasts.timeutils import utc_now

from .auth import CsrfRefused, FormDep, SignInRequired, build_auth_router, session_of, signed_in
from .form_fields import forecast_input, question_from_form
from .sessions import SessionMiddleware, SessionSigner
from .templating import preload_templates

__all__ = ["build_forms_router", "install_forms", "prepare_question"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_FORMS = (
    "login.html",
    "question_new.html",
    "question_form.html",
    "quick.html",
    "refused.html",
    "missing.html",
)


def _status(exc: InputError) -> int:
    if isinstance(exc, ForbiddenError):
        return 403
    if isinstance(exc, NotFoundError):
        return 404
    return 409 if exc.code == "conflict" else 422


def _error(exc: InputError) -> dict[str, str]:
    if isinstance(exc, FieldError):
        return {"field": exc.field, "message": exc.problem}
    return {"field": "", "message": exc.message}


def prepare_question(
    request: Request,
    store: Store,
    question_id: str,
    forecasts: list[Forecast],
    extras: tuple[QuestionSettings, list[Comment]] | None = None,
) -> list[Forecast]:
    """What the question page's forms need (kept on ``request.state.forms``), and the
    forecasts the visitor may see (``extras``: the question's settings and comments, when
    the caller has read them)."""
    handle = session_of(request).handle
    settings, notes = extras or settings_and_comments(store, question_id)
    shown, hidden = visible_forecasts(
        store, question_id, forecasts, viewer=handle, settings=settings
    )
    account = None
    if handle is not None:
        try:
            account = signed_in(request, store)
        except SignInRequired:
            account = None
    if hidden or (settings.hide_forecasts and not shown and store.resolution(question_id) is None):
        # Comments would give away the hidden forecasts' reasons.
        notes = [c for c in notes if c.author == handle]
    request.state.forms = {
        "comments": notes,
        "hidden": hidden,
        "hide_forecasts": settings.hide_forecasts,
        # The same rule as services.authoring.may_resolve, on the settings already read.
        "may_resolve": account is not None and (account.admin or settings.owner == account.handle),
        "mine": next((f for f in reversed(forecasts) if f.forecaster == handle), None),
    }
    return shown


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(_TEMPLATES))
    templates.env.filters["day"] = lambda d: d.date().isoformat() if d is not None else "–"
    return templates


def build_forms_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    def question_again(
        request: Request, store: Store, question_id: str, exc: InputError, form: FormDep
    ) -> Response:
        question = get_question(store, question_id)
        shown = prepare_question(
            request, store, question_id, store.forecasts(question_id=question_id)
        )
        return render(
            request,
            "question_form.html",
            _status(exc),
            question=question,
            forecasts=shown,
            resolution=store.resolution(question_id),
            form_error=_error(exc),
            values=dict(form),
        )

    @router.get("/questions/new", response_class=HTMLResponse)
    def new_question_page(request: Request, store: StoreDep) -> Response:
        signed_in(request, store)
        return render(request, "question_new.html", values={}, form_error=None)

    @router.post("/questions/new", response_model=None)
    def new_question(request: Request, store: StoreDep, form: FormDep) -> Response:
        account = signed_in(request, store, "/questions/new")
        now = utc_now()
        try:
            question = question_from_form(form, question_id=new_id("q"), as_of=now)
            create_question(
                store,
                question,
                owner=account.handle,
                hide_forecasts=bool(form.get("hide_forecasts")),
                as_of=now,
            )
        except InputError as exc:
            return render(
                request,
                "question_new.html",
                _status(exc),
                values=dict(form),
                form_error=_error(exc),
            )
        return RedirectResponse(f"/questions/{question.id}", status_code=303)

    @router.post("/questions/{question_id}/forecast", response_model=None)
    def forecast(question_id: str, request: Request, store: StoreDep, form: FormDep) -> Response:
        account = signed_in(request, store, f"/questions/{question_id}")
        try:
            question = get_question(store, question_id)
            entry = forecast_input(question, form, by=account.handle)
            add_forecast(store, entry, as_of=utc_now())
        except NotFoundError as exc:
            return render(request, "missing.html", 404, message=exc.message)
        except InputError as exc:
            return question_again(request, store, question_id, exc, form)
        return RedirectResponse(f"/questions/{question_id}#forecasts", status_code=303)

    def resolving(
        request: Request, store: Store, question_id: str, form: FormDep, outcome: str
    ) -> Response:
        account = signed_in(request, store, f"/questions/{question_id}")
        try:
            resolve_as(
                store,
                question_id,
                outcome=outcome,
                handle=account.handle,
                admin=account.admin,
                note=str(form.get("resolution_note", "")),
                as_of=utc_now(),
            )
        except NotFoundError as exc:
            return render(request, "missing.html", 404, message=exc.message)
        except InputError as exc:
            if isinstance(exc, FieldError) and exc.field == "note":
                exc = FieldError("resolution_note", exc.problem)
            return question_again(request, store, question_id, exc, form)
        return RedirectResponse(f"/questions/{question_id}", status_code=303)

    @router.post("/questions/{question_id}/resolve", response_model=None)
    def resolve(question_id: str, request: Request, store: StoreDep, form: FormDep) -> Response:
        outcome = str(form.get("outcome", "")).strip()
        if outcome.lower() == "annulled":
            outcome = ""  # annulling has its own button, so it is never a slip of the select
        return resolving(request, store, question_id, form, outcome)

    @router.post("/questions/{question_id}/annul", response_model=None)
    def annul(question_id: str, request: Request, store: StoreDep, form: FormDep) -> Response:
        return resolving(request, store, question_id, form, "annulled")

    @router.post("/questions/{question_id}/comment", response_model=None)
    def add_comment(question_id: str, request: Request, store: StoreDep, form: FormDep) -> Response:
        account = signed_in(request, store, f"/questions/{question_id}")
        try:
            comment(
                store,
                question_id,
                by=account.handle,
                body=str(form.get("comment", "")),
                as_of=utc_now(),
            )
        except NotFoundError as exc:
            return render(request, "missing.html", 404, message=exc.message)
        except InputError as exc:
            return question_again(request, store, question_id, exc, form)
        return RedirectResponse(f"/questions/{question_id}#comments", status_code=303)

    @router.post("/quick", response_model=None)
    def quick(request: Request, store: StoreDep, form: FormDep) -> Response:
        account = signed_in(request, store, "/")
        try:
            question, _ = predict(
                store, parse_quick(str(form.get("quick", ""))), by=account.handle, as_of=utc_now()
            )
        except InputError as exc:
            return render(
                request, "quick.html", _status(exc), values=dict(form), form_error=_error(exc)
            )
        return RedirectResponse(f"/questions/{question.id}", status_code=303)

    return router


def install_forms(app: FastAPI, settings: Settings, store: Store, *, preload: bool = False) -> None:
    """Sessions, sign-in and the form routes (before the pages: ``/questions/new`` must not
    be read as a question id); ``preload`` compiles their templates now."""
    templates = _templates()
    if preload:
        preload_templates(templates, _FORMS)
    signer = SessionSigner(session_secret(store, _secret(settings)))
    app.state.session_signer = signer
    app.add_middleware(SessionMiddleware, signer=signer)

    async def refused(request: Request, _exc: Exception) -> Response:
        return templates.TemplateResponse(
            request,
            "refused.html",
            {"message": "the form's CSRF token is missing or wrong; reload the page and try again"},
            status_code=403,
        )

    async def sign_in_first(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        if request.method == "GET":
            return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)
        context = {
            "next": exc.next_path,
            "handle": "",
            "error": {"field": "handle", "message": "sign in first"},
        }
        return templates.TemplateResponse(request, "login.html", context, status_code=401)

    app.add_exception_handler(CsrfRefused, refused)
    app.add_exception_handler(SignInRequired, sign_in_first)
    app.include_router(build_auth_router(templates))
    app.include_router(build_forms_router(templates))


def _secret(settings: Settings) -> str | None:
    secret = settings.session_secret
    return None if secret is None else secret.get_secret_value()
