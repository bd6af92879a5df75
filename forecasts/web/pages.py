"""Server-rendered pages (Jinja2, inline SVG, no JavaScript) from the same app as the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy import select

from forecasts.api.deps import StoreDep
from forecasts.db.store import Store
from forecasts.db.tables import EvidenceRow
from forecasts.domain import Question, QuestionKind, question_status
from forecasts.errors import NotFoundError
from forecasts.records import METRICS, leaderboard, load_record_data, track_record
from forecasts.timeutils import as_utc, utc_now

from .charts import history_svg, reliability_svg

__all__ = ["build_router"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"

Metric = Literal["brier", "brier_time_weighted", "log_score", "brier_relative", "peer_score"]


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _evidence(store: Store, question_id: str) -> list[dict[str, Any]]:
    table = EvidenceRow.__table__  # type: ignore[attr-defined]
    with store.reading() as session:
        rows = session.connection().execute(
            select(
                table.c.url,
                table.c.fetched_at,
                table.c.status,
                table.c.content_type,
                table.c.sha256,
                table.c.size,
            )
            .where(table.c.question_id == question_id)
            .order_by(table.c.fetched_at)
        )
        return [
            {
                "url": url,
                "fetched_at": as_utc(fetched),
                "status": status,
                "content_type": ctype,
                "sha256": digest,
                "size": size,
            }
            for url, fetched, status, ctype, digest, size in rows
        ]


def build_router() -> APIRouter:
    """The page routes; templates are loaded when this is called, not at import."""
    templates = Jinja2Templates(directory=str(_TEMPLATES))
    templates.env.filters["num"] = _fmt
    templates.env.filters["pct"] = lambda v: "–" if v is None else f"{v:.0%}"
    templates.env.filters["day"] = lambda d: d.date().isoformat() if d is not None else "–"
    # Only http(s) sources become links: a stored "javascript:" URL must stay inert text.
    templates.env.filters["web_url"] = lambda u: (
        bool(u) and u.lower().startswith(("http://", "https://"))
    )
    router = APIRouter(include_in_schema=False)

    def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    def missing(request: Request, exc: NotFoundError) -> HTMLResponse:
        return render(request, "missing.html", status_code=404, message=exc.message)

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request, store: StoreDep) -> HTMLResponse:
        now = utc_now()
        outcomes = store.current_outcomes()
        questions = store.questions()
        resolutions = {r.question_id: r for r in store.resolutions()}
        open_questions = [
            q for q in questions if question_status(q, resolved=outcomes.get(q.id), as_of=now)
            in ("open",)
        ]  # fmt: skip
        resolved = sorted(
            (q for q in questions if q.id in resolutions),
            key=lambda q: resolutions[q.id].resolved_at,
            reverse=True,
        )[:10]
        board = leaderboard(load_record_data(store, as_of=now), metric="brier", intervals=False)
        return render(
            request,
            "home.html",
            open_questions=open_questions,
            resolved=resolved,
            outcomes=outcomes,
            board=board,
        )

    @router.get("/questions/{question_id}", response_class=HTMLResponse)
    def question_page(question_id: str, request: Request, store: StoreDep) -> HTMLResponse:
        question = store.question(question_id)
        if question is None:
            return missing(request, NotFoundError("question", question_id))
        now = utc_now()
        outcome = store.current_outcomes().get(question.id)
        forecasts = store.forecasts(question_id=question.id)
        names = {f.handle: f.name for f in store.forecasters()}
        chart = None
        if question.kind is QuestionKind.BINARY and forecasts:
            series: dict[str, list[Any]] = {}
            for f in forecasts:
                if f.probability is not None:
                    series.setdefault(names.get(f.forecaster, f.forecaster), []).append(
                        (f.made_at, f.probability)
                    )
            end = min(question.closes_at, max(now, question.opens_at))
            chart = Markup(history_svg(list(series.items()), start=question.opens_at, end=end))
        return render(
            request,
            "question.html",
            question=question,
            status=question_status(question, resolved=outcome, as_of=now),
            resolution=store.resolution(question.id),
            corrections=store.corrections(question.id),
            evidence=_evidence(store, question.id),
            forecasts=forecasts,
            names=names,
            chart=chart,
            spec=_spec(question),
        )

    @router.get("/forecasters/{handle}", response_class=HTMLResponse)
    def forecaster_page(handle: str, request: Request, store: StoreDep) -> HTMLResponse:
        forecaster = store.forecaster(handle)
        if forecaster is None:
            return missing(request, NotFoundError("forecaster", handle))
        data = load_record_data(store, as_of=utc_now(), forecaster=handle)
        record = track_record(data, handle)
        diagram = Markup(reliability_svg(record.reliability, record.calibration))
        quoted = [f for f in store.forecasts(forecaster=handle) if f.provenance.quote]
        return render(
            request,
            "forecaster.html",
            forecaster=forecaster,
            record=record,
            diagram=diagram,
            quoted=quoted,
        )

    @router.get("/leaderboard", response_class=HTMLResponse)
    def leaderboard_page(
        request: Request,
        store: StoreDep,
        metric: Metric = "brier",
        min_n: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
        common: bool = False,
    ) -> HTMLResponse:
        data = load_record_data(store, as_of=utc_now())
        board = leaderboard(data, metric=metric, min_n=min_n, common=common)
        return render(request, "leaderboard.html", board=board, metrics=list(METRICS))

    return router


def _spec(question: Question) -> str | None:
    if question.resolution is None:
        return None
    return json.dumps(question.resolution, indent=2, ensure_ascii=False, sort_keys=True)
