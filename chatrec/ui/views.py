"""What the web chat renders from chatrec's records: pure functions, no gradio state."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from chatrec.models import Intent, Recommendation, Reply
from chatrec.present import card_facts

if TYPE_CHECKING:
    from chatrec.pipeline.dialogue import ChatRec

CSS = """
.chatrec-card {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin: 6px 0;}
.chatrec-domain {font-size: 0.8em; opacity: 0.7; margin-left: 6px;}
.chatrec-note {font-size: 0.85em; opacity: 0.8; margin: 2px 0;}
"""
RERANKED_NOTE = "<p class='chatrec-note' id='chatrec-reranked'>Reordered by the language model.</p>"


def understood(intent: Intent | None, bot: ChatRec) -> str:
    """'Family movie night · movies · no Horror · 1990–1999': what chatrec took the message to mean."""
    if intent is None:
        return ""
    chips = [bot.scenarios[intent.scenario].title] if intent.scenario in bot.scenarios else []
    chips += [intent.domain] if intent.domain else []
    chips += intent.constraints.describe()
    chips += [f"~~{fact}~~ (not applied: the catalog has no {fact} for {intent.domain})" for fact in intent.unchecked]
    return "**Understood:** " + " · ".join(chips) if chips else ""


def cards(items: list[Recommendation], note: str = "") -> str:
    if not items:
        return ""
    out = [note] if note else []
    for n, r in enumerate(items, start=1):
        out.append(
            f"<div class='chatrec-card' data-item-id='{html.escape(r.item_id)}'><b>{n}. {html.escape(r.title)}</b>"
            f"<span class='chatrec-domain'>{html.escape(r.domain)}</span><br>"
            f"<small>{html.escape(' · '.join(card_facts(r.item)))}</small><br><i>{html.escape(r.reason)}</i></div>"
        )
    return "\n".join(out)


def signal_frame(items: list[Recommendation]) -> pd.DataFrame:
    """One row per (item, signal): each signal's weighted contribution to the item's score."""
    rows = [
        {"item": f"{n}. {r.title[:28]}", "signal": signal, "contribution": value}
        for n, r in enumerate(items, start=1)
        for signal, value in r.signals.items()
    ]
    return pd.DataFrame(rows, columns=["item", "signal", "contribution"])


def item_choices(items: list[Recommendation]) -> list[tuple[str, str]]:
    return [(f"{n}. {r.title}", r.item_id) for n, r in enumerate(items, start=1)]


def status_line(reply: Reply, seconds: float) -> str:
    """The notices of a reply, or how long it took and where the time went."""
    if reply.notices:
        return " ".join(reply.notices)
    cards_s = reply.timings.get("cards")
    return f"answered in {seconds:.0f}s" + (f" (cards after {cards_s:.1f}s)" if cards_s is not None else "")


def history_of(bot: ChatRec, session_id: str) -> list[dict[str, str]]:
    return [{"role": t.role, "content": t.text} for t in bot.session(session_id).turns]
