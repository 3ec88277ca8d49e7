"""ReDial recommendation turns: does chatrec read a real conversation?

Data: iEvaLM-CRS's processing of ReDial's validation conversations
(``redial_eval_valid_data_processed.jsonl``, CC BY 4.0), read from a folder the user points
at. Each turn's conversation so far is one message; the gold films are the ones the
recommender named next, mapped onto the catalog by the chat's own "Title (Year)" linker; gold
already mentioned earlier is excluded (He et al.'s rule) and turns with no gold left are
skipped. Dialogues are split in halves by id: even ids to choose weights, odd ids to report.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tqdm import tqdm

from chatrec.signals.collaborative import top_items

if TYPE_CHECKING:
    from chatrec.pipeline.dialogue import ChatRec

FILE = "redial_eval_valid_data_processed.jsonl"
Half = Literal["tune", "test"]


@dataclass
class RedialTurn:
    key: str
    context: str  # the conversation so far, one line per utterance
    mentioned: list[str]  # catalog ids linked in the context, in order
    gold: set[str]  # catalog ids of the films recommended next, minus those mentioned
    named: set[str]  # ReDial's own entity list for the context, each linked alone (the linking reference)


@dataclass
class RedialRun:
    """Every method's top 50 per turn, and what linking and ranking cost."""

    ranked: dict[str, dict[str, list[str]]]  # method → turn → ids
    relevant: dict[str, set[str]]
    seconds: list[float] = field(default_factory=list)  # chatrec rank per turn
    with_model: dict[str, list[str]] = field(default_factory=dict)  # turn → ids, the model suggesting titles (a sample)
    model_seconds: list[float] = field(default_factory=list)
    model_weight: float = 0.0  # the suggested signal's weight on the sample
    names: int = 0  # titles the model named on the sample
    dropped: int = 0  # of them, titles with no catalog item of that year
    skipped: int = 0  # turns without gold in the catalog, or whose gold was all mentioned before
    linked_right: int = 0
    linked_all: int = 0
    named_all: int = 0


def turns(bot: ChatRec, folder: Path, half: Half) -> Iterator[RedialTurn | None]:
    """The half's turns in a seeded shuffled order; None for a turn without gold left."""
    titles = bot._titles  # the chat's own linker maps gold, mentions and the reference entities
    rows = [json.loads(line) for line in (folder / FILE).open(encoding="utf-8") if line.strip()]
    rows = [t for t in rows if (int(t["dialog_id"]) % 2 == 0) == (half == "tune")]
    random.Random(0).shuffle(rows)
    for n, t in enumerate(rows):
        context = "\n".join(line for line in t["context"] if line)
        mentioned = [m.item_id for m in titles.with_years(context, "movies")]
        gold = {m.item_id for g in t["rec"] for m in titles.with_years(g, "movies")} - set(mentioned)
        named = {m.item_id for e in t["entity"] for m in titles.with_years(e, "movies")}
        yield RedialTurn(f"{t['dialog_id']}/{n}", context, mentioned, gold, named) if gold else None


def run_redial(bot: ChatRec, folder: Path, half: Half = "test", limit: int = 600, progress: bool = True,
               model_bot: ChatRec | None = None, model_turns: int = 0) -> RedialRun:  # fmt: skip
    """Popularity, item-kNN over ratings and over co-mentions from the films mentioned, and ``bot.rank``
    (no model), on the same ``limit`` turns of one half; ``model_bot.rank`` (the model suggesting titles)
    on the first ``model_turns`` of them."""
    collab, co = bot.collaborative("movies"), bot.comentions("movies")
    popular = [it.id for it in sorted(bot.store.items("movies"), key=lambda it: -(it.popularity or 0))]
    methods = ("popularity", "item-kNN over ratings, from the films mentioned", "co-mention item-kNN, from the films mentioned",
               "chatrec rank, no model")  # fmt: skip
    run = RedialRun({m: {} for m in methods}, {})
    bar = tqdm(total=limit, desc=f"D ReDial, {half} half", disable=not progress, dynamic_ncols=True)
    for t in turns(bot, folder, half):
        if len(run.relevant) >= limit:
            break
        if t is None:
            run.skipped += 1
            continue
        seen = set(t.mentioned)
        run.linked_right += len(t.named & seen)
        run.linked_all += len(t.mentioned)
        run.named_all += len(t.named)
        run.relevant[t.key] = t.gold
        started = time.perf_counter()
        run.ranked["chatrec rank, no model"][t.key] = [r.item_id for r in bot.rank(t.context, k=50, domain="movies")]
        run.seconds.append(time.perf_counter() - started)
        run.ranked["popularity"][t.key] = [i for i in popular if i not in seen][:50]
        knn = collab.neighbours.scores(collab.interactions.row(t.mentioned)) if collab and t.mentioned else None
        run.ranked[methods[1]][t.key] = top_items(collab.interactions.items, knn, 50, seen) if collab and knn is not None else []
        scores = co.scores(t.mentioned) if co else None
        run.ranked[methods[2]][t.key] = co.top(scores, 50, seen) if co and scores is not None else []
        if model_bot is not None and len(run.with_model) < model_turns:
            started = time.perf_counter()
            run.with_model[t.key] = [r.item_id for r in model_bot.rank(t.context, k=50, domain="movies")]
            run.model_seconds.append(time.perf_counter() - started)
        bar.update()
    bar.close()
    if model_bot is not None:
        run.names, run.dropped = model_bot.suggester.names, model_bot.suggester.dropped
        run.model_weight = model_bot.ranker.default_weights.get("suggested", 0.0)
    return run
