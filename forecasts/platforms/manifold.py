"""Manifold: a user's bets as probabilities, and the markets' resolutions.

Shapes as Manifold's API serves them (``docs/docs/api.md``, ``common/src/bet.ts`` and
``common/src/contract.ts`` in manifoldmarkets/manifold): ``/v0/user/{username}`` gives ``id``,
``username`` and ``name``; ``/v0/bets?userId=`` lists bets newest first with ``id``,
``userId``, ``contractId``, ``answerId`` (multi-answer markets), ``createdTime`` (epoch ms),
``amount``, ``shares``, ``outcome``, ``probBefore``, ``probAfter``, ``isRedemption``,
``isFilled``, ``isCancelled``, ``limitProb``; ``/v0/market/{id}`` gives ``question``,
``outcomeType``, ``createdTime``, ``closeTime``, ``isResolved``, ``resolution`` (YES, NO, MKT,
CANCEL, or an answer id), ``resolutionTime``, ``resolutionProbability``, ``url`` and
``answers`` (``id``, ``text``, ``resolution``).

As Manifold's own calibration page does, each trade counts as the forecast "the market
probability after my trade" (``probAfter``). Each answer of a multi-answer market is its own
binary question (answers need not sum to one). MKT resolutions pay out at a probability, which
a yes/no score cannot use, so they are annulled like CANCEL, with the probability noted.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from .common import Item, Parsed

__all__ = ["parse_manifold"]

_MAX_TITLE = 500


class _Bad(Exception):
    pass


def _ms(value: Any, field: str) -> datetime:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _Bad(f"{field}: expected epoch milliseconds, got {json.dumps(value)}")
    return datetime.fromtimestamp(value / 1000, UTC)


def _title(question: str, answer: str | None) -> str:
    full = f"{question} — {answer}" if answer else question
    return full if len(full) <= _MAX_TITLE else full[: _MAX_TITLE - 1] + "…"


def parse_manifold(
    user: Any,
    bets: list[tuple[str, Any]],
    markets: dict[str, tuple[str, Any]],
) -> Parsed:
    """``user`` document, bet pages (URL, list) and markets by id (URL, document)."""
    parsed = Parsed("manifold")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        parsed.problems.append(("user", "expected a user with an id"))
        return parsed
    name = str(user.get("name") or user.get("username") or user["id"]).strip()
    parsed.items.append(Item("forecasters", "user", {"name": name}))
    made: dict[str, dict[str, Any]] = {}
    for page_index, (url, page) in enumerate(bets):
        if not isinstance(page, list):
            parsed.problems.append((url, "expected a list of bets"))
            continue
        # Oldest first, so the forecasts of a question follow each other in time.
        for index, bet in reversed(list(enumerate(page))):
            where = f"bets page {page_index + 1}[{index}]"
            try:
                _bet(bet, where, user["id"], name, markets, made, parsed)
            except _Bad as exc:
                parsed.problems.append((where, str(exc)))
    return parsed


def _bet(
    bet: Any,
    where: str,
    user_id: str,
    name: str,
    markets: dict[str, tuple[str, Any]],
    made: dict[str, dict[str, Any]],
    parsed: Parsed,
) -> None:
    if not isinstance(bet, dict) or not isinstance(bet.get("id"), str):
        raise _Bad("expected a bet with an id")
    bid = bet["id"]
    if bet.get("userId") != user_id:
        raise _Bad(f"bet {bid}: userId {json.dumps(bet.get('userId'))} is not the user's")
    if bet.get("isRedemption"):
        parsed.skipped.append((where, f"bet {bid}: a redemption, not a trade"))
        return
    if not bet.get("shares") and not bet.get("amount"):
        state = "cancelled" if bet.get("isCancelled") else "unfilled"
        parsed.skipped.append((where, f"bet {bid}: {state} limit order moved no price"))
        return
    contract = bet.get("contractId")
    if contract not in markets:
        raise _Bad(f"bet {bid}: market {json.dumps(contract)} was not fetched")
    market_url, market = markets[str(contract)]
    if not isinstance(market, dict):
        raise _Bad(f"bet {bid}: market {contract} is not an object")
    answer = bet.get("answerId")
    kind = market.get("outcomeType")
    if kind not in ("BINARY", "MULTIPLE_CHOICE") or (kind == "MULTIPLE_CHOICE") != bool(answer):
        parsed.skipped.append(
            (where, f"bet {bid}: {kind} market {contract} is not a yes/no probability")
        )
        return
    p = bet.get("probAfter")
    if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1:
        raise _Bad(f"bet {bid}: probAfter {json.dumps(p)} is not a probability 0..1")
    key = f"{contract}/{answer}" if answer else str(contract)
    question = made.get(key)
    if question is None:
        question = _question(market, market_url, str(contract), answer, where, parsed)
        made[key] = question
    made_at = _ms(bet.get("createdTime"), "createdTime")
    if made_at > question["closes_at"]:
        parsed.skipped.append((where, f"bet {bid}: made after the market closed"))
        return
    parsed.items.append(
        Item(
            "forecasts",
            where,
            {
                "id": f"mfb-{bid}"[:64],
                "question": question["id"],
                "by": name,
                "p": float(p),
                "made_at": made_at,
                "note": f"Market probability after a {bet.get('outcome')} trade on Manifold.",
                "origin": {"platform": "manifold", "url": market_url, "platform_id": bid},
            },
        )
    )


def _question(
    market: dict[str, Any],
    url: str,
    contract: str,
    answer_id: Any,
    where: str,
    parsed: Parsed,
) -> dict[str, Any]:
    answer: dict[str, Any] | None = None
    if answer_id:
        answer = next((a for a in market.get("answers") or [] if a.get("id") == answer_id), None)
        if answer is None:
            raise _Bad(f"market {contract} has no answer {json.dumps(answer_id)}")
    opens = _ms(market.get("createdTime"), "createdTime")
    closes = _ms(market["closeTime"], "closeTime") if market.get("closeTime") else None
    resolved_at = (
        _ms(market.get("resolutionTime"), "resolutionTime") if market.get("isResolved") else None
    )
    ends = [t for t in (closes, resolved_at) if t is not None]
    if not ends:
        raise _Bad(f"market {contract}: neither closeTime nor resolutionTime")
    closes_at = max(min(ends), opens)
    qid = f"manifold-{contract}" + (f"-{answer_id}" if answer_id else "")
    link = str(market.get("url") or url)
    question = {
        "id": qid[:64],
        "title": _title(
            str(market.get("question") or contract),
            None if answer is None else str(answer.get("text") or answer_id),
        ),
        "kind": "binary",
        "opens_at": opens,
        "closes_at": closes_at,
        "resolve_on": closes_at,
        "criteria": f"As the market resolves on Manifold: {link}",
    }
    parsed.items.append(Item("questions", where, question))
    if resolved_at is not None:
        outcome, note = _outcome(market, answer)
        parsed.items.append(
            Item(
                "resolutions",
                where,
                {
                    "question_id": question["id"],
                    "outcome": outcome,
                    "resolved_at": max(resolved_at, closes_at),
                    "note": note,
                    "evidence_url": link,
                },
            )
        )
    return question


def _outcome(market: dict[str, Any], answer: dict[str, Any] | None) -> tuple[str, str]:
    resolution = market.get("resolution")
    if answer is not None:
        # Newer markets resolve each answer; older single-winner ones name the winning answer.
        own = answer.get("resolution")
        if own is None and resolution not in ("MKT", "CANCEL"):
            own = "YES" if resolution == answer.get("id") else "NO"
        resolution = own if own is not None else resolution
    if resolution == "YES":
        return "yes", "Resolved YES on Manifold."
    if resolution == "NO":
        return "no", "Resolved NO on Manifold."
    if resolution == "CANCEL":
        return "annulled", "Cancelled (N/A) on Manifold."
    if resolution == "MKT":
        p = (answer or {}).get("resolutionProbability", market.get("resolutionProbability"))
        shown = f" at {float(p):.0%}" if isinstance(p, int | float) else ""
        return "annulled", f"Resolved MKT{shown} on Manifold: a probability, not yes or no."
    raise _Bad(f"market {market.get('id')}: resolution {json.dumps(resolution)} is unknown")
