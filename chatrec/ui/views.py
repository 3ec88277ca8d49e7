"""What the web chat renders from chatrec's records: pure functions, no gradio state."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from chatrec.models import Intent, Recommendation, Reply
from chatrec.present import card_facts, item_link
from chatrec.scenarios import SIGNALS

if TYPE_CHECKING:
    from chatrec.pipeline.dialogue import ChatRec

CSS = """
.chatrec-card {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin: 6px 0; display: flex; gap: 10px;}
.chatrec-thumb {flex: 0 0 44px; height: 60px; border-radius: 6px; display: flex; align-items: center; justify-content: center;
  font-size: 1.5em; font-weight: bold; color: white; background: var(--color-accent);}
.chatrec-slot {margin-bottom: 4px;}
.chatrec-domain {font-size: 0.8em; opacity: 0.7; margin-left: 6px;}
.chatrec-note {font-size: 0.85em; opacity: 0.8; margin: 2px 0;}
"""
RERANKED_NOTE = "<p class='chatrec-note' id='chatrec-reranked'>Reordered by the language model.</p>"


def understood(intent: Intent | None, bot: ChatRec) -> str:
    """'Family movie night · movies · no Horror · 1990–1999 · liked: Toy Story': what chatrec took the message to mean."""
    if intent is None:
        return ""
    chips = [bot.scenarios[intent.scenario].title] if intent.scenario in bot.scenarios else []
    chips += [intent.domain] if intent.domain else []
    chips += intent.constraints.describe()
    chips += [f"liked: {bot.title_of(i)}" for i in intent.liked_ids] + [f"not: {bot.title_of(i)}" for i in intent.rejected_ids]
    chips += [f"~~{fact}~~ (not applied: the catalog has no {fact} for {intent.domain})" for fact in intent.unchecked]
    return "**Understood:** " + " · ".join(chips) if chips else ""


def card(n: int, r: Recommendation) -> str:
    """One card: a placeholder picture (nothing is fetched), the title (a link where the catalog has one), facts, the reason."""
    title = html.escape(r.title)
    if link := item_link(r.item):
        title = f"<a href='{html.escape(link)}' target='_blank' rel='noopener noreferrer'>{title}</a>"
    return (f"<div class='chatrec-card' data-item-id='{html.escape(r.item_id)}'>"
            f"<div class='chatrec-thumb' aria-hidden='true'>{html.escape(r.title[:1].upper())}</div><div>"
            f"<b>{n}. {title}</b><span class='chatrec-domain'>{html.escape(r.domain)}</span><br>"
            f"<small>{html.escape(' · '.join(card_facts(r.item)))}</small><br><i>{html.escape(r.reason)}</i></div></div>")  # fmt: skip


def cards(items: list[Recommendation], note: str = "") -> str:
    """Every card as one HTML block (what the /chat API returns)."""
    return "\n".join([note] * bool(note and items) + [card(n, r) for n, r in enumerate(items, start=1)])


def on_screen(session_id: str, items: list[Recommendation], note: str = "") -> dict[str, object]:
    """What the card list renders from: the session the cards belong to, each card's item id and HTML, the note above them."""
    return {"session": session_id, "note": note if items else "",
            "cards": [(r.item_id, card(n, r)) for n, r in enumerate(items, start=1)]}  # fmt: skip


# One colour per signal for the life of the page, so "semantic" is the same blue on every turn (Tableau 20).
SIGNAL_COLOURS = dict(zip(SIGNALS, ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
                                    "#ff9da7", "#9c755f", "#bab0ac", "#a0cbe8", "#ffbe7d", "#8cd17d", "#b6992d"], strict=True))  # fmt: skip


def signal_frame(items: list[Recommendation]) -> pd.DataFrame:
    """One row per (item, signal): each signal's weighted contribution to the item's score."""
    rows = [
        {"item": f"{n}. {r.title[:28]}", "signal": signal, "contribution": value}
        for n, r in enumerate(items, start=1)
        for signal, value in r.signals.items()
    ]
    return pd.DataFrame(rows, columns=["item", "signal", "contribution"])


def legend(present: set[str]) -> list[str]:
    """The chart's legend: the signals present, in one fixed order."""
    return [s for s in SIGNALS if s in present]


def status_line(reply: Reply, seconds: float) -> str:
    """The notices of a reply, or how long it took and where the time went."""
    if reply.notices:
        return " ".join(reply.notices)
    cards_s = reply.timings.get("cards")
    return f"answered in {seconds:.0f}s" + (f" (cards after {cards_s:.1f}s)" if cards_s is not None else "")


def history_of(bot: ChatRec, session_id: str) -> list[dict[str, str]]:
    return [{"role": t.role, "content": t.text} for t in bot.session(session_id).turns]
