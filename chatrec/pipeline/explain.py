"""Stage 4: ranked items → a reply in the person's language.

The model writes why each pick suits the request, one numbered line per pick, from that
pick's own facts (the prompt gives it nothing else). Code reads the stream sentence by
sentence: each sentence is checked against its pick's facts (:mod:`chatrec.pipeline.grounding`)
and shown only if it passes; one that fails is dropped and counted, and a pick left with no
sentence gets code's own reason, built from its metadata. A sentence the token budget cut
is never shown. If the model is down, every pick gets code's reason and the reply says so.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from chatrec.llm.client import AVOID
from chatrec.llm.meter import TurnModel
from chatrec.models import Intent, Item, Recommendation
from chatrec.pipeline.grounding import LINE_START, OPENING_QUOTE, YEAR_PREFIX, Grounding
from chatrec.pipeline.titles import spoken_title
from chatrec.present import fact_card, price_text, reply_list, shown_title
from chatrec.prompts import PromptLibrary
from chatrec.safety import LeakWatch
from chatrec.scenarios import Scenario

log = logging.getLogger(__name__)

_LANGUAGE = {"en": "English", "zh": "简体中文 (Simplified Chinese; 每一行都用中文写)"}
# A full stop followed by a space ends a sentence ("3.5" does not), unless it closes an initial or an
# abbreviation ("L.A. Story", "P. G. Wodehouse", "Dr. Seuss").
_BOOK_QUOTE = re.compile(r"《[^》\n]*(?:》|$)")  # a title in Chinese quotes, or one still being written
_SENTENCE_END = re.compile(r"(?<!\b[A-Z])(?<!\b(?:Mr|Ms|Dr|St|Jr|Sr|vs|No))(?<!\bMrs)[.!?](?=[\s\"'”’)])|[。！？]")
_WORDS = re.compile(r"\w+")
_OPENER_PREFIX = re.compile(r"^" + YEAR_PREFIX + r"[\s《「“\"*]*")  # "1999年的《 Fight Club》…" opens with the title
_TITLE_MARK = "thepickstitle"  # stands for the pick's title while facts are cut from a line's start
# The spaces a Chinese line may write: an author's or a character's name, not a sentence of English (the small model,
# given English facts, had written four English sentences under 《The Fellowship of the Ring》 for "给我妈妈挑一本生日礼物书")
_ZH_SPACES = 4
# A line's number ("2. ", "**2.**") has arrived, or is not coming, once this many characters of the line have.
_NUMBER_WAIT = 6
_TERMINAL = re.compile(r"[.!?。！？][\"'”’)]*$")
# "《The Politically Incorrect Guide To American History》这本书…": the card above shows the title; "这本书…" reads on.
_OWN_TITLE_THEN_THIS = re.compile(r"^\s*《\s*([^》]{1,120}?)\s*》\s*(?=这)")


def reason(item: Item, intent: Intent, chinese: Mapping[str, str] | None = None) -> str:
    """Code's own reason: the item's facts plus the asked-for constraints it meets (the fallback).
    ``chinese``: genres' Chinese names, so a Chinese reason does not say "Comedy / Romance"."""
    zh = intent.language == "zh"
    name = (lambda g: (chinese or {}).get(g, g)) if zh else (lambda g: g)
    c = intent.constraints
    parts: list[str] = []
    if item.genres:
        parts.append(" / ".join(map(name, item.genres[:3])))
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
        fits.append(("符合：" if zh else "is ") + ", ".join(map(name, matched[:2])))
    # what the person ruled out: "no" only of what the item lacks; asked about a pick ("is the second one ok for kids?"),
    # Pulp Fiction had been called "no Horror, Thriller, War"
    genres = {x.casefold() for x in item.genres}
    if clash := [g for g in c.exclude_genres if g.casefold() in genres]:
        fits.append(("但它是 " if zh else "but it is ") + ", ".join(map(name, clash)))
    elif c.exclude_genres:
        fits.append(("不含 " if zh else "no ") + ", ".join(map(name, c.exclude_genres[:3])))
    if c.price_max is not None and item.price is not None:
        fits.append(f"≤ {c.price_max:g}")
    text = " · ".join(parts)
    return f"{text} ({'; '.join(fits)})" if fits else text


@dataclass
class Written:
    """What the model's reasons came to in one reply."""

    reasons: dict[int, str] = field(default_factory=dict)  # pick index → the sentences shown
    checked: int = 0  # sentences the model wrote about a pick, each checked
    dropped: int = 0  # of those, failed the check and never shown
    cut: int = 0  # fragments the token budget cut off, never shown
    retitled: int = 0  # of those checked, lines opening with a Chinese title of their own, given the pick's title
    leaked: bool = False

    def counts(self) -> dict[str, int]:
        return {"checked": self.checked, "dropped": self.dropped, "cut": self.cut, "shown": self.checked - self.dropped,
                "retitled": self.retitled}


class PickLines:
    """The reply's list of picks, written in order as the model's checked sentences arrive: a pick
    the model skipped, or whose sentences all failed, gets code's reason when its turn has passed."""

    def __init__(self, picks: list[Recommendation], language: str = "en") -> None:
        self.picks = picks
        self.language = language
        self.next = 0  # the first pick whose line has not been started
        self.open: int | None = None  # the pick whose line is being written

    def _line(self, index: int, reason: str | None) -> str:
        pick = self.picks[index]
        return f"\n{index + 1}. **{shown_title(pick.item, self.language)}** — " + (reason if reason is not None else pick.reason)

    def say(self, index: int, sentence: str) -> str:
        if index == self.open:
            return " " + sentence
        if index < self.next:
            return ""  # its line is written already
        skipped = "".join(self._line(i, None) for i in range(self.next, index))
        self.next, self.open = index + 1, index
        return skipped + self._line(index, sentence)

    def rest(self) -> str:
        """Code's reason for every pick not reached."""
        rest = "".join(self._line(i, None) for i in range(self.next, len(self.picks)))
        self.next, self.open = len(self.picks), None
        return rest


class ReasonWriter:
    """Turns the model's numbered lines into checked sentences, pick by pick, as the text streams in."""

    def __init__(self, picks: list[Recommendation], grounding: Grounding, watch: LeakWatch, language: str,
                 written: Written | None = None) -> None:  # fmt: skip
        self.picks = picks
        self._titles = [r.title for r in picks]
        self.grounding = grounding
        # a pick's title, its main title, or a Chinese title it carries ("《玩具总动员》讲述…" is about Toy Story)
        self._openers = [{t for t in (title.casefold(), title.split(":")[0].strip().casefold()) if len(t) >= 3} | set(item.chinese_titles())
                         for title, item in zip(self._titles, grounding.picks, strict=True)]  # fmt: skip
        self.watch = watch
        self.full_stop = "。" if language == "zh" else "."
        self.written = written if written is not None else Written()
        self._pending = ""
        self._at_line_start = True
        self._current: int | None = None  # the pick the current line is about (None: not about a pick)
        self._done: set[int] = set()
        self._opening = False  # the next sentence is the first of its line
        self._number = 0  # the number the current line started with (0-based)

    def feed(self, chunk: str) -> list[tuple[int, str]]:
        """The sentences this chunk completed that may be shown, as (pick index, sentence)."""
        if self.written.leaked or self.watch.feed(chunk):
            self.written.leaked = True
            return []
        self._pending += chunk
        return self._drain(final=False)

    def finish(self, cut: bool) -> list[tuple[int, str]]:
        """The end of the stream; ``cut``: the token budget ended it, so a last unfinished sentence is dropped."""
        if self.written.leaked or self.watch.finish():
            self.written.leaked = True
            return []
        return self.end_call(cut)

    def end_call(self, cut: bool) -> list[tuple[int, str]]:
        """The end of one call's text (a line of its own follows); ``cut`` as for :meth:`finish`."""
        if cut and self._pending.strip() and not _TERMINAL.search(self._pending.strip()):
            self.written.cut += 1
            self._pending = ""
        out = self._drain(final=True)
        self._at_line_start = True
        return out

    def _drain(self, final: bool) -> list[tuple[int, str]]:
        """Emit every sentence the text so far has completed (at the end: whatever is left of each line)."""
        out: list[tuple[int, str]] = []
        while self._pending:
            if self._at_line_start and not self._read_number(final):
                break  # the line's number may still be arriving
            newline = self._pending.find("\n")
            line = self._pending if newline < 0 else self._pending[:newline]
            if (end := next(sentence_ends(line, self._titles), None)) is not None:
                sentence, self._pending = line[: end.end()], self._pending[end.end() :]
            elif newline >= 0 or final:
                sentence, self._pending = line, self._pending[len(line) :]
            else:
                break  # an unfinished sentence: wait for the rest
            out += self._emit(sentence)
            if self._pending.startswith("\n"):
                self._pending, self._at_line_start = self._pending[1:], True
        return out

    def _read_number(self, final: bool) -> bool:
        """Read a line's "2." prefix; False while it may still be arriving."""
        stripped = self._pending.lstrip("\n")
        match = LINE_START.match(stripped)
        if match is None and not final and len(stripped) < _NUMBER_WAIT and "\n" not in stripped:
            return False
        self._pending = stripped[match.end() :] if match else stripped
        if match:
            n = self._number = int(match.group(1)) - 1
            self._current = n if 0 <= n < len(self.picks) and n not in self._done else None
            if self._current is not None:
                self._done.add(self._current)
            self._opening = True
        self._at_line_start = False
        return True

    def _addressed(self, text: str) -> int | None:
        """The pick a line is about: one that opens with the title of a pick not yet written, numbered this line's
        number or later, is about that pick, whatever its number says (the small model sometimes writes pick 2's
        reason under "1."). A quote mark or a year may come first ("1999年的《Fight Club》"), a title may lose
        its subtitle ("The Drama of the Gifted Child" for "…:The Search for the True Self") or be translated
        ("《美国美丽》", see :meth:`Grounding.translated`). The longest such title wins ("Fear X: …" is about Fear X)."""
        n, lowered = self._current, _OPENER_PREFIX.sub("", text.casefold())
        allowed = [j for j in range(max(0, self._number), len(self.picks)) if j == n or j not in self._done]
        opens = {j: max((len(t) for t in self._openers[j] if lowered.startswith(t)), default=0) for j in allowed}
        j = max(opens, key=opens.__getitem__, default=None)
        if j is None or not opens[j]:
            quoted = OPENING_QUOTE.match(text)
            j = self.grounding.translated(quoted.group(1)) if quoted else None
            if j not in allowed:
                return n
        if j != n:
            self._done = (self._done - {n}) | {j}
        return j

    def _emit(self, sentence: str) -> list[tuple[int, str]]:
        text = sentence.replace("**", "").strip()
        if self._opening:
            self._opening, self._current = False, self._addressed(text)
        if self._current is not None:
            text = _without_facts_prefix(text, self.grounding.facts[self._current], self.picks[self._current].title)
            if (retitled := self.grounding.retitled(text, self._current)) != text:
                text, self.written.retitled = retitled, self.written.retitled + 1
            if (m := _OWN_TITLE_THEN_THIS.match(text)) and m.group(1).casefold() == self.picks[self._current].title.casefold():
                text = text[m.end() :]
        if not text.strip(" .。-—:：0123456789\"'“”‘’"):
            return []  # punctuation, a stray quote or line number, not a sentence
        self.written.checked += 1
        if self._current is None:
            self.written.dropped += 1  # not about any pick (a preamble, a repeated number)
            return []
        if problems := self.grounding.problems(text, self._current):
            self.written.dropped += 1
            log.info("explain: dropped a sentence about %r: %s (%s)", self.picks[self._current].title, text, "; ".join(problems))
            return []
        if not _TERMINAL.search(text):
            text += self.full_stop
        self.grounding.accept(text, self._current)
        shown = self.written.reasons.get(self._current)
        self.written.reasons[self._current] = f"{shown} {text}" if shown else text
        return [(self._current, text)]


def one_line(chunks: Iterable[str], number: int) -> Iterator[str]:
    """The first line of a call that saw one pick (as "Pick 1"), numbered ``number``, the reply's pick it is about:
    whatever number the model wrote, or none (an endpoint without the grammar), gives way to it; what follows the
    line is read to the end of the stream (its last chunk carries the call's usage) but not passed on."""
    pending, started, chunks = "", False, iter(chunks)
    for chunk in chunks:
        pending += chunk
        if not started and len(pending.lstrip()) < _NUMBER_WAIT and "\n" not in pending.lstrip():
            continue  # the model's number may still be arriving
        if not started:
            pending, started = _numbered(pending, number), True
        if (end := pending.find("\n")) >= 0:
            yield pending[:end]
            for _ in chunks:
                pass
            return
        yield pending
        pending = ""
    if not started and pending.strip():
        yield _numbered(pending, number)


def _numbered(text: str, number: int) -> str:
    body = text.lstrip()
    return f"{number}. " + (body[m.end() :] if (m := LINE_START.match(body)) else body)


def lines_grammar(numbers: Sequence[set[str]], openings: Sequence[str] = (), ends: str = "", spaces: int | None = None,
                  english: bool = True, names: Sequence[set[str]] = ()) -> str:
    """A llama.cpp grammar (GBNF) for the reasons: one line per pick, numbered in order, each writing no number but
    those ``numbers[i]`` allows pick ``i`` (see :meth:`Grounding.numbers_allowed`; full-width digits are barred too:
    the small model writes "５" where "5" is barred), and no run of spaces (where a digit was barred, it would
    otherwise pad with spaces). The number check still reads every sentence: the grammar only spares the model
    sentences it would have lost ("a thriller that fits 1989 to 1994", of a 1995 film). ``openings``: words each
    line starts with, written by code (then at least one of the model's own follows); ``ends``: the marks one of
    which ends each line (a line cannot stop at a title or its subtitle); ``spaces``: the most spaces the model may write
    in a line (a Chinese line has room for a name of a few words, not for an English sentence); ``english`` False:
    no English word but a name (capitalised: "FBI", "Tom Hanks") or inside 《》 (the small model had written "一个
    burger-loving的犯罪分子", "一个充满惊喜的 suburb" in Chinese lines). ``names`` (English lines): the capitalised
    words each line may write inside a sentence (see :func:`_named_lines`)."""
    starts = [f'"{i}. "' + (f" {json.dumps(o, ensure_ascii=False)}" if o else "") for i, o in enumerate(openings or [""] * len(numbers), start=1)]
    quoted = '"《" q (" " q){0,6} "》"\nq ::= [^》\\n0-9０-９ ]+'  # a title of up to seven words, as the model writes it
    letter = "c ::= [^0-9０-９\\n ]" if english else f"c ::= [^0-9０-９\\n a-zA-Z《] | [A-Z] [a-z]* | {quoted}"
    rules = ['root ::= ' + ' "\\n" '.join(f"{start} t{i}" for i, start in enumerate(starts, start=1)) + ' "\\n"?']
    if english and names:
        return "\n".join([*rules, *_named_lines(numbers, names, opened=bool(openings))]) + "\n"
    rules.append(letter)
    for i, allowed in enumerate(numbers, start=1):
        word = f"((c | n{i} c)+ n{i}? | n{i})" if allowed else "c+"  # a letter or a mark after each number: no two run on
        more = "*" if spaces is None else f"{{0,{spaces}}}"
        rules.append(f"t{i} ::= {word} (\" \" {word}){more} " + (f"[{ends}]" if ends else '" "?'))
        if allowed:
            rules.append(f"n{i} ::= " + " | ".join(f'"{n}"' for n in sorted(allowed)))
    return "\n".join(rules) + "\n"


def _named_lines(numbers: Sequence[set[str]], names: Sequence[set[str]], opened: bool = False) -> list[str]:
    """Rules for English lines (see :func:`lines_grammar`) that write a capitalised word inside a sentence only when
    it is one of ``names[i]`` for line ``i``, whole (an acronym too: "FBI", "TV"); a sentence's first word may be any. Names
    the facts lack were most of the sentences the check dropped ("Forrest Gump's romantic journey with Jenny", "the
    aftermath of the Vietnam War" of *No Man's Land*, "beloved by fans of the Marvel Cinematic Universe"). ``opened``:
    each line starts with its pick's title, which a word of no capital follows (after "'s" or a comma, if any)."""
    rules = ["c ::= [^0-9０-９\\n A-Z]", "u ::= [A-Z]", "p ::= [\"'(“‘]", "x ::= [^0-9０-９\\n a-zA-Z]"]
    for i, (allowed, named) in enumerate(zip(numbers, names, strict=True), start=1):
        rest = f"(c | n{i} c)* n{i}?" if allowed else "c*"
        whole = " | ".join([*(json.dumps(n, ensure_ascii=False) for n in sorted(named)), "u u u? u?"])
        rules += [f"o{i} ::= " + (f"(c | n{i} c)+ n{i}? | n{i}" if allowed else "c+"),  # a word with no capital
                  f"a{i} ::= p? ({whole}) (x {rest})?",  # a name, whole: no letter after it ("A" starts no "American")
                  f"t{i} ::= " + (f"(\"'s\" | \",\")? \" \" o{i} s{i}" if opened else f"(p? u {rest} | o{i}) s{i}"),  # a sentence's first word
                  f"s{i} ::= \" \" (o{i} | a{i}) s{i} | [.!?] [\"'”’)]? \" \" (p? u {rest} | o{i}) s{i} | \" \"?"]  # fmt: skip
        if allowed:
            rules.append(f"n{i} ::= " + " | ".join(f'"{n}"' for n in sorted(allowed)))
    return rules


def sentence_ends(text: str, titles: Sequence[str] = ()) -> Iterator[re.Match[str]]:
    """Where sentences end in ``text``; punctuation inside a title, or ending the title or its first words, ends none
    ("In a World...", "Seven Up!", "Yu-Gi-Oh!" for "Yu-Gi-Oh! 2015 Mega Tins")."""
    lowered, inside = text.casefold(), set[int]()
    for title in {t[: i + 1].casefold() for t in titles for i, c in enumerate(t) if c in ".!?"}:
        start = lowered.find(title)
        while start >= 0:
            inside.update(range(start, start + len(title)))
            start = lowered.find(title, start + 1)
    for quoted in _BOOK_QUOTE.finditer(text):  # 《Scooby-Doo! Abracadabra! Doo》, however the model wrote the title
        inside.update(range(*quoted.span()))
    return (m for m in _SENTENCE_END.finditer(text) if m.start() not in inside)


def sentences(text: str, titles: Sequence[str] = ()) -> list[str]:
    """``text`` cut where the reason writer cuts sentences (so a re-check sees what was checked)."""
    out, start = [], 0
    for end in sentence_ends(text, titles):
        out.append(text[start : end.end()].strip())
        start = end.end()
    return [s for s in [*out, text[start:].strip()] if s]


def _without_facts_prefix(text: str, facts: str, title: str) -> str:
    """"Toy Story (1995) — Animation, Comedy — A fun…" → "A fun…": the card shows those facts already.

    Leading segments (up to " — ", " - " or a colon) made only of the pick's own fact words are cut; a dash or
    colon inside the title, however the model capitalised it, is not a segment's end ("《For Esmé - With Love and
    Squalor》适合…" stays whole)."""
    pattern = re.compile(re.escape(title), re.IGNORECASE)
    written = pattern.findall(text) if len(title) >= 3 else []
    marked = pattern.sub(_TITLE_MARK, text) if written else text
    known = set(_WORDS.findall(facts)) | {"by", _TITLE_MARK}
    while head := re.match(r"(.{2,}?)\s*(?:\s[—–-]\s|[—:：]\s*)", marked):
        words = _WORDS.findall(head.group(1).casefold())
        opened = head.group(1).count("《") > head.group(1).count("》")  # a colon inside a title the model wrote its own way
        if not words or not set(words) <= known or not marked[head.end() :].strip() or opened:
            break
        marked = marked[head.end() :]
    kept = iter(written[len(written) - marked.count(_TITLE_MARK) :])  # the title as the model wrote it, each time
    marked = re.sub(_TITLE_MARK, lambda _: next(kept), marked)
    return marked[:1].upper() + marked[1:]


class Explainer:
    def __init__(self, prompts: PromptLibrary) -> None:
        self.prompts = prompts

    @staticmethod
    def heading(intent: Intent, scenario: Scenario | None) -> str:
        zh = intent.language == "zh"
        if scenario:
            return f"为你推荐（{scenario.title_zh or scenario.title}）：" if zh else f"Here are my picks for {scenario.title.lower()}:"
        return "为你推荐：" if zh else "Here are my picks:"

    def template(self, items: list[Recommendation], intent: Intent, scenario: Scenario | None) -> str:
        """The whole reply from code alone: a heading and each pick with code's reason."""
        if not items:
            return ("没有找到符合所有条件的结果。可以放宽一些条件再试试吗？" if intent.language == "zh"
                    else "I found nothing that meets all of your conditions. Could you loosen one of them?")  # fmt: skip
        return f"{self.heading(intent, scenario)}\n{reply_list(items, intent.language)}"

    def stream(self, items: list[Recommendation], intent: Intent, scenario: Scenario | None, message: str,
               model: TurnModel, avoid: Sequence[str] = (), numbers: Sequence[set[str]] = (), names: Sequence[set[str]] = (),
               line: int | None = None) -> Iterator[str]:  # fmt: skip
        """The model's numbered reasons, token by token (raises LLMError if it cannot give them); for a call about
        one pick, ``line``: that pick's number in the reply, and its one line (see :func:`one_line`).

        The prompt is the one written in the person's language where there is one (``explain.zh``), with its
        server options (the DRY sampler, so three reasons do not come out as one sentence three times), ``avoid``:
        words a local server is told not to write (see :meth:`Grounding.unfit_words`), and ``numbers``: the numbers
        each pick's line may write, and in English ``names``: the capitalised words, as a grammar (:func:`lines_grammar`)."""
        name = self.prompts.variant("explain", intent.language)
        messages = self.prompts.render(
            name, language=_LANGUAGE[intent.language], request=message,
            style=scenario.style if scenario else "Be brief and friendly.",
            picks="\n".join(fact_card(n, r.item, intent.language) for n, r in enumerate(items, start=1)),
        )  # fmt: skip
        # A line opens with its pick's title, written by code: else the small model often opens a Chinese line with a
        # famous work that fits the request instead ("《泰坦尼克号》：一部…" under Groundhog Day for "九十年代的爱情电影"), and an
        # English one with the request ("A space adventure film is a space adventure film."). A Chinese line ends with
        # a full stop and has no room for English sentences: else it may write a long English title and nothing more
        zh = intent.language == "zh"
        openings = [f"《{spoken_title(r.item, 'zh')}》" if zh else spoken_title(r.item, "en") for r in items]
        grammar = (lines_grammar(numbers, openings, ends="。！？", spaces=_ZH_SPACES, english=False) if zh
                   else lines_grammar(numbers, openings, names=names))  # fmt: skip
        options = {**self.prompts.get(name).options, **({AVOID: list(avoid)} if avoid else {}), **({"grammar": grammar} if numbers else {})}
        budget = 50 * len(items) + 20 + sum(map(len, openings))  # an opening's tokens are spent too (at most one a character)
        chunks = model.stream("explain", messages, max_tokens=budget, temperature=0.3, options=options)
        yield from chunks if line is None else one_line(chunks, line)
