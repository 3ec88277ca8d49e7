"""Do the picks have what was asked: both genres of "a horror comedy", films made for the kids, gifts for grown-ups
that are not children's items, a date night's taste when none is stated? Prints figures.

    .venv/bin/python bench/asked.py                        # fresh requests (top 3 and top 10 of bot.rank)
    .venv/bin/python bench/asked.py --weight genres=0      # the same without the genres signal (repeatable)
    .venv/bin/python bench/asked.py --after "I loved The Matrix"   # each asked after that message, in one session

Two sets of requests, read by code (no language model) on the shipped demo catalogs. Two genres at once: a genre
constraint admits an item with any of the genres asked, so without a signal for how many of them an item has,
"a horror comedy" leads with the best-loved horror films; a pick counts when it has every genre the request was
read as asking for. Films for children: a pick counts when the catalog gives it the Children genre (Animation
alone marks a film for children only in part: *Akira*, *Paprika*). With ``--after``, each request is the second
message of a session (bot.chat, the 3 cards), where the films named first steer the picks through the
conversation signals ("I loved Inception", then "something light to watch with my kids"). For grown-ups (books, films
and toys): a pick counts when nothing marks it as made for children (a children's genre of its domain, an age range
that ends before 18). A date with no taste stated: a pick counts when it is a Romance, the date-night scenario's taste. A mood ("something light and funny",
"一部温馨的电影"): a pick counts when none of its genres clashes with the mood (the lexicon's moods). A follow-up that adds
a taste ("a sci-fi novel", then "with aliens"; books, films and toys, English and Chinese): each pair is one session,
and a pick (of the 3 cards) counts when its title, description or tags say what the follow-up added. A mood the
catalog's tags mark ("a sad film to cry to", "a dark thriller"): a pick counts when its tags mark it so (the lexicon's
tagged_moods); a title holding the request's own words ("cry") is counted apart, as a word match.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.redial import weighed_bot  # noqa: E402

if TYPE_CHECKING:
    from chatrec.models import Intent, Item
    from chatrec.pipeline.dialogue import ChatRec

GENRES = (
    "a romantic comedy", "a sci-fi thriller", "an action comedy", "a crime drama", "a war drama", "an animated comedy",
    "a horror comedy", "a musical romance", "a fantasy adventure", "a mystery thriller", "a dark crime comedy",
    "一部浪漫喜剧", "科幻惊悚片", "动作喜剧", "犯罪剧情片", "战争剧情片", "动画喜剧", "恐怖喜剧", "奇幻冒险片",
)  # fmt: skip
CHILDREN = (
    "something light to watch with my kids this weekend, nothing scary", "a fun film for the whole family on Friday night",
    "a film for my kids about high school", "a drama for my kids", "a sci-fi film for my kids", "an adventure film for my 8 year old",
    "周末和孩子一起看的电影，不要太吓人", "适合全家一起看的电影", "给孩子看的喜剧", "给六岁孩子看的动画片",
)  # fmt: skip
GROWN_UPS = (
    ("a birthday gift book for my mom", "books"), ("给我妈妈挑一本生日礼物书", "books"), ("a book for my dad", "books"),
    ("a christmas present for my grandma, a book", "books"), ("送给同事的书", "books"), ("a book for my wife's birthday", "books"),
    ("a board game for my parents", "toys"), ("a gift for my dad, he loves model trains", "toys"),
    ("a movie to watch with my mom", "movies"), ("给爸妈看的电影", "movies"),
)  # fmt: skip
MOODS = (
    "something light and funny for tonight", "a feel-good movie", "something heartwarming to watch", "a cozy film for a rainy day",
    "a gentle film for a quiet evening", "an uplifting drama", "一部温馨的电影", "轻松一点的喜剧", "来部治愈系电影",
)  # fmt: skip
TAGGED = (
    "a sad film to cry to", "a sad movie", "a tearjerker", "a heartbreaking romance", "a tragic war film", "a dark thriller",
    "something dark and gritty", "a dark comedy", "推荐一部催泪的电影", "一部悲伤的爱情电影", "黑暗一点的犯罪片",
)  # fmt: skip
# (first message, the follow-up, domain, what a pick's text says when it has what the follow-up added)
ADDED = (
    ("a sci-fi novel", "with aliens", "books", r"\baliens?\b|extraterrestrial|other planets"),
    ("a thriller", "set in space", "movies", r"\bspace|astronaut|planet"),
    ("a romantic comedy", "set in new york", "movies", r"new york|manhattan|brooklyn"),
    ("a drama movie", "about boxing", "movies", r"\bbox(?:ing|er)"),
    ("a fantasy book", "with dragons", "books", r"dragon"),
    ("a comedy", "about a road trip", "movies", r"road trip|road movie"),
    ("an animated film", "about the ocean", "movies", r"ocean|\bsea\b|underwater|\bfish"),
    ("a mystery novel", "set in london", "books", r"london"),
    ("a jigsaw puzzle", "with a map of the world", "toys", r"\bmaps?\b|world"),
    ("一部喜剧电影", "要有狗的", "movies", r"(?<!hot )\bdogs?\b|pupp|canine"),
    ("推荐几本科幻小说", "关于时间旅行的", "books", r"time travel|time machine|time-travel"),
    ("一部动作片", "要跟功夫有关的", "movies", r"martial art|kung fu|karate"),
    ("一部爱情片", "发生在巴黎的", "movies", r"paris"),
    ("推荐一本历史书", "关于古罗马的", "books", r"\brome\b|\broman"),
    ("a movie for my kids", "with dinosaurs", "movies", r"dinosaur|\bdino"),  # a toy shelf's word, a taste in films
    ("a book for my daughter", "about trains", "books", r"\btrains?\b|railway|locomotive"),
)
# (a request naming a thing, domain, what a pick's text says when it is that thing): a brand or a topic that words
# name better than meaning; "a lego set, budget 30 dollars" had listed Tally Ho Poker (a pack of cards, no description)
NAMED = (
    ("a lego set", "toys", r"\blego"), ("a lego set, budget 30 dollars", "toys", r"\blego"), ("a barbie doll", "toys", r"barbie"),
    ("a dinosaur toy for my son", "toys", r"dinosaur|\bdino"), ("a playmobil set under £20", "toys", r"playmobil"),
    ("a jigsaw puzzle for my gran", "toys", r"jigsaw|puzzle"), ("a poker set", "toys", r"poker"),
    ("a wooden train set", "toys", r"\btrain|railway"), ("a film about sharks", "movies", r"shark"),
    ("a movie about chess", "movies", r"chess"), ("a film about a submarine", "movies", r"submarine"),
    ("a book about python programming", "books", r"python"), ("a novel about whales", "books", r"whal"),
    ("a book about bees", "books", r"\bbees?\b|beekeep"),
)
DATES = (
    "something to watch with my wife tonight", "a movie night with my girlfriend", "what should my husband and I watch?",
    "date night tonight, any ideas?", "和老婆一起看的电影", "和女朋友约会看什么电影",
)  # fmt: skip


class Asked(NamedTuple):
    request: str
    domain: str
    before: str | None = None  # the message it follows in its session


def picks(bot: ChatRec, asked: Asked, session: str, after: str | None) -> tuple[Intent, list[Item]]:
    """How the request was read and its picks: bot.rank's top 10, or the 3 cards after ``after`` and the request's
    own earlier message in one session."""
    if earlier := [m for m in (after, asked.before) if m]:
        for message in earlier:
            bot.chat(message, session, domain=asked.domain)
        reply = bot.chat(asked.request, session, domain=asked.domain)
        return reply.intent, [r.item for r in reply.items]
    return bot.understand(asked.request, session, domain=asked.domain), [r.item for r in bot.rank(asked.request, k=10, domain=asked.domain)]


def measure(bot: ChatRec, title: str, requests: Sequence[Asked], after: str | None,
            hit: Callable[[Asked, Intent, Item], bool], read: Callable[[Intent], bool] = lambda intent: True) -> None:
    """One line per request (its reading, its hits in the top 3 and top 10, the top 3), then the totals; a request
    not ``read`` as the set means (two genres, for children) is shown and not counted."""
    top3 = top10 = shown3 = shown10 = counted = 0
    for n, asked in enumerate(requests):
        intent, got = picks(bot, asked, f"{title}-{n}", after)
        request = f"{asked.before} → {asked.request}" if asked.before else asked.request
        reading = " ".join(intent.constraints.describe()) or "-"
        if not read(intent):
            print(f"{request[:40]:40s} read as {reading}: not counted")
            continue
        hits = [hit(asked, intent, it) for it in got]
        counted, top3, top10 = counted + 1, top3 + sum(hits[:3]), top10 + sum(hits)
        shown3, shown10 = shown3 + len(hits[:3]), shown10 + len(hits)
        print(f"{request[:40]:40s} {intent.scenario or '-':18s} {reading:28s} {sum(hits[:3])}/3  {sum(hits)}/{len(hits)}  "
              + "; ".join(it.title[:30] for it in got[:3]))  # fmt: skip
    print(f"{counted} requests; {title}: top 3 {top3}/{shown3}" + ("" if after or shown10 == shown3 else f", top 10 {top10}/{shown10}"))


def writes(patterns: dict[str, re.Pattern[str]]) -> Callable[[Asked, Intent, Item], bool]:
    """A pick counts when its title, description or tags match the pattern of the request it answers."""
    return lambda asked, intent, it: bool(patterns[asked.request].search(" ".join([it.title, it.description or "", *it.tags]).casefold()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--after", help="a message sent first in each request's session")
    ap.add_argument("--data-dir", type=Path)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    args, bot = weighed_bot(ap)
    films = lambda requests: [Asked(request, "movies") for request in requests]  # noqa: E731
    measure(bot, "picks with every genre asked", films(GENRES), args.after,
            lambda asked, intent, it: set(intent.constraints.include_genres) <= set(it.genres),
            read=lambda intent: len(intent.constraints.include_genres) >= 2)  # fmt: skip
    measure(bot, "picks with the Children genre", films(CHILDREN), args.after, lambda asked, intent, it: "Children" in it.genres,
            read=lambda intent: intent.constraints.audience == "children")  # fmt: skip
    measure(bot, "picks not made for children", [Asked(*r) for r in GROWN_UPS], args.after,
            lambda asked, intent, it: not bot.lexicon.made_for_children(it) and (it.age_range() or (0, 99))[1] >= 18)  # fmt: skip
    measure(bot, "Romance picks", films(DATES), args.after, lambda asked, intent, it: "Romance" in it.genres)
    measure(bot, "picks of no genre that clashes with the mood asked", films(MOODS), args.after,
            lambda asked, intent, it: not {g for m in bot.lexicon.moods_in(asked.request) for g in bot.lexicon.moods[m]} & set(it.genres))
    tags = lambda intent: {t for ts in intent.constraints.want_moods.values() for t in ts}  # noqa: E731
    measure(bot, "picks tagged with the mood asked", films(TAGGED), args.after,
            lambda asked, intent, it: bool(tags(intent) & {t.casefold() for t in it.tags}), read=lambda intent: bool(intent.constraints.want_moods))
    plain = {*bot.lexicon.generic, *(w for ws in bot.lexicon.domains.values() for w in ws)}  # "movie" names no title
    words = lambda asked: {w for w in re.findall(r"[a-z]+", asked.request.casefold()) if w not in plain}  # noqa: E731
    measure(bot, "picks whose title holds a word of the request", films(TAGGED), args.after,
            lambda asked, intent, it: bool(words(asked) & set(re.findall(r"[a-z]+", it.title.casefold()))))
    named = {request: re.compile(pattern) for request, _, pattern in NAMED}
    measure(bot, "picks that are the thing named", [Asked(request, domain) for request, domain, _ in NAMED], args.after, writes(named))
    said = {then: re.compile(pattern) for _, then, _, pattern in ADDED}
    measure(bot, "picks with what a follow-up added", [Asked(then, domain, first) for first, then, domain, _ in ADDED], args.after,
            writes(said))

if __name__ == "__main__":
    main()
