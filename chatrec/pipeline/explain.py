"""Stage 4: ranked items → a reply in the person's language.

Each item's ``reason`` is built by code from its own metadata and the constraints it
satisfies, so it cannot contain an invented fact. Tried here: asked to describe the picks
from their facts, the bundled 1.5B model added ages, plots and people that were not there.
So the model writes only the opening (what the picks share, in the person's language,
naming no facts), and code lists the picks with their reasons after it. If the model is
unavailable, a template opening stands in.
"""

from __future__ import annotations

from collections.abc import Iterator

from chatrec.llm.meter import TurnModel
from chatrec.models import Intent, Item, Recommendation
from chatrec.present import model_line, price_text, reply_list
from chatrec.prompts import PromptLibrary
from chatrec.scenarios import Scenario

_LANGUAGE = {"en": "English", "zh": "Simplified Chinese"}


def reason(item: Item, intent: Intent) -> str:
    """One grounded line: the item's own facts plus the asked-for constraints it meets."""
    zh = intent.language == "zh"
    c = intent.constraints
    parts: list[str] = []
    if item.genres:
        parts.append(" / ".join(item.genres[:3]))
    if item.year:
        parts.append(f"{item.year}年" if zh else str(item.year))
    if item.authors:
        parts.append(("作者/出品：" if zh else "by ") + ", ".join(item.authors[:2]))
    if (price := price_text(item)) is not None:
        parts.append(price)
    if item.rating is not None and (item.popularity or 0) >= 5:
        parts.append(f"评分 {item.rating:.1f}" if zh else f"rated {item.rating:.1f}")
    fits: list[str] = []
    if matched := [g for g in item.genres if g.casefold() in {x.casefold() for x in c.include_genres}]:
        fits.append(("符合：" if zh else "is ") + ", ".join(matched[:2]))
    if c.exclude_genres:
        fits.append(("不含 " if zh else "no ") + ", ".join(c.exclude_genres[:3]))
    if c.price_max is not None and item.price is not None:
        fits.append(f"≤ {c.price_max:g}")
    text = " · ".join(parts)
    return f"{text} ({'; '.join(fits)})" if fits else text


class Explainer:
    def __init__(self, prompts: PromptLibrary) -> None:
        self.prompts = prompts

    def template(self, items: list[Recommendation], intent: Intent, scenario: Scenario | None) -> str:
        zh = intent.language == "zh"
        if not items:
            return ("没有找到符合所有条件的结果。可以放宽一些条件再试试吗？" if zh
                    else "I found nothing that meets all of your conditions. Could you loosen one of them?")  # fmt: skip
        head = (f"为你推荐（{scenario.title}）：" if zh else f"Here are my picks for {scenario.title.lower()}:") if scenario \
            else ("为你推荐：" if zh else "Here are my picks:")  # fmt: skip
        return f"{head}\n{reply_list(items)}"

    def stream(self, items: list[Recommendation], intent: Intent, scenario: Scenario | None, message: str,
               model: TurnModel) -> Iterator[str]:  # fmt: skip
        """The model's opening, token by token (raises LLMError if it cannot give one)."""
        messages = self.prompts.render(
            "explain", language=_LANGUAGE[intent.language], request=message,
            style=scenario.style if scenario else "Be brief and friendly.",
            picks="\n".join(model_line(n, r.item) for n, r in enumerate(items, start=1)),
        )  # fmt: skip
        yield from model.stream("explain", messages, max_tokens=90, temperature=0.3)
