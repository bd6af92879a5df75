"""Evaluate claim extraction on the development corpus (``benchmarks/extraction_corpus``).

What: runs each engine over every text of the corpus and compares what it reports with the
hand-annotated gold claims and distractor sentences. A reported claim *matches* a gold claim
when its quote overlaps the gold quote in the text. Prints one JSON object with, per engine:

- ``recall``: matched forecastable gold claims / forecastable gold claims;
- ``precision``: reported claims that match any gold claim (vague ones included) / reported;
- ``distractors_reported``: distractor sentences reported as claims / distractors;
- ``speaker_accuracy``: matched gold claims whose speaker agrees (case-insensitive, a leading
  "the" ignored, one name containing the other, e.g. "Laurent" and "Pierre Laurent");
- ``resolve_by_accuracy``: matched forecastable gold claims whose ``resolve_by`` is within 31
  days of the gold date, or both absent;
- ``probability_text_accuracy``: matched gold claims whose probability words agree (both
  absent counts as agreement); ``probability_text_accuracy_stated`` only over gold claims that
  state a probability.

The ``llm`` engine runs when ``FORECASTS_LLM_BASE_URL`` and ``FORECASTS_LLM_MODEL`` are set;
otherwise it is reported as skipped. To run::

    .venv/bin/python benchmarks/extraction.py
    .venv/bin/python benchmarks/extraction.py --engine rules --details
    .venv/bin/python benchmarks/extraction.py --corpus extraction_heldout
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from forecasts.extract import Extraction, extract_rules

CORPUS = Path(__file__).resolve().parent / "extraction_corpus"
DATE_TOLERANCE_DAYS = 31


def _norm(text: str | None) -> str:
    words = (text or "").lower().replace("’", "'").split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words).strip(" .,")


def _speaker_ok(gold: str | None, found: str | None) -> bool:
    a, b = _norm(gold), _norm(found)
    if not a or not b:
        return a == b
    return a == b or a in b or b in a


def _date_ok(gold: Any, found: str | date | None) -> bool:
    if gold is None or found is None:
        return gold is None and found is None
    found_day = found if isinstance(found, date) else date.fromisoformat(found)
    return abs((found_day - gold).days) <= DATE_TOLERANCE_DAYS


def _span(text: str, quote: str, where: str) -> tuple[int, int]:
    start = text.find(quote)
    if start < 0:
        raise SystemExit(f"{where}: quote not in text: {quote!r}")
    return start, start + len(quote)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _run(engine: str, text: str, made_at: date) -> Extraction:
    if engine == "rules":
        return extract_rules(text, made_at=made_at)
    from forecasts.extract.llm import extract_llm
    from forecasts.extract.llm_client import ChatClient
    from forecasts.settings import load_settings

    settings = load_settings()
    assert settings.llm_base_url and settings.llm_model
    client = ChatClient(
        settings.llm_base_url,
        settings.llm_model,
        api_key=settings.llm_api_key,
        timeout=settings.llm_timeout,
    )
    try:
        return extract_llm(text, made_at=made_at, chat=client)
    finally:
        client.close()


def evaluate(engine: str, details: bool, corpus: Path = CORPUS) -> dict[str, Any]:
    totals = dict.fromkeys(
        ("gold_forecastable", "found_forecastable", "reported", "reported_matching",
         "distractors", "distractors_reported", "matched", "speaker_ok", "dated",
         "dated_ok", "probability_ok", "stated", "stated_ok"),
        0,
    )  # fmt: skip
    problems: list[dict[str, Any]] = []
    started = time.perf_counter()
    files = sorted(corpus.glob("*.yaml"))
    for path in files:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        text: str = doc["text"]
        extraction = _run(engine, text, doc["made_at"])
        claims = extraction.claims
        spans = [(c.start, c.end) for c in claims]
        gold_spans = [_span(text, g["quote"], path.name) for g in doc["gold"]]
        totals["reported"] += len(claims)
        totals["reported_matching"] += sum(any(_overlaps(s, g) for g in gold_spans) for s in spans)
        for quote in doc.get("distractors", []):
            span = _span(text, quote, path.name)
            totals["distractors"] += 1
            if any(_overlaps(span, s) for s in spans):
                totals["distractors_reported"] += 1
                problems.append({"file": path.name, "distractor_reported": quote})
        for gold, gspan in zip(doc["gold"], gold_spans, strict=True):
            claim = next(
                (c for c, s in zip(claims, spans, strict=True) if _overlaps(s, gspan)), None
            )
            if gold["forecastable"]:
                totals["gold_forecastable"] += 1
            if claim is None:
                if gold["forecastable"]:
                    problems.append({"file": path.name, "missed": gold["quote"]})
                continue
            totals["matched"] += 1
            totals["found_forecastable"] += gold["forecastable"]
            wrong: dict[str, Any] = {}
            if _speaker_ok(gold["speaker"], claim.speaker):
                totals["speaker_ok"] += 1
            else:
                wrong["speaker"] = [gold["speaker"], claim.speaker]
            if gold["forecastable"]:
                totals["dated"] += 1
                if _date_ok(gold["resolve_by"], claim.resolve_by):
                    totals["dated_ok"] += 1
                else:
                    wrong["resolve_by"] = [str(gold["resolve_by"]), str(claim.resolve_by)]
            same_words = _norm(gold["probability_text"]) == _norm(claim.probability_text)
            totals["probability_ok"] += same_words
            if gold["probability_text"]:
                totals["stated"] += 1
                totals["stated_ok"] += same_words
            if not same_words:
                wrong["probability_text"] = [gold["probability_text"], claim.probability_text]
            if wrong:
                problems.append({"file": path.name, "quote": gold["quote"], **wrong})

    def ratio(a: str, b: str) -> float | None:
        return round(totals[a] / totals[b], 3) if totals[b] else None

    result: dict[str, Any] = {
        "texts": len(files),
        "recall": ratio("found_forecastable", "gold_forecastable"),
        "precision": ratio("reported_matching", "reported"),
        "distractors_reported": ratio("distractors_reported", "distractors"),
        "speaker_accuracy": ratio("speaker_ok", "matched"),
        "resolve_by_accuracy": ratio("dated_ok", "dated"),
        "probability_text_accuracy": ratio("probability_ok", "matched"),
        "probability_text_accuracy_stated": ratio("stated_ok", "stated"),
        "counts": totals,
        "seconds": round(time.perf_counter() - started, 3),
    }
    if details:
        result["problems"] = problems
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["rules", "llm", "both"], default="both")
    parser.add_argument("--details", action="store_true", help="List every miss and mismatch.")
    parser.add_argument(
        "--corpus",
        default=CORPUS.name,
        help="A folder of annotated texts, beside this script or a path (default: %(default)s).",
    )
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        corpus = CORPUS.parent / args.corpus
    engines = ["rules", "llm"] if args.engine == "both" else [args.engine]
    report: dict[str, Any] = {"corpus": corpus.name, "engines": {}}
    for engine in engines:
        if engine == "llm" and not (
            os.environ.get("FORECASTS_LLM_BASE_URL") and os.environ.get("FORECASTS_LLM_MODEL")
        ):
            report["engines"][engine] = {
                "skipped": "FORECASTS_LLM_BASE_URL and FORECASTS_LLM_MODEL not set"
            }
            continue
        report["engines"][engine] = evaluate(engine, args.details, corpus)
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
