"""One way to show an item to each audience.

- the model: :func:`model_line`, a numbered line of catalog facts (the only item text a prompt gets),
  and :func:`fact_card`, the same facts as labelled lines for the prompt that writes reasons;
- the person: :func:`card_facts` (a card, the terminal) and :func:`reply_list` (the picks in the reply text);
- the API: :func:`card_metadata`, the facts a client shows, as a plain dict.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from chatrec.models import Item
from chatrec.pipeline.parse import is_chinese

if TYPE_CHECKING:
    from chatrec.models import Recommendation, Relative

_CURRENCY = {"GBP": "£", "USD": "$", "EUR": "€", "CNY": "¥"}
_CARD_LABELS = {"en": ("Pick", "year", "genres", "by", "price", "about"), "zh": ("推荐", "年份", "类型", "作者", "价格", "简介")}
_SENTENCE_END = re.compile(r"[.!?。！？](?=\s|$)")


def price_text(item: Item) -> str | None:
    if item.price is None:
        return None
    return f"{_CURRENCY.get(str(item.extra.get('currency', '')), '')}{item.price:.2f}"


def money_text(currency: str, amount: float) -> str:
    """An amount a person asked for or it converts to: "¥100" (a whole one without its pence), "£10.56", "100 CHF"."""
    number = f"{amount:.0f}" if amount == round(amount) else f"{amount:.2f}"
    sign = _CURRENCY.get(currency)
    return f"{sign}{number}" if sign else f"{number} {currency}"


def model_line(n: int, item: Item, description_chars: int = 60) -> str:
    """``3. Title (1995) — Animation, Children — by X — £4.99 — A cowboy doll…``: what the model may know of an item."""
    facts = [f"{n}. {item.title}" + (f" ({item.year})" if item.year else "")]
    if item.genres:
        facts.append(", ".join(item.genres[:4]))
    if item.authors:
        facts.append("by " + ", ".join(item.authors[:2]))
    if (price := price_text(item)) is not None:
        facts.append(price)
    if item.description and description_chars:
        cut = item.description[:description_chars]
        facts.append(cut if len(item.description) <= description_chars else cut.rsplit(" ", 1)[0] + "…")
    return " — ".join(facts)


def fact_card(n: int, item: Item, language: str, description_chars: int = 160) -> str:
    """``Pick 3: Toy Story`` then one labelled fact per line, labels in the answer's language.

    Not :func:`model_line`'s one-line shape: a small model asked for "1. …" lines copies a
    numbered facts line back as its answer, and continues a description cut mid-sentence with an
    invented plot, so the description ends at a sentence end where it can."""
    labels = _CARD_LABELS.get(language, _CARD_LABELS["en"])
    values = [str(item.year or ""), ", ".join(item.genres[:4]), ", ".join(item.authors[:2]), price_text(item) or "",
              _cut_at_sentence(item.description, description_chars)]  # fmt: skip
    return "\n".join([f"{labels[0]} {n}: {item.title}", *(f"  {label}: {v}" for label, v in zip(labels[1:], values, strict=True) if v)])


def _cut_at_sentence(text: str, chars: int) -> str:
    if len(text) <= chars:
        return text
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, chars)]
    if ends and ends[-1] >= chars // 3:
        return text[: ends[-1]]
    return text[:chars].rsplit(" ", 1)[0] + "…"


#: Where an item can be looked up, from an id the catalog keeps (a link the person follows; chatrec fetches nothing).
LINKS = {"url": "{}", "imdb_id": "https://www.imdb.com/title/{}/", "isbn10": "https://openlibrary.org/isbn/{}"}


def item_link(item: Item) -> str | None:
    """A page about the item, if its catalog row names one (``url``) or an id a public site is keyed by."""
    for key, template in LINKS.items():
        value = str(item.extra.get(key) or "")
        if value and (key != "url" or value.startswith(("http://", "https://"))):
            return template.format(value)
    return None


def card_facts(item: Item) -> list[str]:
    """The short facts under a card's title: year, genres, makers, price."""
    facts = [str(item.year)] if item.year else []
    facts += [", ".join(item.genres[:3])] if item.genres else []
    facts += [", ".join(item.authors[:2])] if item.authors else []
    facts += [p] if (p := price_text(item)) else []
    return facts


def card_metadata(item: Item) -> dict[str, Any]:
    """The facts a client shows on an item card (empty ones left out)."""
    meta: dict[str, Any] = {"genres": item.genres, "year": item.year, "authors": item.authors, "price": item.price,
                            "price_text": price_text(item), "rating": item.rating, "popularity": item.popularity,
                            "tags": item.tags[:8], "description": item.description}  # fmt: skip
    meta.update(item.extra)
    return {k: v for k, v in meta.items() if v not in (None, [], "")}


def shown_title(item: Item, language: str) -> str:
    """The title a reply writes: in Chinese, with the Chinese title the item carries ("Toy Story（玩具总动员）")."""
    zh = item.chinese_titles() if language == "zh" else []
    return f"{item.title}（{zh[0]}）" if zh else item.title


def reply_list(picks: list[Recommendation], language: str = "en") -> str:
    """The picks as the reply text lists them: code's words, the catalog's facts."""
    return "\n".join(f"{n}. **{shown_title(r.item, language)}** — {r.reason}" for n, r in enumerate(picks, start=1))


_ONLY_THE_CATALOG = {"en": "All I know of it is what the catalog says:", "zh": "我只知道目录里写的这些："}


def describe(rec: Recommendation, language: str, facts: str, question: bool = False) -> str:
    """An answer to "tell me more about the second one", straight from the catalog: its ``facts`` (code's line for
    it), the reason it was given, its description. A question ("does the first one need batteries?") is told
    first that this is all there is, so a missing answer is not passed over."""
    item = rec.item
    year = (f"（{item.year}年）" if language == "zh" else f" ({item.year})") if item.year else ""
    lines = [f"**{shown_title(item, language)}**{year}"]
    lines += [_ONLY_THE_CATALOG["zh" if language == "zh" else "en"]] if question else []
    # the reason the card gave, unless it is code's line again (with the constraints of its own turn) or in the other language
    bare = facts.split(" (", 1)[0]
    said = rec.reason and not (bare and rec.reason.startswith(bare)) and is_chinese(rec.reason) == (language == "zh")
    lines += [facts] + ([rec.reason] if said else [])
    if item.description:
        lines.append(item.description[:400])
    if stars := item.extra.get("stars"):
        lines.append(("主演：" if language == "zh" else "Starring: ") + str(stars))
    return "\n".join(lines)


# How a comparison is said: (the field compared, +1 if the larger value answers, the English and Chinese words)
_COMPARED: dict[str, tuple[str, int, str, str]] = {"cheaper": ("price", -1, "cheaper", "便宜"), "pricier": ("price", 1, "pricier", "贵"),
                                                   "newer": ("year", 1, "newer", "新"), "older": ("year", -1, "older", "早")}  # fmt: skip


def compare(first: Item, second: Item, by: Relative, language: str, yes_no: bool = False) -> str:
    """An answer to "is the first one cheaper than the second?" (``yes_no``: it is asked of ``first``) or "which is
    newer, the first or the third?", from the catalog's prices or years; a value the catalog lacks is said, never
    guessed (the model, asked, had answered about the first pick alone)."""
    field, sign, word, zh_word = _COMPARED[by]
    zh = language == "zh"
    values = [getattr(first, field), getattr(second, field)]
    title = [f"**{shown_title(item, language)}**" for item in (first, second)]
    said = [price_text(i) if field == "price" else (f"{i.year}年" if zh else str(i.year)) for i in (first, second)]
    if None in values:
        lacking = title[values.index(None)]
        what = ("价格" if field == "price" else "年份") if zh else ("price" if field == "price" else "year")
        return f"目录里没有{lacking}的{what}，没法比较。" if zh else f"The catalog gives no {what} for {lacking}, so I can't compare them."
    if values[0] == values[1]:
        same = ("价格一样" if field == "price" else "是同一年的") if zh else ("cost the same" if field == "price" else "came out the same year")
        return f"{title[0]}和{title[1]}{same}（{said[0]}）。" if zh else f"{title[0]} and {title[1]} {same} ({said[0]})."
    answer = 0 if (values[0] - values[1]) * sign > 0 else 1
    yes = (("是的，" if answer == 0 else "不是，") if zh else ("Yes: " if answer == 0 else "No: ")) if yes_no else ""
    a, b = answer, 1 - answer
    if zh:
        return f"{yes}{title[a]}（{said[a]}）比{title[b]}（{said[b]}）{zh_word}。"
    return f"{yes}{title[a]} ({said[a]}) is {word} than {title[b]} ({said[b]})."
