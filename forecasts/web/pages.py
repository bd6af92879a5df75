"""Server-rendered pages (Jinja2, inline SVG, no JavaScript) from the same app as the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from forecasts.api.deps import StoreDep
from forecasts.domain import Metric, Question, QuestionStatus
from forecasts.errors import NotFoundError
from forecasts.records import RecordFilter
from forecasts.records.crowd import CrowdMethod
from forecasts.services.authoring import Comment, QuestionSettings, settings_and_comments
from forecasts.services.browsing import Claim, claims_of
from forecasts.services.forecaster_page import kept_forecaster_page
from forecasts.services.queries import list_questions
from forecasts.services.question_page import kept_page, page_key, question_view
from forecasts.services.scores import board, record_of
from forecasts.timeutils import utc_now

from .auth import session_of
from .charts import reliability_svg
from .formatting import register_filters
from .forms import prepare_question
from .index_pages import build_index_router
from .question_view import question_parts
from .templating import preload_templates

__all__ = ["build_router"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_PAGES = (
    "home.html",
    "question.html",
    "forecaster.html",
    "leaderboard.html",
    "questions.html",
    "forecasters.html",
    "missing.html",
)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def build_router(*, preload: bool = False) -> APIRouter:
    """The page routes; templates are loaded when this is called, not at import (and
    compiled now with ``preload``)."""
    templates = Jinja2Templates(directory=str(_TEMPLATES))
    templates.env.filters["num"] = _fmt
    templates.env.filters["pct"] = lambda v: "–" if v is None else f"{v:.0%}"
    templates.env.filters["day"] = lambda d: d.date().isoformat() if d is not None else "–"
    # Only http(s) sources become links: a stored "javascript:" URL must stay inert text.
    templates.env.filters["web_url"] = lambda u: (
        bool(u) and u.lower().startswith(("http://", "https://"))
    )
    register_filters(templates.env)
    router = APIRouter(include_in_schema=False)

    def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    def missing(request: Request, exc: NotFoundError) -> HTMLResponse:
        return render(request, "missing.html", status_code=404, message=exc.message)

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request, store: StoreDep) -> HTMLResponse:
        now = utc_now()
        outcomes = store.current_outcomes()
        lines = list_questions(store, as_of=now)
        questions = [line.question for line in lines]
        open_questions = [ln.question for ln in lines if ln.status is QuestionStatus.OPEN]
        resolutions = {r.question_id: r for r in store.resolutions()}
        resolved = sorted(
            (q for q in questions if q.id in resolutions),
            key=lambda q: resolutions[q.id].resolved_at,
            reverse=True,
        )[:10]
        ranked = board(store, as_of=now, intervals=False)
        return render(
            request,
            "home.html",
            open_questions=open_questions,
            resolved=resolved,
            outcomes=outcomes,
            board=ranked,
        )

    @router.get("/questions/{question_id}", response_class=HTMLResponse)
    def question_page(
        question_id: str, request: Request, store: StoreDep, crowd: CrowdMethod = "median"
    ) -> HTMLResponse:
        now = utc_now()
        try:
            key = page_key(store, question_id, as_of=now)
        except NotFoundError as exc:
            return missing(request, exc)
        extras = settings_and_comments(store, question_id)

        def build() -> str:
            view = question_view(store, question_id, as_of=now, key=key)
            detail = view.detail
            question = detail.question
            # Hidden forecasts stay out of the table, the charts and the crowd line alike.
            forecasts = prepare_question(request, store, question.id, detail.forecasts, extras)
            context = question_parts(templates, view, forecasts, now=now, method=crowd)
            return templates.env.get_template("question.html").render(
                request=request,
                question=question,
                status=detail.status,
                resolution=detail.resolution,
                corrections=detail.corrections,
                evidence=view.evidence,
                spec=_spec(question),
                **context,
            )

        if session_of(request).handle is not None:
            return HTMLResponse(build())
        # Every visitor who is not signed in sees the same page: kept whole, named by what
        # it shows beside the ledgered rows (settings, comments, crowd method).
        return HTMLResponse(kept_page(key, _anonymous_name(crowd, *extras), build))

    @router.get("/forecasters/{handle}", response_class=HTMLResponse)
    def forecaster_page(
        handle: str, request: Request, store: StoreDep, platform: str | None = None
    ) -> HTMLResponse:
        now = utc_now()
        chosen = RecordFilter(platform=platform[:64]) if platform else None

        def build() -> tuple[str, list[Claim]]:
            forecaster, claims = claims_of(store, handle, as_of=now)
            record = record_of(store, handle, as_of=now, filters=chosen)
            diagram = Markup(reliability_svg(record.reliability, record.calibration))
            page = templates.env.get_template("forecaster.html").render(
                request=request, forecaster=forecaster, record=record, diagram=diagram,
                claims=claims,
            )  # fmt: skip
            return page, claims

        try:
            if session_of(request).handle is not None:
                return HTMLResponse(build()[0])
            # Every visitor who is not signed in sees the same page: kept per ledger head.
            name = "anonymous" if chosen is None else f"anonymous {chosen.platform}"
            return HTMLResponse(kept_forecaster_page(store, handle, name, as_of=now, build=build))
        except NotFoundError as exc:
            return missing(request, exc)

    @router.get("/leaderboard", response_class=HTMLResponse)
    def leaderboard_page(
        request: Request,
        store: StoreDep,
        metric: Metric = Metric.BRIER,
        min_n: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
        common: bool = False,
    ) -> HTMLResponse:
        ranked = board(store, as_of=utc_now(), metric=metric, min_n=min_n, common=common)
        return render(request, "leaderboard.html", board=ranked, metrics=[m.value for m in Metric])

    router.include_router(build_index_router(templates))
    if preload:
        preload_templates(templates, _PAGES)
    return router


def _anonymous_name(crowd: str, settings: QuestionSettings, notes: list[Comment]) -> str:
    """The name of a question page as a visitor who is not signed in sees it. Comments are
    only ever added, so their count and last id stand for all of them."""
    last = notes[-1].id if notes else 0
    return f"anonymous {crowd} {settings.owner!r} {settings.hide_forecasts} {len(notes)} {last}"


def _spec(question: Question) -> str | None:
    if question.resolution is None:
        return None
    return json.dumps(question.resolution, indent=2, ensure_ascii=False, sort_keys=True)
