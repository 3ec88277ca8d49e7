"""ReDial recommendation turns: does chatrec read a real conversation?

Data: iEvaLM-CRS's processing of ReDial's validation conversations
(``redial_eval_valid_data_processed.jsonl``, CC BY 4.0), read from a folder the user points
at. Each turn's conversation so far is one message; the gold films are the ones the
recommender named next, mapped onto the catalog by the chat's own "Title (Year)" linker; gold
already mentioned earlier is excluded (He et al.'s rule) and turns with no gold left are
skipped. Dialogues are split in halves by id: even ids to choose weights, odd ids to report.

What the person thinks of the films they name is measured against ReDial's original format
(``redial_valid_data.jsonl``): after each conversation the seeker said of every film
mentioned whether they liked it, disliked it, or did not say. Each seeker message is linked as the chat
links it, the last reading of a film in the conversation is what a session keeps, and it is
compared with the seeker's own answer where that answer is "liked" or "disliked".
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

import numpy as np
from tqdm import tqdm

from chatrec.eval.metrics import mean_interval
from chatrec.signals.collaborative import top_items

if TYPE_CHECKING:
    from chatrec.pipeline.dialogue import ChatRec
    from chatrec.pipeline.titles import TitleIndex

FILE = "redial_eval_valid_data_processed.jsonl"
ORIGINAL = "redial_valid_data.jsonl"
_MENTION = re.compile(r"@(\d+)")
Half = Literal["tune", "test"]
T = TypeVar("T")


@dataclass
class RedialTurn:
    key: str
    lines: list[str]  # the conversation so far, one utterance each; the last is the seeker's
    mentioned: list[str]  # catalog ids linked in the context, in order
    gold: set[str]  # catalog ids of the films recommended next, minus those mentioned
    named: set[str]  # ReDial's own entity list for the context, each linked alone (the linking reference)

    @property
    def context(self) -> str:
        return "\n".join(line for line in self.lines if line)

    def messages(self) -> list[str]:
        """What the seeker sent, one chat message per seeker utterance, each with the recommender's line before it."""
        lines = self.lines
        seeker = range((len(lines) - 1) % 2, len(lines), 2)  # the last line is the seeker's; roles alternate
        texts = ["\n".join(x for x in (lines[i - 1] if i > 0 else "", lines[i]) if x) for i in seeker]
        return [t for t in texts if t]


@dataclass
class Opinions:
    """The chat's reading of the seeker's films (liked unless a negative cue says otherwise) against their own answers."""

    pairs: list[tuple[bool, bool]] = field(default_factory=list)  # (read as liked, said liked), one per film and conversation
    unlinked: int = 0  # labelled films the seeker named that the chat did not link

    def figures(self) -> dict[str, str]:
        """Accuracy, and recall and precision of "disliked", each with its 95% bootstrap interval over films."""
        def cell(hits: list[bool]) -> str:
            iv = mean_interval(np.asarray(hits, np.float64))
            return f"{iv.mean:.3f} ({iv.low:.3f}-{iv.high:.3f}), n={iv.n}"

        return {"films read as the seeker said (liked or disliked)": cell([r == s for r, s in self.pairs]),
                "disliked films read as disliked (recall)": cell([not r for r, s in self.pairs if not s]),
                "films read as disliked that were (precision)": cell([not s for r, s in self.pairs if not r]),
                "labelled films in the catalog the linker missed": str(self.unlinked)}  # fmt: skip


@dataclass
class RedialRun:
    """Every method's top 50 per turn, and what linking and ranking cost."""

    ranked: dict[str, dict[str, list[str]]]  # method → turn → ids
    relevant: dict[str, set[str]]
    seconds: list[float] = field(default_factory=list)  # chatrec rank per turn
    replayed: dict[str, list[str]] = field(default_factory=dict)  # turn → the cards of bot.chat, turn by turn (a sample)
    with_model: dict[str, list[str]] = field(default_factory=dict)  # turn → ids, the model suggesting titles (a sample)
    model_seconds: list[float] = field(default_factory=list)
    model_weight: float = 0.0  # the suggested signal's weight on the sample
    names: int = 0  # titles the model named on the sample
    dropped: int = 0  # of them, titles with no catalog item of that year
    skipped: int = 0  # turns without gold in the catalog, or whose gold was all mentioned before
    linked_right: int = 0
    linked_all: int = 0
    named_all: int = 0
    opinions: Opinions | None = None  # the seekers' own liked/disliked answers against the chat's reading


def seeker_opinions(bot: ChatRec, folder: Path, half: Half) -> Opinions:
    """Every film a seeker named in a conversation of ``half`` and labelled liked or disliked, read message by message."""
    titles = bot._titles
    out = Opinions()
    for line in (folder / ORIGINAL).open(encoding="utf-8"):
        talk = json.loads(line)
        answers = talk["initiatorQuestions"] if isinstance(talk["initiatorQuestions"], dict) else {}
        if (int(talk["conversationId"]) % 2 == 0) != (half == "tune") or not answers:
            continue
        read: dict[str, bool] = {}  # ReDial id → the last reading
        named: set[str] = set()  # ReDial ids the seeker wrote
        for message in talk["messages"]:
            if message["senderWorkerId"] != talk["initiatorWorkerId"]:
                continue
            text, ends = _with_titles(message["text"], talk["movieMentions"])
            named |= set(ends.values())
            for m in titles.with_years(text, "movies"):
                if m.span is not None and (rid := ends.get(m.span[1])) is not None:
                    read[rid] = m.liked
        for rid in named:
            said = answers.get(rid, {}).get("liked")
            if said in (0, 1):
                if rid in read:
                    out.pairs.append((read[rid], said == 1))
                elif _in_catalog(titles, talk["movieMentions"].get(rid) or ""):
                    out.unlinked += 1
    return out


def _with_titles(text: str, names: dict[str, str]) -> tuple[str, dict[int, str]]:
    """ReDial's "@123" placeholders replaced by "Title (Year)", and where each replacement ends → its ReDial id."""
    out, ends, at = "", {}, 0
    for m in _MENTION.finditer(text):
        name = " ".join((names.get(m.group(1)) or m.group(0)).split())
        out += text[at : m.start()] + name
        ends[len(out)], at = m.group(1), m.end()
    return out + text[at:], ends


def _in_catalog(titles: TitleIndex, name: str) -> bool:
    return bool(titles.with_years(" ".join(name.split()), "movies"))


def turns(bot: ChatRec, folder: Path, half: Half) -> Iterator[RedialTurn | None]:
    """The half's turns in a seeded shuffled order; None for a turn without gold left."""
    titles = bot._titles  # the chat's own linker maps gold, mentions and the reference entities
    rows = [json.loads(line) for line in (folder / FILE).open(encoding="utf-8") if line.strip()]
    rows = [t for t in rows if (int(t["dialog_id"]) % 2 == 0) == (half == "tune")]
    random.Random(0).shuffle(rows)
    for n, t in enumerate(rows):
        mentioned = [m.item_id for m in titles.with_years("\n".join(line for line in t["context"] if line), "movies")]
        gold = {m.item_id for g in t["rec"] for m in titles.with_years(g, "movies")} - set(mentioned)
        named = {m.item_id for e in t["entity"] for m in titles.with_years(e, "movies")}
        yield RedialTurn(f"{t['dialog_id']}/{n}", t["context"], mentioned, gold, named) if gold else None


def replay(bot: ChatRec, turn: RedialTurn) -> list[str]:
    """The conversation through ``bot.chat`` message by message in a new session; the last reply's cards.

    ReDial's seeker answered a human recommender and never saw chatrec's cards, so the cards of the earlier messages
    are not kept as shown: the chat leaves what it showed out of later picks, and the gold film had been among them
    in 18 of the tuning half's first 200 turns (all 8 turns the replay then missed and one message found)."""
    session_id, reply = f"redial-replay-{turn.key}", None
    for message in turn.messages():
        if reply is not None:
            session = bot.sessions.get(session_id)
            session.shown.clear()
            bot.sessions.save(session, snapshot=False)
        reply = bot.chat(message, session_id, domain="movies")
    return [r.item_id for r in reply.items] if reply is not None else []


class _Scored(Protocol):
    relevant: dict[str, set[str]]
    skipped: int


def scored_turns(turns: Iterable[T | None], run: _Scored, limit: int, desc: str, progress: bool) -> Iterator[T]:
    """The turns that have gold (None for one that has not), until ``run`` holds ``limit``; those without are
    counted in ``run.skipped``. The caller records each turn's gold in ``run.relevant``."""
    with tqdm(total=limit, desc=desc, disable=not progress, dynamic_ncols=True) as bar:
        for t in turns:
            if len(run.relevant) >= limit:
                return
            if t is None:
                run.skipped += 1
                continue
            yield t
            bar.update()


def run_redial(bot: ChatRec, folder: Path, half: Half = "test", limit: int = 600, progress: bool = True,
               model_bot: ChatRec | None = None, model_turns: int = 0, replay_turns: int = 200,
               keep: Callable[[RedialTurn], bool] | None = None) -> RedialRun:  # fmt: skip
    """Popularity, item-kNN over ratings and over co-mentions from the films mentioned, and ``bot.rank``
    (no model), on the same ``limit`` turns of one half (those ``keep`` accepts, if given); the conversation
    replayed through ``bot.chat`` on the first ``replay_turns`` of them, and ``model_bot.rank`` (the model
    suggesting titles) on the first ``model_turns``."""
    collab, co = bot.collaborative("movies"), bot.comentions("movies")
    popular = [it.id for it in sorted(bot.store.items("movies"), key=lambda it: -(it.popularity or 0))]
    methods = ("popularity", "item-kNN over ratings, from the films mentioned", "co-mention item-kNN, from the films mentioned",
               "chatrec rank, no model")  # fmt: skip
    run = RedialRun({m: {} for m in methods}, {})
    kept = (t for t in turns(bot, folder, half) if t is None or keep is None or keep(t))
    for t in scored_turns(kept, run, limit, f"D ReDial, {half} half", progress):
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
        if len(run.replayed) < replay_turns:
            run.replayed[t.key] = replay(bot, t)
        if model_bot is not None and len(run.with_model) < model_turns:
            started = time.perf_counter()
            run.with_model[t.key] = [r.item_id for r in model_bot.rank(t.context, k=50, domain="movies")]
            run.model_seconds.append(time.perf_counter() - started)
    run.opinions = seeker_opinions(bot, folder, half) if (folder / ORIGINAL).is_file() else None
    if model_bot is not None:
        run.names, run.dropped = model_bot.suggester.names, model_bot.suggester.dropped
        run.model_weight = model_bot.ranker.default_weights.get("suggested", 0.0)
    return run
