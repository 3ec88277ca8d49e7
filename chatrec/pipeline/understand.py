"""Stage 1: message (+ session) → :class:`Intent`.

Code reads every message: deterministic parsers for numbers, genre words, negations and
cues, scenario keywords, catalog titles. The model's reading is optional (``llm_understand``):
with the bundled model it added nothing measurable on the phrasing set and delayed the cards
by about two seconds, so it is off by default; a stronger endpoint may earn it.

When asked, the model fills a deliberately small schema (action, scenario, domain, query, a few genre
words); grammar-constrained decoding of big schemas is slow on a CPU. Code then checks it:
numbers and genre words come from the deterministic parser and win; the model's genre words
count only if the person named them, and its exclusions only if the person actually said no
to something; anything naming an unknown scenario or domain is dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from chatrec.catalog.facts import CatalogFacts
from chatrec.llm.client import LLMError
from chatrec.llm.meter import TurnModel
from chatrec.memory import Session
from chatrec.models import Action, Comparison, Constraints, Edge, Exchange, Intent, Relative
from chatrec.pipeline.original_titles import OriginalTitles
from chatrec.pipeline.parse import Lexicon, Parsed, without_amounts
from chatrec.pipeline.titles import TitleIndex, without_spans
from chatrec.prompts import PromptLibrary
from chatrec.scenarios import Scenario

log = logging.getLogger(__name__)

REFINE_CUES = ("cheaper", "pricier", "newer", "older", "less_violent", "shorter", "longer", "switch")
VIOLENT = ["Action", "War", "Crime", "Horror", "Thriller"]
GENTLER = "violent"  # the mood "less violent" rules out of one list and its refinements; a new request starts without it
LIGHTER = "dark or gloomy"  # what a light mood asked for ("轻松的", "something cosy") rules out by the tags for dark; not carried either
FOLLOW_UPS: tuple[Action, ...] = ("refine", "more_like", "ask_item", "feedback")


@dataclass(frozen=True)
class RelativeBound:
    """A refinement relative to the picks just shown: the bound it sets, from their prices or years (sorted), and
    the looser bound it falls back to when nothing meets the first."""

    field: Literal["price_max", "price_min", "year_min", "year_max"]
    strict: Callable[[list[float]], float]
    loose: Callable[[list[float]], float]


RELATIVE: dict[Relative, RelativeBound] = {
    "cheaper": RelativeBound("price_max", lambda v: round(v[0] * 0.9, 2), lambda v: round(v[-1] - 0.01, 2)),  # than every pick
    "pricier": RelativeBound("price_min", lambda v: round(v[-1] * 1.1, 2), lambda v: round(v[0] + 0.01, 2)),
    "newer": RelativeBound("year_min", lambda v: int(v[len(v) // 2]) + 1, lambda v: int(v[0]) + 1),  # than most picks
    "older": RelativeBound("year_max", lambda v: int(v[len(v) // 2]) - 1, lambda v: int(v[-1]) - 1),
}


def _relative_bounds(parsed: Parsed, session: Session) -> Iterator[tuple[RelativeBound, list[float]]]:
    """Each relative refinement the message asks for that sets a bound it does not state, with the shown picks'
    prices (or years), sorted."""
    for cue, bound in RELATIVE.items():
        attr = "price" if bound.field.startswith("price") else "year"
        values = sorted(v for r in session.last_items if (v := getattr(r.item, attr)) is not None)
        if cue in parsed.cues and getattr(parsed, bound.field) is None and values:
            yield bound, values


# A question ("does the first one need batteries?", "第一部适合孩子看吗"): about a pick shown, it asks about that pick.
QUESTION = re.compile(r"[?？]|^\s*(?:does|do|is|are|was|can|will|would|how|what|which|who|where|when|why)\b|吗|呢|多少|几岁|什么",
                      re.IGNORECASE)
# A yes/no question about a pick ("is the second one cheaper than the first?"): a question, though it has a cue word.
YES_NO = re.compile(r"^\s*(?:is|are|was|were|does|do|did|can|will|would|has|have)\s+(?:the|that|this|it)\b", re.IGNORECASE)
# After an earlier request, a cue decides the action: (cues, needs "the second one" of a shown list, action).
# The first rule that fits wins; "I don't like the first one" is a rejection before it is a "like".
CUE_ACTIONS: tuple[tuple[frozenset[str], bool, Action], ...] = (
    (frozenset({"reject"}), False, "feedback"),
    (frozenset({"more_like"}), True, "more_like"),
    (frozenset({"ask_item"}), True, "ask_item"),
    (frozenset({"like"}), True, "feedback"),
    (frozenset(REFINE_CUES), False, "refine"),
)

# Which source wins each field: the first in the list with an opinion. Sources: the web UI's
# picker, catalog titles the message names ("I loved Toy Story" is about films, whatever "toy"
# says), the message (parsers, scenario keywords), the model (when asked), the session when
# the message follows up on the last list, the domain's scenario for requests that state no
# taste ("open"), or none beyond their constraints ("constrained": "a funny film" has no scenario
# keyword; "九十年代的爱情电影" names date night), the chosen scenario, the session's last domain,
# the first domain. "sure_domain" is the domain known before the scenario is chosen.
Source = Literal["picker", "titles", "message", "model", "follow_up", "open", "constrained", "scenario", "session", "default"]
Opinions = dict[str, Any]
PRECEDENCE: dict[str, tuple[Source, ...]] = {
    "sure_domain": ("picker", "titles", "message", "follow_up"),
    "scenario": ("picker", "open", "message", "follow_up", "model", "constrained"),
    "domain": ("picker", "titles", "message", "follow_up", "scenario", "model", "session", "default"),
    "query": ("follow_up", "model", "message"),
}


# A one-word thing ruled out, named right after the word that rules it out ("no zombies", "without aliens", "nothing with
# vampires", "no more sequels"), and not as a bound ("no older than 2000")
_RULED_OUT = re.compile(r"\b(?:no|without|nothing with|none of the|not any|avoid|skip)\s+(?:(?:any|more|the)\s+)?(?P<w>[a-z][a-z-]+)\b(?!\s+than)")
EDGE_SPAN = 2  # years asked past the catalog's newest (or oldest) become its last (or first) three


def _to_edge(c: Constraints, oldest: int, newest: int) -> tuple[Constraints, Edge | None]:
    """Years the catalog has none of moved to its edge ("films from 2022", "the last five years" of films that end in
    2018: from 2016), and the edge to tell; bounds that meet the catalog's years stand."""
    asked = (c.year_min, c.year_max)
    if c.year_min is not None and c.year_min > newest:
        return c.model_copy(update={"year_min": newest - EDGE_SPAN, "year_max": None}), Edge(newest=True, year=newest, asked=asked)
    if c.year_max is not None and c.year_max < oldest:
        return c.model_copy(update={"year_min": None, "year_max": oldest + EDGE_SPAN}), Edge(newest=False, year=oldest, asked=asked)
    return c, None


def first(opinions: Opinions, order: tuple[Source, ...]) -> Any:
    """The opinion of the first source in ``order`` that has one (None if none has)."""
    return next((opinions[s] for s in order if opinions.get(s) not in (None, "")), None)


def llm_schema(scenarios: list[str], domains: list[str]) -> type[BaseModel]:
    """The model's schema, with enums so it can only name scenarios and domains that exist.

    No length bounds: llama.cpp turns them into large grammars that decode slowly on a CPU;
    code truncates instead.
    """
    return create_model(
        "IntentProposal",
        action=(Literal["recommend", "refine", "more_like", "ask_item", "feedback", "chitchat"], ...),
        scenario=(Literal[tuple([*scenarios, "none"])], ...),  # type: ignore[valid-type]
        domain=(Literal[tuple([*domains, "any"])], ...),  # type: ignore[valid-type]
        query=(str, ...),
        include=(list[str], Field(default_factory=list)),
        exclude=(list[str], Field(default_factory=list)),
    )


@dataclass
class Understander:
    """Reads a message in its session; ``ask_model`` adds the model's reading (see module doc)."""

    lexicon: Lexicon
    scenarios: dict[str, Scenario]
    domains: list[str]
    prompts: PromptLibrary
    titles: TitleIndex | None = None
    history_tokens: int = 800
    ask_model: bool = False
    facts: Callable[[str], CatalogFacts] | None = None  # what each domain's catalog can check
    originals: OriginalTitles | None = None  # Chinese titles to catalog titles, by the model
    rates: dict[str, float] = field(default_factory=dict)  # units of each currency to one US dollar (Settings.exchange_rates)
    _untitled_last: tuple[tuple[str, str], str] | None = field(default=None, init=False, repr=False)  # see _untitled

    def __post_init__(self) -> None:
        self._schema = llm_schema(list(self.scenarios), self.domains)
        self.open_scenarios = {s.domain: s for s in self.scenarios.values() if s.open_requests}

    def messages(self, message: str, history: str) -> list[dict[str, str]]:
        """The understand prompt: the scenario list and domains (static, cached) before the turn's text."""
        listing = "\n".join(f"  {s.name}: {s.description}" for s in self.scenarios.values())
        return self.prompts.render("understand", history=history, message=message, scenarios=listing, domains=", ".join(self.domains))

    def propose(self, message: str, session: Session, model: TurnModel) -> Any:
        """The model's reading of the message (raises LLMError if it has none to give)."""
        messages = self.messages(message, session.history(self.history_tokens, compact=True))
        return model.structured("understand", messages, self._schema, max_tokens=160)

    def scenario_by_keywords(self, text: str, domain: str | None) -> Scenario | None:
        """The scenario whose (non-negated) keywords the message uses most, preferring ``domain``."""
        best, best_score = None, 0.0
        for s in self.scenarios.values():
            hits = sum(1 for k in s.keywords for pos in self.lexicon.find(text, k) if not self.lexicon.negated(text, pos))
            score = hits + (0.5 if hits and domain == s.domain else 0) - (10 if domain and domain != s.domain else 0)
            if score > best_score:
                best, best_score = s, score
        return best

    def reading(self, message: str) -> str:
        """What the parser reads: the message without the films it names, whose titles and years ("War and Peace
        (2002)") are not the request's genres or years."""
        return without_spans(message, self.titles.named(message, self.domains)) if self.titles is not None else message

    def __call__(
        self, message: str, session: Session, model: TurnModel, *, domain: str | None = None, scenario: str | None = None
    ) -> tuple[Intent, list[str]]:
        """Read ``message``; a given ``domain`` or ``scenario`` (the UI's picker) overrides detection."""
        notices: list[str] = []
        if self.originals is not None:
            message = self.originals(message, model)
        parsed = self.lexicon.parse(self.reading(message), session.domain)
        proposal = None
        try:
            if self.ask_model:
                proposal = self.propose(message, session, model)
        except LLMError as e:
            log.warning("understand: answering without the model: %s", e)
            if model.present:
                notices.append("I read your message without the language model this time (it was unavailable).")
        intent = self.merge(message, parsed, proposal, session, domain, scenario)
        return intent, notices

    def merge(
        self,
        message: str,
        parsed: Parsed,
        proposal: Any | None,
        session: Session,
        force_domain: str | None = None,
        force_scenario: str | None = None,
    ) -> Intent:
        """Combine every source's reading (see :data:`PRECEDENCE`); code has the last word."""
        action = self._action(parsed, proposal, session, reading := self.reading(message))
        follow_up = action in FOLLOW_UPS
        picked = self.scenarios.get(force_scenario or "")
        said_domain = parsed.domain or parsed.genre_domain
        titled = self._titled_domain(message)
        domains: Opinions = {"picker": force_domain or (picked.domain if picked else None),
                             "titles": (self._asked_beside(message, titled) or titled) if titled else None,
                             "message": said_domain, "follow_up": session.domain if follow_up else None}  # fmt: skip
        sure = first(domains, PRECEDENCE["sure_domain"])
        guess = sure or session.domain  # the domain as far as known before the scenario is
        moods = self._moods(message, guess or self.domains[0])  # "a sad film" states no taste
        # "with aliens" after "a sci-fi novel": a taste of their own, searched with the request (no longer open)
        adds_taste = follow_up and not (parsed.include or parsed.domains) and self.lexicon.adds_taste(reading, guess, moods)
        # an open request stays open through follow-ups that add no taste ("something newer", "she's 6 years old")
        untasted = self._without_ruled_out(message, self._tagged(message, guess or self.domains[0])[1])  # "a horror film, no zombies"
        open_request = (self.lexicon.states_no_taste(untasted, beyond_constraints=True, domain=guess, moods=moods)
                        if action == "recommend" else follow_up and session.open_request and not adds_taste)  # fmt: skip
        open_scenario = self.open_scenarios.get(guess or self.domains[0]) if open_request else None
        kept = self.scenarios.get(session.scenario or "") if follow_up else None
        scenario: Scenario | None = first({
            "picker": picked,
            "message": self.scenario_by_keywords(message, sure),
            "model": self._model_scenario(proposal, parsed, sure),
            "follow_up": None if kept is None or (adds_taste and kept.open_requests) else kept,
            "open": open_scenario if open_scenario and self.lexicon.states_no_taste(message) else None,  # no taste at all
            "constrained": open_scenario,  # a taste only in constraints: a scenario the message names comes first
        }, PRECEDENCE["scenario"])  # fmt: skip
        domain: str = first({
            **domains, "scenario": scenario.domain if scenario else None,
            "model": proposal.domain if proposal is not None and proposal.domain in self.domains else None,
            "session": session.domain, "default": self.domains[0],
        }, PRECEDENCE["domain"])  # fmt: skip
        scenario = scenario if scenario is None or scenario.domain == domain else None
        if domain != said_domain and not (parsed.include or parsed.exclude):
            parsed = self.lexicon.parse(reading, domain)  # genre words read in the right domain
        parsed.wanted = self._moods(message, domain)
        query = self._query(message, parsed, proposal, session, follow_up, adds_taste)
        constraints = self._constraints(message, parsed, proposal, session, action, domain, scenario)
        taste = scenario.taste_for(constraints) if open_request and scenario is not None else None  # no taste of their own
        query = taste or self._without_ruled_out(query, constraints.exclude_words)
        intent = Intent(
            action=action, scenario=scenario.name if scenario else None, domain=domain, query=query, constraints=constraints,
            reference=parsed.reference, language=parsed.language, used_llm=proposal is not None,  # type: ignore[arg-type]
            open_request=open_request, ruled_out=self._ruled_out(parsed, session, domain),
        )  # fmt: skip
        self._checkable(intent, parsed, session)
        intent.fallback = self._looser(intent.constraints, parsed, session)
        self._referenced(intent, parsed, session)
        self._named_titles(message, intent, titled, session)
        return intent

    def _model_scenario(self, proposal: Any | None, parsed: Parsed, sure: str | None) -> Scenario | None:
        """The model's scenario, if it is of the domain the message surely names and leaves out no genre the message asks
        for outright (see :meth:`Scenario.rules_out`)."""
        scenario = self.scenarios.get(proposal.scenario) if proposal is not None else None
        fits = scenario is not None and sure in (None, scenario.domain) and not scenario.rules_out(parsed.include)
        return scenario if fits else None

    @staticmethod
    def _ruled_out(parsed: Parsed, session: Session, domain: str) -> list[str]:
        """The genres ruled out in the session's domain so far, with the message's, less those it asks for and those
        only "less violent" leaves out: the next new request ("a classic crime film from the 70s") is not held to it."""
        earlier = session.ruled_out if domain == session.domain else []
        return [g for g in dict.fromkeys([*earlier, *parsed.exclude]) if g not in parsed.include and g not in parsed.passing]

    def _query(self, message: str, parsed: Parsed, proposal: Any | None, session: Session, follow_up: bool, adds_taste: bool) -> str:
        """What is searched by meaning: a follow-up keeps the request's words, with its own taste added ("a sci-fi novel
        with aliens"), unless it names a genre or domain of its own without a switch ("a comedy instead" after zombie
        horror: zombie comedies); else the model's query, else the message, without
        the grown-up it is for, its prices and ages (see :func:`without_amounts`) and the moods it rules out or asks for by
        tag (see :meth:`Lexicon.without_grown_ups`)."""
        said = self.lexicon.without_grown_ups(without_amounts(self.lexicon.without_moods(message, parsed.wanted))) or message  # "my 9 year old nephew"
        switched = "switch" in parsed.cues and bool(parsed.domains or parsed.include)  # "a film instead", "换成小说": the taste stays
        kept = f"{session.query} {said}".strip() if adds_taste or switched else session.query
        return first({"follow_up": kept if follow_up and (switched or not (parsed.include or parsed.domains)) else None,
                      "model": proposal.query.strip()[:160] if proposal is not None else None,
                      "message": said}, PRECEDENCE["query"])  # fmt: skip

    def _constraints(self, message: str, parsed: Parsed, proposal: Any | None, session: Session, action: Action,
                     domain: str, scenario: Scenario | None) -> Constraints:  # fmt: skip
        """Layers, each refining the one before: what carries over from the session, the scenario's
        defaults, what the message states (the model's genre words checked against it), bounds
        relative to what was shown, and the rule that children never get horror."""
        follow_up = action in FOLLOW_UPS
        if domain != session.domain:  # a new domain; "a film instead" is still for the same child
            old = session.constraints
            carried = Constraints(audience=old.audience, age=old.age) if follow_up else Constraints()
        elif follow_up:
            carried = session.constraints
        else:  # a new request in the same domain: what the person ruled out (genres, moods) still holds, not an earlier
            # scenario's defaults nor what "less violent" left off one list
            moods = {m: tags for m, tags in session.constraints.exclude_moods.items() if m not in (GENTLER, LIGHTER)}
            carried = Constraints(exclude_genres=session.ruled_out, audience=session.constraints.audience, exclude_moods=moods)
        if carried.audience == "children" and not parsed.children and {g.casefold() for g in parsed.include} & self.lexicon.adult_genres:
            carried = carried.model_copy(update={"audience": None, "age": None})  # "a horror comedy" after a family film:
            # a genre no children's list carries, asked outright, is not for the children any more
        if scenario is not None and (scenario.name != session.scenario or not follow_up):
            carried = carried.merged(scenario.constraints)
        if action == "more_like":
            carried = carried.model_copy(update={"include_genres": []})  # the referenced item defines the taste now
        # a genre the message asks for outright outlives an earlier exclusion ("an 80s horror movie" after date night's
        # "no horror"); only code's reading lifts one, never the model's
        carried = carried.model_copy(update={"exclude_genres": [g for g in carried.exclude_genres if g not in parsed.include]})
        if {g.casefold() for g in parsed.include} & self.lexicon.mood_genres.get("dark", set()):  # "a thriller" after "something light"
            carried.exclude_moods = {m: tags for m, tags in carried.exclude_moods.items() if m != LIGHTER}
        # "something light and funny": a mood asked for rules out the genres that clash with it (no Pulp Fiction),
        # never one asked for outright ("a heartwarming war film"; "something light" after "a thriller")
        clashing = {g for mood in parsed.moods for g in self.lexicon.moods[mood]} & self.lexicon.canonical_genres(domain)
        excluded = [*parsed.exclude, *sorted(clashing - {*parsed.include, *carried.include_genres, *parsed.exclude})]
        tagged, ruled_out = self._tagged(message, domain)
        stated = Constraints(
            include_genres=parsed.include, exclude_genres=excluded, blend=parsed.blend or None, year_min=parsed.year_min, year_max=parsed.year_max,
            price_min=parsed.price_min, price_max=parsed.price_max, audience=parsed.audience,
            age=parsed.age if parsed.age is not None and parsed.age < 18 else None,
            exclude_moods={m: sorted(self.lexicon.mood_tags[m]) for m in parsed.unwanted} | self._lighter(parsed, domain),
            exclude_words=ruled_out,
            want_moods={m: sorted(self.lexicon.mood_tags[m]) for m in parsed.wanted} | tagged,
        )  # fmt: skip
        if proposal is not None:
            stated = stated.merged(self._model_genres(proposal, parsed, domain, message))
        # "is the first one cheaper than the second?" compares two picks: no bound below every pick shown ("≤ 4.12")
        relative = self._relative(parsed, session, domain) if action != "ask_item" else Constraints()
        # "less violent" after "an action film" asks for gentler action, as "an action film that isn't too violent" does
        asked = {*carried.include_genres, *parsed.include}
        stated.exclude_genres = [g for g in stated.exclude_genres if g not in parsed.passing or g not in asked]
        relative.exclude_genres = [g for g in relative.exclude_genres if g not in asked]
        out = carried.merged(stated.merged(relative))
        if out.audience == "children" and domain == "movies":
            out = out.merged(Constraints(exclude_genres=["Horror"]))
        return out

    def _without_ruled_out(self, query: str, ruled_out: dict[str, list[str]]) -> str:
        """The query without the things ruled out and the word ruling each out: searched by meaning, "no zombies" finds
        zombie films."""
        if not ruled_out:
            return query
        negation = "|".join(map(re.escape, sorted([*self.lexicon.negations["en"], *self.lexicon.negations["zh"]], key=len, reverse=True)))
        words = "|".join(map(re.escape, sorted(ruled_out, key=len, reverse=True)))
        rest = re.sub(rf"(?:(?:{negation})\s*(?:(?:any|more|the|with)\s+)?)?(?<![a-z])(?:{words})(?![a-z])", " ", query, flags=re.IGNORECASE)
        return " ".join(rest.split()) or query

    def _lighter(self, parsed: Parsed, domain: str) -> dict[str, list[str]]:
        """A light mood asked for ("我想看点轻松的电影", "something cosy") rules out what the catalog tags dark, where it
        tags moods at all: *Logan* (Action, Sci-Fi; tagged dark, gritty) had been a pick, called "轻松愉快"."""
        dark = self.lexicon.mood_tags.get("dark")
        if not parsed.moods or not dark or "dark" in parsed.wanted or not self._mood_tagged(domain):
            return {}
        return {LIGHTER: sorted(dark)}

    def _asked_beside(self, message: str, titled: str) -> str | None:
        """Another domain the message names by word, outside the titles it names: what is asked for when the titles
        only say what the person liked ("I loved the films X and Y; recommend me a book")."""
        rest = message.casefold()
        for m in self.titles.mentions(message, titled) if self.titles is not None else []:
            rest = rest.replace(m.title.casefold(), " ")
        counts = self.lexicon.parse(rest, titled).domains
        return next((d for d in sorted(counts, key=lambda d: -counts[d]) if d != titled), None)

    def _titled_domain(self, message: str) -> str | None:
        """The domain of the catalog titles the message names, if they name any in exactly one domain; titles named
        with their year first ("I love Monsters, Inc. (2001)" is a film, whatever book a cue finds in "Monsters")."""
        if self.titles is None:
            return None
        named = {d for d in self.domains if self.titles.with_years(message, d)} or {d for d in self.domains if self.titles.mentions(message, d)}
        return named.pop() if len(named) == 1 else None

    def _moods(self, message: str, domain: str) -> list[str]:
        """The tagged moods ``message`` asks for, outside the titles it names ("more like The Dark Knight"), where the
        domain's catalog has the tags that say an item is sad or dark; none in "a sad novel", whose "sad" is searched
        by meaning (no tags say which books are sad)."""
        return self.lexicon.moods_wanted(self._untitled(message, domain)) if self._mood_tagged(domain) else []

    def _mood_tagged(self, domain: str) -> bool:
        """Whether ``domain``'s catalog has the tags that say an item is sad or dark."""
        return self.facts is not None and "mood" in self.facts(domain).checkable

    def _untitled(self, message: str, domain: str) -> str:
        """``message`` without the titles it names in ``domain``, found once per message and domain (the moods and the
        tags asked are read from it; in a pasted transcript of 10,000 words finding them takes seconds)."""
        if (last := self._untitled_last) is not None and last[0] == (message, domain):
            return last[1]
        text = without_spans(message, self.titles.mentions(message, domain)) if self.titles else message
        self._untitled_last = ((message, domain), text)
        return text

    def _tagged(self, message: str, domain: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """Tags of the domain's catalog the message names, not a genre word, outside the titles it names: those asked
        for ("a gripping thriller with a twist ending": items so tagged are preferred, as for a mood asked for; "twist"
        searched by meaning had found *Twisted* and *Twister*), and those ruled out ("a horror movie but no zombies",
        "不要丧尸的恐怖片": an item whose title, tags or description names it is out; searched by meaning, "no zombies" had
        found three zombie films). The lexicon's ``tag_words`` name them in other languages (有反转结局的惊悚片: "twist
        ending"). A one-word English tag counts only ruled out, right after "no" or "without" (see _RULED_OUT): too many
        everyday words are tags to read them otherwise ("nothing too long", "no older than 2000")."""
        if self.facts is None:
            return {}, {}
        text, facts = self._untitled(message, domain).casefold(), self.facts(domain)
        genres = {p.casefold() for p in self.lexicon.genres.get(domain, {})}
        named = {tag: [tag] for tag in facts.tag_phrases if tag not in genres}
        named |= {word: kept for word, tags in self.lexicon.tag_words.items() if (kept := [t for t in tags if t in facts.common_tags])}
        found = [(at[0], word) for word in named if word in text and (at := self.lexicon.find(text, word))]
        spans = [(start, start + len(word)) for start, word in found]
        inside = {w for start, w in found for a, b in spans if a <= start and start + len(w) <= b and b - a > len(w)}  # 杀手 in 连环杀手
        found = [(start, w) for start, w in sorted(found) if w not in inside]
        ruled_out = {w: named[w] for start, w in found if self.lexicon.negated(text, start)}
        ruled_out |= {m["w"]: forms for m in _RULED_OUT.finditer(text) if (forms := facts.tag_forms.get(m["w"])) and m["w"] not in genres}
        wanted = [w for start, w in found if w not in ruled_out]
        return {w: named[w] for w in wanted[:3]}, ruled_out

    def _checkable(self, intent: Intent, parsed: Parsed, session: Session) -> None:
        """Drop what the domain's catalog cannot check (prices of books, ages of films) and note it,
        so the reply says so instead of pretending."""
        if self.facts is None or intent.domain is None:
            return
        facts = self.facts(intent.domain)
        checkable = facts.checkable
        c = intent.constraints
        asked = {
            "price": c.price_min is not None or c.price_max is not None or bool({"cheaper", "pricier"} & set(parsed.cues)),
            "year": c.year_min is not None or c.year_max is not None or bool({"newer", "older"} & set(parsed.cues)),
            "age": c.age is not None,
            "length": bool({"shorter", "longer"} & set(parsed.cues)),  # no catalog has lengths: always told
            "mood": bool(c.exclude_moods),
        }
        dropped = {"price": {"price_min": None, "price_max": None}, "year": {"year_min": None, "year_max": None}, "age": {"age": None},
                   "length": {}, "mood": {"exclude_moods": {}}}  # fmt: skip
        for fact, wanted in asked.items():
            if wanted and fact not in checkable:
                intent.unchecked.append(fact)  # type: ignore[arg-type]
                intent.constraints = intent.constraints.model_copy(update=dropped[fact])
        if "price" not in intent.unchecked:
            self._exchanged(intent, parsed, session, facts.currency)
        if "year" not in intent.unchecked and facts.years is not None:
            intent.constraints, intent.edge = _to_edge(intent.constraints, *facts.years)

    def _exchanged(self, intent: Intent, parsed: Parsed, session: Session, catalog: str | None) -> None:
        """A price the message asks in another currency than the catalog's ("100元以内" of toys priced in pounds) read in
        the catalog's at the set rate (it had been read as £100), and told; with no rate for either, read as it stands.
        A follow-up that asks no price keeps the reading, told once."""
        asked = parsed.currency
        if parsed.price_min is None and parsed.price_max is None:
            last = session.last_reply.intent.exchange if session.last_reply is not None and intent.action in FOLLOW_UPS else None
            intent.exchange = last.model_copy(update={"told": True}) if last is not None else None
            return
        if asked is None or catalog is None or asked == catalog:
            return
        rate = self.rates[catalog] / self.rates[asked] if asked in self.rates and catalog in self.rates else None
        if rate is not None:
            c = intent.constraints
            update = {f: round(v * rate, 2) for f, v, said in (("price_min", c.price_min, parsed.price_min), ("price_max", c.price_max, parsed.price_max))
                      if v is not None and v == said}  # fmt: skip
            intent.constraints = c.model_copy(update=update)
        intent.exchange = Exchange(asked=asked, catalog=catalog, price_min=parsed.price_min, price_max=parsed.price_max, rate=rate)

    @staticmethod
    def _referenced(intent: Intent, parsed: Parsed, session: Session) -> None:
        """What a follow-up says about a shown item: liked, rejected, the one to find more like, or compared with another."""
        ref = session.item_at(parsed.reference)
        if intent.action == "feedback":
            if ref is not None and "like" in parsed.cues and "reject" not in parsed.cues:
                intent.liked_ids = [ref.item_id]
                intent.pointed_id = ref.item_id
            else:
                intent.rejected_ids = [ref.item_id] if ref else [r.item_id for r in session.last_items]
        if intent.action == "more_like" and ref is not None:
            intent.anchor_id = intent.pointed_id = ref.item_id
        if intent.action == "ask_item" and len(parsed.compared) == 1:
            intent.comparison = Comparison(other=parsed.references[1], by=parsed.compared[0])

    def _named_titles(self, message: str, intent: Intent, titled: str | None, session: Session) -> None:
        """Titles the person names (after a cue, in quotes, as "Title (Year)" or bare): liked ones anchor the search and
        steer the profile and collaborative signals, disliked ones are ruled out. A refinement that names none, of
        "more like X", is still more like X ("要2010年以后的" after "我喜欢僵尸之地，推荐几部类似的喜剧电影" had searched the
        words of the request it refines, and found comedies of any kind)."""
        if self.titles is None or intent.domain is None or intent.action in ("chitchat", "ask_item"):
            return
        # titles of another domain (films named by someone asking for a book) steer the picks too
        for mention in [m for d in dict.fromkeys([intent.domain, titled]) if d for m in self.titles.mentions(message, d)]:
            (intent.liked_ids if mention.liked else intent.rejected_ids).append(mention.item_id)
            if mention.liked and intent.anchor_id is None:
                intent.anchor_id = mention.item_id
                intent.action = "more_like"
        last = session.last_reply.intent if session.last_reply is not None else None
        if intent.action == "refine" and intent.anchor_id is None and last is not None and last.anchor_id and last.domain == intent.domain:
            intent.anchor_id = last.anchor_id

    def _action(self, parsed: Parsed, proposal: Any | None, session: Session, text: str) -> Action:
        """The first rule of :data:`CUE_ACTIONS` that fits; a greeting; then, after an earlier request, a message
        that names no new kind of item refines it (the model may only say it asks about or judges a shown item),
        unless it names an occasion only another domain serves; otherwise the model's (checked) proposal, or a new
        request."""
        shown = bool(session.last_items)
        asked = shown or bool(session.query)  # "something cheaper" refines the last request even if it found nothing
        cues = set(parsed.cues)
        compares = bool(parsed.compared and QUESTION.search(text))
        if shown and parsed.reference is not None and (YES_NO.search(text) or compares):
            return "ask_item"  # "is the second one cheaper than the first one?", "which is newer, the first or the second?"
        for wanted, needs_reference, action in CUE_ACTIONS:
            if cues & wanted and (shown and parsed.reference is not None if needs_reference else asked):
                if action == "refine" and self._new_taste_in_time(parsed, cues, session):
                    continue
                return action
        if shown and parsed.reference is not None and QUESTION.search(text):
            return "ask_item"  # "does the first one need batteries?", "第二个适合几岁？": a question about a pick shown
        named = bool(parsed.domains or parsed.include or parsed.exclude or parsed.genre_domain)
        said_nothing = not (named or parsed.year_min or parsed.year_max or parsed.price_max or parsed.price_min)
        if "chitchat" in cues and said_nothing:
            return "chitchat"  # a greeting or thanks: no need to trust the model's reading
        checked = self._checked_action(proposal.action, parsed, session, named) if proposal is not None else None
        other_people = parsed.audience is not None and session.constraints.audience not in (None, parsed.audience)
        if asked and not parsed.domains and not other_people:  # "no crime", "不要太悲伤的", "再来一部": the last
            if self._occasion_elsewhere(text, session):  # request, changed; but "a gift for my daughter" after a film
                return "recommend"  # is a new request: no film scenario is a gift
            return checked if checked in ("ask_item", "feedback", "more_like") else "refine"
        # "something for date night with my wife" after a family film: a request for other people is a new one
        return checked or "recommend"

    @staticmethod
    def _new_taste_in_time(parsed: Parsed, cues: set[str], session: Session) -> bool:
        """Whether a message whose only refining word is one of time ("classic", "older", "newer") asks for a kind of
        item of its own, named with its domain: "a classic crime film from the 70s" after romantic comedies is a new
        request, not the last one made older (which had kept date night's scenario); "an older comedy film" after
        comedies still refines them."""
        if not (cues & set(REFINE_CUES) <= {"older", "newer"} and parsed.domains and parsed.include):
            return False
        return not set(parsed.include) <= set(session.constraints.include_genres)

    def _occasion_elsewhere(self, text: str, session: Session) -> bool:
        """Whether a message that names no genre of the session's domain names an occasion (a scenario keyword that
        states no taste, from the lexicon's ``generic`` words: gift, birthday, 礼物) that only other domains' scenarios
        serve. "A birthday gift for my daughter" refines a novel (a book can be a gift) but not a film, nor does "a gift
        for my nephew who likes building things" ("something funny for his birthday" still does: a comedy is a film);
        audience words ("my daughter", "nephew") and ages are constraints, not occasions, and carry over in every
        domain."""
        if session.domain is None or any(not m.negated for m in self.lexicon.genre_mentions(text, session.domain)):
            return False
        served = {k for s in self.scenarios.values() if s.domain == session.domain for k in s.keywords}
        occasions = {k for s in self.scenarios.values() for k in s.keywords if k in self.lexicon.generic} - served
        return any(self.lexicon.says(text, k) for k in occasions)

    @staticmethod
    def _checked_action(proposed: Action, parsed: Parsed, session: Session, named: bool) -> Action:
        """The model's action, unless the session or the message contradicts it."""
        shown = bool(session.last_items)
        if proposed in FOLLOW_UPS and not shown:
            return "recommend"  # nothing was shown to follow up on
        if proposed in ("more_like", "ask_item") and session.item_at(parsed.reference) is None:
            return "refine" if shown else "recommend"  # no item named to be like or to ask about
        if proposed == "chitchat" and named:
            return "recommend"  # it named things we sell: treat it as a request
        return proposed

    def _model_genres(self, proposal: Any, parsed: Parsed, domain: str, message: str) -> Constraints:
        """The model's genre words, kept only where the person said them (see module doc).

        A genre counts if its catalog name appears in the message (the lexicon may lack a
        synonym, e.g. "IMAX"); an exclusion also needs a negation the parser saw.
        """
        said = message.casefold()
        include = [g for g in self.lexicon.map_words(proposal.include[:3], domain) if g.casefold() in said]
        exclude = [g for g in self.lexicon.map_words(proposal.exclude[:3], domain) if g.casefold() in said]
        if len(include) > 2 or parsed.include:
            include = []  # over-filled, or the parser already knows
        if not parsed.exclude:
            exclude = []  # the person said no to nothing the lexicon saw: do not invent exclusions
        return Constraints(include_genres=include, exclude_genres=exclude)

    @staticmethod
    def _looser(constraints: Constraints, parsed: Parsed, session: Session) -> Constraints | None:
        """What a relative refinement falls back to when nothing meets it: cheaper than the dearest pick shown
        instead of the cheapest, pricier than the cheapest, newer than the oldest, older than the newest."""
        looser: dict[str, float] = {}
        for bound, values in _relative_bounds(parsed, session):
            now, wider = getattr(constraints, bound.field), bound.loose(values)
            if now is not None and (wider > now if bound.field.endswith("max") else wider < now):
                looser[bound.field] = wider
        return constraints.model_copy(update=looser) if looser else None

    def _relative(self, parsed: Parsed, session: Session, domain: str) -> Constraints:
        """'cheaper', 'newer', 'less violent': bounds relative to what was just shown; "an old film", with none shown
        and no year stated, older than three quarters of the domain's catalog ("一部老电影" had been *The Matrix*)."""
        out = Constraints()
        for bound, values in _relative_bounds(parsed, session):
            setattr(out, bound.field, bound.strict(values))
        if parsed.old and out.year_max is None and parsed.year_min is None and parsed.year_max is None and self.facts is not None:
            out.year_max = self.facts(domain).old_until
        if "less_violent" in parsed.cues:
            out.exclude_genres = VIOLENT
            out.exclude_moods = {GENTLER: self.lexicon.violent_tags} if self.lexicon.violent_tags else {}
        return out
