"""The dialogue manager: one turn = understand → retrieve → rank → explain, over session memory.

A turn is a stream of typed events (:mod:`chatrec.models`): what was understood, then the
cards as soon as retrieval and fusion are done (no model involved), then, if the scenario
asks for it, the cards once more in the model's order, then the reply text as the model
writes it, then the whole reply. Every stage that uses the language model has a non-model
path; a turn whose model calls fail still answers, from the fused ranking and a template
explanation, with a notice. Nothing from the model reaches the reply unchecked: items come
from the catalog by id.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from chatrec.catalog.facts import CatalogFacts, forms
from chatrec.catalog.store import StoreError, VectorStore
from chatrec.llm.client import ChatLLM, LLMError, Message
from chatrec.llm.gate import BoundedLLM, Gate, LLMBusy
from chatrec.llm.meter import TurnModel
from chatrec.memory import Session, SessionStore, Turn
from chatrec.models import (
    LANGUAGES,
    Cards,
    Constraints,
    Done,
    Intent,
    Item,
    Recommendation,
    Reply,
    Reranked,
    TextDelta,
    TurnEvent,
    Understood,
)
from chatrec.pipeline.explain import Explainer, PickLines, ReasonWriter, Written, reason
from chatrec.pipeline.grounding import Grounding
from chatrec.pipeline.original_titles import OriginalTitles
from chatrec.pipeline.parse import Lexicon, is_chinese
from chatrec.pipeline.rank import Fusion, Ranked, Ranker
from chatrec.pipeline.retrieve import Retriever, topic_words, unmatched_terms, where_filter
from chatrec.pipeline.suggest import Suggester
from chatrec.pipeline.titles import TitleIndex, series, spoken_title, title_key, variants
from chatrec.pipeline.understand import QUESTION, RELATIVE, YES_NO, Understander
from chatrec.present import compare, describe, money_text
from chatrec.promptfiles import PromptFiles
from chatrec.prompts import PromptError, PromptLibrary
from chatrec.safety import LeakGuard, configured_secrets
from chatrec.scenarios import DEFAULT_POOL, Scenario, ScenarioError, load_scenarios
from chatrec.settings import Settings, get_settings
from chatrec.signals import audience, content
from chatrec.signals.collaborative import CollaborativeSignals, CoMentions, Interactions, InteractionsError
from chatrec.tokens import count_tokens, install_offline_encodings, truncate_tokens

if TYPE_CHECKING:
    from chatrec.langchain import CatalogRetriever, ChatRunnable

log = logging.getLogger(__name__)
ASKED_TOKENS, ASKED_MESSAGES = 60, 2  # the earlier messages of a request its follow-ups' reasons answer (Session.asked)

UNMATCHED_TOP = 10  # the best-ranked candidates a name the request gives must be mentioned by (see unmatched_terms)
NO_LLM = "Answering without the language model this time."
BUSY_LLM = "The language model is busy with other requests; this answer was made without it."
CATALOG_DOWN = {"en": "I can't reach the catalog right now. Please try again in a moment.", "zh": "暂时连不上商品目录，请稍后再试。"}
OOPS = {"en": "Something went wrong on my side. Please try again.", "zh": "我这边出了点问题，请再试一次。"}
BUSY = {"en": "I'm busy with other conversations right now. Please try again in a moment.", "zh": "现在同时在聊的人太多了，请稍后再试。"}
# What the catalog cannot check, said plainly instead of faked (filled with the domain's name).
UNCHECKED = {
    "price": {"en": "I don't have prices for {domain}, so I can't choose by price.", "zh": "我没有{domain}的价格信息，没法按价格挑选。"},
    "year": {"en": "I don't have dates for {domain}, so I can't choose by year.", "zh": "我没有{domain}的年份信息，没法按年份挑选。"},
    "age": {"en": "I don't have age ratings for {domain}, so I can't check ages; I kept to what suits children.",
            "zh": "我没有{domain}的适龄信息，没法按年龄核对；已按适合孩子的来挑。"},
    "length": {"en": "I don't have lengths for {domain}, so I can't choose by length.", "zh": "我没有{domain}的长短信息，没法按长短挑选。"},
    "mood": {"en": "I don't have mood tags for {domain}, so I can't leave any out by mood (sad, dark or violent).",
             "zh": "我没有{domain}的情绪标签，没法按情绪（悲伤、阴暗、暴力）排除。"},
}  # fmt: skip
# A relative refinement that found nothing and was loosened (see Intent.fallback), said plainly.
LOOSENED = {
    "cheaper": {"en": "Nothing that fits is cheaper than every pick I showed, so these cost less than the dearest of them.",
                "zh": "没有比上次每一件都便宜又合适的，这些比上次最贵的那件便宜。"},
    "pricier": {"en": "Nothing that fits costs more than every pick I showed, so these cost more than the cheapest of them.",
                "zh": "没有比上次每一件都贵又合适的，这些比上次最便宜的那件贵。"},
    "newer": {"en": "Nothing that fits is newer than most of the picks I showed, so these are newer than the oldest of them.",
              "zh": "没有比上次大多数推荐更新又合适的，这些比上次最早的那个新。"},
    "older": {"en": "Nothing that fits is older than most of the picks I showed, so these are older than the newest of them.",
              "zh": "没有比上次大多数推荐更早又合适的，这些比上次最新的那个早。"},
}  # fmt: skip
# Names the request gives that no candidate mentions ("Python books" when the catalog has none), said plainly.
UNMATCHED = {"en": "Nothing I found mentions {terms}, so these are the nearest {domain} I have.",
             "zh": "我没找到提到{terms}的{domain}，下面是最接近的。"}  # fmt: skip
# Hard constraints that keep everything near the request's words out ("a book about the French Revolution", "after
# 2010": Harry Potter), said plainly: the similarity scale is min-max'd, so the best of poor matches looks strong.
FAR = {"en": "Nothing close to what you asked for meets all of your conditions, so these are the nearest that do.",
       "zh": "和你描述最接近的都不完全符合条件，这些是符合条件的里面最接近的。"}  # fmt: skip
# Nothing new meets the conditions, but picks shown earlier do: said, so "loosen one of them" is not the only answer
# ("something without dice" after "cheaper than that": the two cheap board games had both been shown)
ALL_SHOWN = {"en": "All the {domain} I have that meet these conditions, I have shown you already: {titles}.",
             "zh": "符合这些条件的{domain}我都已经推荐过了：{titles}。"}  # fmt: skip
# A price asked in another currency than the catalog's, read in the catalog's, said plainly (and that the rate is set).
EXCHANGED = {"en": "Prices here are in {catalog}, so I read {asked} as {converted} (at {unit} to {one}, a set rate, not today's).",
             "zh": "这里的价格以{catalog}计，{asked}按{converted}算（按{one}≈{unit}的设定汇率，不是实时汇率）。"}  # fmt: skip
NO_RATE = {"en": "Prices here are in {catalog} and I have no rate for {code}, so I read {asked} as {converted}.",
           "zh": "这里的价格以{catalog}计，我没有{code}的汇率，{asked}按{converted}算。"}  # fmt: skip
# Years asked that the catalog has none of, moved to its edge (see understand._to_edge), said plainly.
EDGES = {True: {"en": "The newest {domain} I have are from {year}, so these are from {bound} on.",
                "zh": "我这里最新的{domain}是{year}年的，下面是{bound}年以后的。"},
         False: {"en": "The oldest {domain} I have are from {year}, so these are from {bound} or before.",
                 "zh": "我这里最早的{domain}是{year}年的，下面是{bound}年以前的。"}}  # fmt: skip
CURRENCY_NAMES = {"GBP": {"en": "pounds", "zh": "英镑"}, "USD": {"en": "dollars", "zh": "美元"}, "EUR": {"en": "euros", "zh": "欧元"},
                  "CNY": {"en": "yuan", "zh": "人民币"}}  # fmt: skip
# Genres a claim that a pick suits children contradicts (with the lexicon's adult-only markers).
FAMILY_EXCLUDED = ("Horror", "Thriller", "War", "Crime", "Film-Noir")
DOMAIN_NAMES = {"movies": {"en": "films", "zh": "电影"}, "books": {"en": "books", "zh": "书"}, "toys": {"en": "toys", "zh": "玩具"}}


class Clock:
    """Seconds from the start of a turn to each stage (the first time it is reached)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.timings: dict[str, float] = {}

    def mark(self, stage: str) -> None:
        self.timings.setdefault(stage, round(time.perf_counter() - self.started, 4))


def unchecked_notices(intent: Intent) -> list[str]:
    """One sentence per thing asked for that the domain's catalog cannot check, or that was loosened because
    nothing met it, in the person's language."""
    domain = domain_name(intent)
    return [*(UNCHECKED[fact][intent.language].format(domain=domain) for fact in intent.unchecked), *loosened_notices(intent),
            *unmatched_notices(intent), *exchange_notices(intent), *edge_notices(intent)]


def edge_notices(intent: Intent) -> list[str]:
    """"The newest films I have are from 2018, so these are from 2016 on." for years the catalog has none of."""
    if (edge := intent.edge) is None:
        return []
    bound = intent.constraints.year_min if edge.newest else intent.constraints.year_max
    return [EDGES[edge.newest][intent.language].format(domain=domain_name(intent), year=edge.year, bound=bound)]


def exchange_notices(intent: Intent) -> list[str]:
    """"Prices here are in pounds, so I read ¥100 as £10.56 (…)" for a price asked in another currency."""
    if (x := intent.exchange) is None or x.told:
        return []
    lang = intent.language

    def money(code: str, amounts: list[float]) -> str:
        return "–".join(money_text(code, v) for v in amounts)

    catalog = CURRENCY_NAMES.get(x.catalog, {}).get(lang, x.catalog)
    amounts = [v for v in (x.price_min, x.price_max) if v is not None]
    if x.rate is None:
        return [NO_RATE[lang].format(catalog=catalog, code=x.asked, asked=money(x.asked, amounts), converted=money(x.catalog, amounts))]
    converted = money(x.catalog, [round(v * x.rate, 2) for v in amounts])
    return [EXCHANGED[lang].format(catalog=catalog, asked=money(x.asked, amounts), converted=converted,
                                   unit=money_text(x.asked, 1 / x.rate), one=money_text(x.catalog, 1))]


def domain_name(intent: Intent) -> str:
    """The intent's domain as its language names it ("films", "书")."""
    return DOMAIN_NAMES.get(intent.domain or "", {}).get(intent.language, intent.domain or "")


def unmatched_notices(intent: Intent) -> list[str]:
    """"Nothing I found mentions “Python”…" for the names of the request nothing found mentions, in the person's language."""
    if not intent.unmatched:
        return []
    quoted = ("或" if intent.language == "zh" else " or ").join(f"“{t}”" for t in intent.unmatched)
    return [UNMATCHED[intent.language].format(terms=quoted, domain=domain_name(intent))]


def loosened_notices(intent: Intent) -> list[str]:
    """One sentence per relative refinement that was loosened because nothing met it, in the person's language."""
    return [LOOSENED[cue][intent.language] for cue in intent.loosened]


def loosen(intent: Intent) -> None:
    """Fall back to the intent's looser bounds (a relative refinement found nothing), noting which were loosened."""
    if intent.fallback is not None:
        old, new = intent.constraints, intent.fallback
        intent.loosened = [cue for cue, bound in RELATIVE.items() if getattr(old, bound.field) != getattr(new, bound.field)]
        intent.constraints, intent.fallback = new, None


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def is_store_failure(e: BaseException) -> bool:
    """Whether ``e`` comes from the vector store or its connection (rather than from our code)."""
    while e is not None:
        if isinstance(e, StoreError) or type(e).__module__.split(".")[0] in {"chromadb", "httpx", "httpcore"}:
            return True
        e = e.__cause__ or e.__context__  # type: ignore[assignment]
    return False


def clean_message(message: str, max_tokens: int) -> tuple[str, list[str]]:
    """Normalised, control-free text within the token budget, and a notice if it was cut (a pasted conversation
    keeps its end, anything else its start)."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", message or ""))
    text = re.sub(r"[ \t]+", " ", text).strip()
    if count_tokens(text) <= max_tokens:
        return text, []
    if sum(bool(line.strip()) for line in text.splitlines()) >= 3:  # a pasted conversation: its latest part matters
        return truncate_tokens(text, max_tokens, keep="end"), [f"Your message was long; I read its last {max_tokens} tokens."]
    return truncate_tokens(text, max_tokens), [f"Your message was long; I read its first {max_tokens} tokens."]


def stack(vectors: dict[str, np.ndarray], ids: list[str]) -> np.ndarray:
    """The vectors of ``ids`` that were found, as rows (an empty matrix if none)."""
    rows = [vectors[i] for i in dict.fromkeys(ids) if i in vectors]
    return np.stack(rows) if rows else np.zeros((0, 0))


class ChatRec:
    """The Python chat API: ``ChatRec().chat("a light movie for my kids", session_id="u1")``."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        llm: ChatLLM | None | Literal["default"] = "default",
        store: VectorStore | None = None,
        sessions: SessionStore | None = None,
    ) -> None:
        self.settings = s = settings or get_settings()
        install_offline_encodings(s.cache_dir)
        if store is None:
            from chatrec.backends import open_store
            from chatrec.catalog.demo import ensure_demo
            from chatrec.embeddings import load_embedder

            store = open_store(s, embedder := load_embedder(s.embedder))
            if s.load_demo:
                ensure_demo(store, embedder, s.demo_dir, s.description_chars, progress=False)
        self.store = store
        if llm == "default":
            from chatrec.backends import make_llm

            llm = make_llm(s)
        if llm is not None:
            llm = BoundedLLM(llm, Gate(s.model_concurrency(), s.llm_queue_limit, s.llm_queue_wait_s))
        self.llm: ChatLLM | None = llm
        self._turn_slots = threading.BoundedSemaphore(s.max_active_turns)
        self.files = PromptFiles(s.prompts_dir, s.prompt_overrides)
        self.prompts = PromptLibrary(self.files.resolve, budget_tokens=s.context_tokens)
        self._titles = TitleIndex(store)
        self._reload_lock = threading.Lock()
        self._load_data_files()
        self.retriever = Retriever(store)
        self.ranker = Ranker(self.prompts)
        self.explainer = Explainer(self.prompts)
        self.suggester = Suggester(self.prompts, self._titles)
        self.guard = LeakGuard(configured_secrets(s), self.prompts.system_texts)
        if sessions is None:
            from chatrec.storage import SQLSessions

            s.data_dir.mkdir(parents=True, exist_ok=True)
            sessions = SQLSessions(s.session_db_url)
        self.sessions: SessionStore = sessions
        self.items_per_reply = 3
        self._collab: dict[str, CollaborativeSignals | None] = {}
        self._comentions: dict[str, CoMentions | None] = {}
        self._facts: dict[str, CatalogFacts] = {}
        self._collab_lock = threading.Lock()

    def collaborative(self, domain: str) -> CollaborativeSignals | None:
        """The domain's collaborative models, fitted on first use (None without an interaction file)."""
        return self._fitted(self._collab, domain, self.settings.interaction_files(),
                            lambda inter: CollaborativeSignals(inter, self.settings.collaborative_model))  # fmt: skip

    def comentions(self, domain: str) -> CoMentions | None:
        """The domain's co-mention model, fitted on first use (None without a co-mention file)."""
        return self._fitted(self._comentions, domain, self.settings.comention_files(), CoMentions)

    def _fitted(self, cache: dict[str, Any], domain: str, files: dict[str, Path], fit: Callable[[Interactions], Any]) -> Any:
        """A model fitted on the domain's file once and kept (None, logged, if the file is missing or unusable)."""
        with self._collab_lock:
            if domain not in cache:
                model = None
                if (path := files.get(domain)) is not None:
                    try:
                        model = fit(Interactions.from_csv(path, list(self.store.titles(domain))))
                    except (InteractionsError, OSError) as e:
                        log.error("no %s for %s: %s", path.name, domain, e)
                cache[domain] = model
            return cache[domain]

    def known_users(self, per_domain: int = 5) -> list[tuple[str, str]]:
        """People with the most interactions in each domain's file, as (label, user id): someone to be in a demo."""
        out = []
        for domain in self.domains:
            if (collab := self.collaborative(domain)) is None:
                continue
            counts = np.diff(collab.interactions.matrix.indptr)
            for ix in np.argsort(-counts, kind="stable")[:per_domain]:
                out.append((f"user {collab.interactions.users[ix]} ({domain}, {counts[ix]} rated)", collab.interactions.users[ix]))
        return out

    def catalog_facts(self, domain: str) -> CatalogFacts:
        """What the domain's catalog can check and its best-loved items (read once)."""
        with self._collab_lock:
            if domain not in self._facts:
                self._facts[domain] = CatalogFacts.of(domain, self.store.items(domain))
            return self._facts[domain]

    def _load_data_files(self) -> None:
        """(Re)read scenarios and the lexicon; templates reload themselves on use."""
        version = self.files.version()
        self.scenarios: dict[str, Scenario] = load_scenarios(self.files.scenario_paths())
        self.lexicon = Lexicon.load(self.files.resolve("lexicon"))
        # words the reading accounts for, so none is taken for a name nothing found mentions (see _unmatched)
        self._known_words = self.lexicon.vocabulary | {w for sc in self.scenarios.values() for k in (sc.title, *sc.keywords)
                                                       for w in re.findall(r"\w+", k.casefold())}  # fmt: skip
        self.domains = self.store.domains() or sorted({sc.domain for sc in self.scenarios.values()})
        self.understander = Understander(
            self.lexicon, self.scenarios, self.domains, self.prompts, self._titles,
            history_tokens=self.settings.context_tokens // 4, ask_model=self.settings.llm_understand, facts=self.catalog_facts,
            originals=OriginalTitles(self.prompts, self._titles, self.lexicon, self.domains), rates=self.settings.exchange_rates,
        )  # fmt: skip
        self._files_version = version

    def _refresh(self) -> None:
        """Pick up edited scenario and lexicon files before a turn (a broken edit keeps the last good set)."""
        with self._reload_lock:
            if self.files.version() != self._files_version:
                try:
                    self._load_data_files()
                except (ScenarioError, PromptError, ValueError, KeyError) as e:
                    log.error("keeping the previous scenarios and lexicon: %s", e)
                    self._files_version = self.files.version()

    # ---- public API -------------------------------------------------------------------
    def events(self, message: str, session_id: str = "default", *, domain: str | None = None, scenario: str | None = None,
               user_id: str | None = None) -> Iterator[TurnEvent]:  # fmt: skip
        """One turn as it happens: Understood, Cards (before any model text), at most one Reranked,
        TextDelta pieces, then Done with the whole Reply. ``domain``/``scenario`` override what is
        detected; ``user_id`` (kept for the session) personalises with that person's stored interactions."""
        return self._turn(message, session_id, domain, scenario, user_id)

    def chat(self, message: str, session_id: str = "default", *, domain: str | None = None, scenario: str | None = None,
             user_id: str | None = None) -> Reply:  # fmt: skip
        """One turn; returns the whole reply (see :meth:`events` for the arguments)."""
        for event in self._turn(message, session_id, domain, scenario, user_id):
            if isinstance(event, Done):
                return event.reply
        raise AssertionError("a turn always ends with Done")

    def stream(self, message: str, session_id: str = "default", *, domain: str | None = None, scenario: str | None = None,
               user_id: str | None = None) -> Iterator[str]:  # fmt: skip
        """One turn, yielding the reply text as it is written; the full Reply is then ``last_reply``."""
        for event in self._turn(message, session_id, domain, scenario, user_id):
            if isinstance(event, TextDelta):
                yield event.text

    def turn_running(self, session_id: str = "default") -> bool:
        """Whether a turn of the session is being answered: a message sent now waits for it."""
        return self.sessions.lock(session_id).locked()

    def last_reply(self, session_id: str = "default") -> Reply | None:
        return self.sessions.get(session_id).last_reply

    def session(self, session_id: str = "default") -> Session:
        return self.sessions.get(session_id)

    def title_of(self, item_id: str) -> str:
        """An item's title, to show what a message named (its id if no domain read so far has it)."""
        return self._titles.name(item_id) or item_id

    def feedback(self, session_id: str, item_id: str, liked: bool) -> None:
        """Thumbs up/down on an item: steers the next turns of this session, and is committed to the store before returning."""
        with self.sessions.lock(session_id):
            session = self.sessions.get(session_id)
            session.add_liked(item_id) if liked else session.add_rejected(item_id)
            self.sessions.save(session, snapshot=False)
            self.sessions.record_feedback(session_id, item_id, liked, session.titles.get(item_id, ""), session.user_id)

    def undo(self, session_id: str) -> bool:
        """Forget the last turn of this session (False if there was none)."""
        with self.sessions.lock(session_id):
            return self.sessions.undo(session_id)

    def retry_message(self, session_id: str) -> str | None:
        """Undo the last turn and return its message, to be answered again (None if there was no turn)."""
        users = [t.text for t in self.sessions.get(session_id).turns if t.role == "user"]
        return users[-1] if users and self.undo(session_id) else None

    def retry(self, session_id: str, *, domain: str | None = None, scenario: str | None = None) -> Iterator[str]:
        """Undo the last turn and answer its message again."""
        message = self.retry_message(session_id)
        return iter(()) if message is None else self.stream(message, session_id, domain=domain, scenario=scenario)

    def reset(self, session_id: str) -> None:
        self.sessions.reset(session_id)

    def close(self) -> None:
        """Stop background work (the model's recovery probe); the bot answers without the model afterwards."""
        if isinstance(self.llm, BoundedLLM):
            self.llm.close()

    def warm_up(self) -> None:
        """Be ready before the first person arrives: read each domain's catalog facts, titles and interactions,
        start a local model server and let it read every call's static prompt prefix into its cache
        (raises LLMError if the model cannot)."""
        for domain in self.domains:
            self.catalog_facts(domain)
            self._titles.by_year(domain)
            self.collaborative(domain)
            self.comentions(domain)
        if self.llm is not None:
            self.llm.warm_up(self.prompt_prefixes())

    def prompt_prefixes(self) -> list[list[Message]]:
        """One rendering of each prompt a turn may send; their system parts are what stays cached across turns."""
        listing_ = "1. Toy Story (1995) — Animation, Children"
        explain = dict.fromkeys(self.prompts.variant("explain", lang) for lang in LANGUAGES)
        prompts = [
            *(self.prompts.render(name, language="English", style="Be brief.", request="a film", picks=listing_) for name in explain),
            self.prompts.render("chitchat", language="English", domains=", ".join(self.domains), message="hello"),
            self.prompts.render("original_titles", message="我喜欢《星际穿越》"),
        ]
        if self.understander.ask_model:
            prompts.append(self.understander.messages("hello", "(none)"))
        weights = [self.ranker.default_weights, *(s.weights for s in self.scenarios.values())]
        if any(w.get("llm", 0) > 0 for w in weights):
            prompts.append(self.prompts.render("rerank", request="a film", scenario="none", candidates=listing_, count="3"))
        if any(w.get("suggested", 0) > 0 for w in weights):
            prompts.append(self.suggester.messages("a film", [], "movies"))
        return prompts

    # ---- one turn -----------------------------------------------------------------------
    def _turn(
        self, message: str, session_id: str, domain: str | None = None, scenario: str | None = None, user_id: str | None = None
    ) -> Iterator[TurnEvent]:
        if not self._turn_slots.acquire(blocking=False):
            yield from self._short_reply(session_id, BUSY["zh" if is_chinese(message or "") else "en"], ["busy"])
            return
        try:
            yield from self._admitted_turn(message, session_id, domain, scenario, user_id)
        except Exception as e:  # the last line of defence: the person gets a message, the log gets the trace
            log.exception("turn failed")
            text = (CATALOG_DOWN if is_store_failure(e) else OOPS)["zh" if is_chinese(message or "") else "en"]
            yield from self._short_reply(session_id, text, ["error"])
        finally:
            self._turn_slots.release()

    @staticmethod
    def _short_reply(session_id: str, text: str, notices: list[str]) -> Iterator[TurnEvent]:
        """A reply that is only a message (busy, an error, an empty request); nothing is stored."""
        yield TextDelta(text=text)
        yield Done(reply=Reply(session_id=session_id, text=text, intent=Intent(action="chitchat"), notices=notices))

    def _admitted_turn(
        self, message: str, session_id: str, domain: str | None, scenario: str | None, user_id: str | None
    ) -> Iterator[TurnEvent]:
        self._refresh()
        with self.sessions.lock(session_id):
            clock = Clock()  # from when the turn has its session: one sent during another turn waits for it first
            mark = clock.mark
            session = self.sessions.get(session_id)
            if user_id is not None:
                session.user_id = user_id
            text, notices = clean_message(message, self.settings.context_tokens // 4)
            if not text:
                zh = is_chinese(message or "")
                yield from self._short_reply(session_id, "请告诉我你想找什么，比如“适合全家看的喜剧片”。" if zh else
                                             "Tell me what you are looking for, e.g. 'a funny film for the whole family'.", notices)  # fmt: skip
                return
            model = TurnModel(self.llm)
            intent, understood = self.understander(text, session, model, domain=domain, scenario=scenario)
            if intent.action in ("refine", "feedback"):  # not "more like X": X is the request ("a comedy" had made Jackie Brown one)
                intent.earlier = list(session.asked)
            notices += [*understood, *unchecked_notices(intent)]
            mark("understood")
            yield Understood(intent=intent)
            session.take_feedback(intent)
            session.titles.update({i: name for i in [*intent.liked_ids, *intent.rejected_ids] if (name := self._titles.name(i))})
            written = Written()
            if intent.action == "chitchat":
                items: list[Recommendation] = []
                chunks = self._chitchat(text, intent, notices, model)
            elif intent.action == "ask_item" and (ref := session.item_at(intent.reference)) is not None:
                if intent.comparison and (other := session.item_at(intent.comparison.other)) is not None and other is not ref:
                    items = [ref, other]
                    yes_no = bool(YES_NO.search(text) or "吗" in text)
                    chunks = iter([compare(ref.item, other.item, intent.comparison.by, intent.language, yes_no=yes_no)])
                else:
                    items = [ref]
                    facts = reason(ref.item, intent, self.lexicon.chinese_names)
                    chunks = iter([describe(ref, intent.language, facts, question=bool(QUESTION.search(text)))])
            else:
                items = yield from self._cards(intent, session, notices, model, clock)
                chunks = self._explain(items, intent, text, notices, model, written)
            parts: list[str] = []
            for chunk in chunks:
                mark("first_text")
                if written.reasons:
                    mark("first_reason")
                parts.append(chunk)
                yield TextDelta(text=chunk)
            mark("done")
            items = [r.model_copy(update={"reason": written.reasons[i]}) if i in written.reasons else r for i, r in enumerate(items)]
            reply = Reply(session_id=session_id, text="".join(parts).strip(), items=items, intent=intent,
                          notices=list(dict.fromkeys(notices)), timings=clock.timings, llm_calls=model.calls,
                          sentences=written.counts())  # fmt: skip
            self._remember(session, text, reply)
            yield Done(reply=reply)

    def _cards(self, intent: Intent, session: Session, notices: list[str], model: TurnModel,
               clock: Clock) -> Generator[TurnEvent, None, list[Recommendation]]:  # fmt: skip
        """The picks: fused without the model and shown at once, then reordered once if the titles the model
        suggests or its re-rank change them."""
        need = self.items_per_reply * 3
        fusion = self._fusion(intent, session, need, TurnModel(None), notices)
        if not fusion.ranked and intent.fallback is not None:  # "cheaper" than the cheapest shown: nothing is
            strict = intent.constraints
            loosen(intent)
            fusion = self._fusion(intent, session, need, TurnModel(None), notices)
            if fusion.ranked:
                notices += loosened_notices(intent)
            else:  # nothing either way: what was asked stands, and nothing was loosened
                intent.constraints, intent.loosened = strict, []
        shown = self.store.get(intent.domain or self.domains[0], session.shown)
        listed = [it.title for it in shown]
        items = self._recommendations(fusion.ranked, intent, listed=listed)
        if not items:
            notices += self._all_shown(intent, shown)
        clock.mark("cards")
        suggest = self._weights(intent).get("suggested", 0) > 0 and model.present
        rerank = fusion.wants_model() and model.present
        yield Cards(items=items, rerank_pending=rerank or suggest)
        if suggest:
            fusion = self._fusion(intent, session, need, model, notices)
        ranked = self._reranked(fusion, intent, notices, model) if rerank else fusion.ranked
        reordered = self._recommendations(ranked, intent, listed=listed)
        if [r.item_id for r in reordered] != [r.item_id for r in items]:
            items = reordered
            clock.mark("reranked")
            yield Reranked(items=items)
        return items

    @staticmethod
    def _all_shown(intent: Intent, shown: list[Item]) -> list[str]:
        """When nothing new meets the intent: the items shown earlier in the session that do, named (at most three)."""
        shown = [it for it in shown if intent.constraints.admits(it)]
        if not shown:
            return []
        titles = ("、" if intent.language == "zh" else ", ").join(it.title for it in shown[:3])
        return [ALL_SHOWN[intent.language].format(domain=domain_name(intent), titles=titles)]

    def _recommendations(self, ranked: Sequence[Ranked], intent: Intent, k: int | None = None,
                         listed: Sequence[str] = ()) -> list[Recommendation]:  # fmt: skip
        """The first ``k`` (a reply's worth) with a title not already listed, in this list or in the session's earlier
        ones (``listed``), and one of a series unless the request names it: *Freaky Friday* (1976) beside its 2003
        remake, two editions of one book (or one a turn after the other), or three Harry Potter books for a
        six-year-old's birthday fill slots twice for the person who reads the list, as do one toy's colours (see
        :func:`variants`). Naming a film as liked is no request for its series: "I loved The Matrix" gets one of its
        sequels, not two."""
        titles = {title.casefold() for title in listed}
        kinds: dict[str, bool] = {}  # series (see :func:`series`) → whether one listed is marked as one of a series
        liked = [name.casefold() for i in intent.liked_ids if (name := self._titles.name(i))]
        followed = {series(name)[0] for name in liked}
        asked = title_key(intent.query)
        out: list[Recommendation] = []
        for r in ranked:
            if len(out) == (k or self.items_per_reply):
                break
            title = r.candidate.item.title.casefold()
            kind, marked = series(title, liked)
            if any(title == t or variants(title, t) for t in titles) or (
                    kind in kinds and (marked or kinds[kind]) and (kind not in asked or kind in followed)):  # fmt: skip
                continue
            titles.add(title)
            kinds[kind] = kinds.get(kind, False) or marked
            out.append(self._recommendation(r, intent))
        return out

    def _titled(self, intent: Intent, session: Session) -> set[str]:
        """The words (casefolded) of the titles linked, in this message or before: neither a name no candidate mentions
        (see :func:`unmatched_terms`; a refinement searches the request it refines: "要2010年以后的" after "我喜欢僵尸之地…"
        had been told no film mentions "Zombieland") nor a topic to look for."""
        ids = [*intent.liked_ids, *intent.rejected_ids, intent.anchor_id or "", *session.liked, *session.rejected]
        return set(re.findall(r"\w+", " ".join(name for i in ids if (name := self._titles.name(i))).casefold()))

    def _topics(self, intent: Intent, titled: set[str]) -> list[set[str]]:
        """The request's topic words, each with its forms (see :func:`topic_words`): not the titles' words nor those the
        lexicon reads as something else (moods, audiences, prices, this domain's genres), but other domains' genre words
        and the domains' words, which are things too ("a movie about chess", "a lego set")."""
        if intent.open_request:
            return []
        domain = intent.domain or self.domains[0]
        read = lambda w: w in titled or (w in self._known_words and not self.lexicon.names_a_thing(w, domain))  # noqa: E731
        return [forms(w) for w in topic_words(intent.query, read)]

    def _from_catalog(self, intent: Intent, domain: str, topics: list[set[str]], n: int) -> list[str]:
        """Candidates from the catalog itself, beyond the search by meaning: with nothing to search for, the best-loved
        items meeting the constraints; for "a horror comedy" or "a sad romance", the best-loved such; and the items
        that write the request's topic words ("chess"), ``n`` of them."""
        facts = self.catalog_facts(domain)
        loved = 100 if intent.open_request else 30 if intent.constraints.blend or intent.constraints.want_moods else 0
        return [*facts.best_loved_meeting(intent.constraints, loved, self.lexicon.age_range), *facts.mentioning(topics, n)]

    def _reranked(self, fusion: Fusion, intent: Intent, notices: list[str], model: TurnModel) -> list[Ranked]:
        """The fused ranking with the model's judgement, or as it was if the model adds nothing or fails."""
        try:
            return self.ranker.rerank(fusion, intent, self.scenarios.get(intent.scenario or ""), model) or fusion.ranked
        except LLMError as e:
            log.warning("rank: keeping the fused order: %s", e)
            notices.append("The language model could not rank this time; the order comes from the other signals.")
            return fusion.ranked

    def understand(self, message: str, session_id: str = "default", *, domain: str | None = None,
                   scenario: str | None = None) -> Intent:  # fmt: skip
        """What chatrec takes ``message`` to mean in this session, without answering it (nothing is stored)."""
        self._refresh()
        text, _ = clean_message(message, self.settings.context_tokens // 4)
        intent, _ = self.understander(text, self.sessions.get(session_id), TurnModel(self.llm), domain=domain, scenario=scenario)
        return intent

    def rank(self, message: str, *, k: int = 50, exclude: set[str] | frozenset[str] = frozenset(), user_id: str | None = None,
             domain: str | None = None, constraints: Constraints | None = None) -> list[Recommendation]:  # fmt: skip
        """The ranked list behind a one-off message (no session memory kept): for evaluation, batch use and
        :meth:`as_retriever`. ``constraints`` are hard filters added to what the message itself asks."""
        text, _ = clean_message(message, self.settings.context_tokens // 4)
        session = Session(id="rank", user_id=user_id, shown=list(exclude))
        model = TurnModel(self.llm)
        intent, _ = self.understander(text, session, model, domain=domain)
        if constraints is not None:
            intent = intent.model_copy(update={"constraints": intent.constraints.merged(constraints)})
        session.take_feedback(intent)
        fusion = self._fusion(intent, session, k, model, [])
        ranked = self._reranked(fusion, intent, [], model) if fusion.wants_model() and model.present else fusion.ranked
        return self._recommendations(ranked, intent, k)

    def as_retriever(self, domain: str | None = None, k: int = 4, constraints: Constraints | None = None,
                     user_id: str | None = None) -> CatalogRetriever:  # fmt: skip
        """The catalog as a LangChain retriever: ranked items as ``Document``s (see :mod:`chatrec.langchain`)."""
        from chatrec.langchain import CatalogRetriever

        return CatalogRetriever(bot=self, domain=domain, k=k, constraints=constraints, user_id=user_id)

    def as_runnable(self, output: Literal["text", "reply"] = "text") -> ChatRunnable:
        """The chat as a LangChain ``Runnable`` (invoke, stream, batch, async; see :mod:`chatrec.langchain`)."""
        from chatrec.langchain import ChatRunnable

        return ChatRunnable(self, output)

    def with_weight(self, signal: str, weight: float) -> ChatRec:
        """Give ``signal`` this weight in every scenario and by default, for this bot only (to evaluate a signal
        or turn one on without editing the scenario files); an edit of the files later replaces it."""
        self.ranker.default_weights = {**self.ranker.default_weights, signal: weight}
        self.scenarios = {n: s.model_copy(update={"weights": {**s.weights, signal: weight}}) for n, s in self.scenarios.items()}
        return self

    def _weights(self, intent: Intent) -> dict[str, float]:
        return self.ranker.weights(self.scenarios.get(intent.scenario or ""))

    def _suggested(self, intent: Intent, session: Session, domain: str, model: TurnModel, notices: list[str]) -> list[str]:
        """Catalog items the model names for this conversation, if the scenario weighs its suggestions ([] if it fails)."""
        if self._weights(intent).get("suggested", 0) <= 0 or not model.present:
            return []
        named = self.store.get(domain, list(dict.fromkeys([*([intent.anchor_id] if intent.anchor_id else []), *session.liked[-12:]])))
        try:
            return self.suggester(intent.model_copy(update={"domain": domain}), named, model).ids
        except LLMError as e:
            log.warning("suggest: going on without the model's titles: %s", e)
            notices.append("The language model could not suggest titles this time; the picks come from the other signals.")
            return []

    def _fusion(self, intent: Intent, session: Session, need: int, model: TurnModel, notices: list[str]) -> Fusion:
        """Candidates for the intent, ranked before the model's re-rank: content from the store, collaborative signals
        from interactions, and the titles the model names when the scenario asks for them."""
        domain = intent.domain or self.domains[0]
        collab = self.collaborative(domain)
        seen = collab.history(session.user_id) if collab is not None else []  # a returning person's items, newest first
        history_liked = collab.history(session.user_id, threshold=4.0)[:20][::-1] if collab is not None else []
        anchor = [intent.anchor_id] if intent.anchor_id else []
        named = [*anchor, *history_liked, *session.liked[-20:], *session.rejected[-20:]]
        found = self.store.vectors(domain, named)
        for other in (d for d in self.domains if d != domain and set(named) - set(found)):  # items of another domain they named:
            found |= self.store.vectors(other, [i for i in named if i not in found])  # one embedding space, so they steer too
        exclude = set(session.rejected) | set(session.shown) | set(anchor) | set(seen) | set(session.liked)  # never what they named
        person = collab.person(session.user_id, session.liked) if collab is not None else None
        scenario = self.scenarios.get(intent.scenario or "")
        pool = scenario.pool if scenario else DEFAULT_POOL
        also = [i for by in ("collaborative", "neighbours") for i in collab.top(person, pool[by], exclude, by)] \
            if collab is not None and person is not None else []  # fmt: skip
        co = self.comentions(domain)
        co_scores = co.scores([*anchor, *session.liked[-20:]]) if co is not None else None  # what they named
        tasted = scenario is not None and scenario.taste_for(intent.constraints) is not None  # searched for the scenario's taste
        if co is not None and co_scores is None and intent.open_request and not tasted:
            co_scores = co.prior  # nothing named, nothing to search for: what conversations bring up most
        if co is not None and co_scores is not None:
            also += co.top(co_scores, pool["comention"], exclude)
        suggested = [i for i in self._suggested(intent, session, domain, model, notices) if i not in exclude]
        also = [*suggested, *also]
        titled = self._titled(intent, session)
        topics = self._topics(intent, titled)
        also = [*self._from_catalog(intent, domain, topics, pool["topic"]), *also]
        children = intent.constraints.audience == "children"
        candidates = self.retriever(intent, exclude, found.get(intent.anchor_id or ""), need=need, also=also, reject=self._unfit(intent))
        if candidates and not intent.open_request and where_filter(intent.constraints) is not None and not any(c.near for c in candidates):
            notices.append(FAR[intent.language])  # none of the items nearest the words, before the filters, is admissible
        cand_vecs = np.stack([c.vector for c in candidates]) if candidates and all(c.vector is not None for c in candidates) \
            else np.zeros((0, 0))  # fmt: skip
        extra = collab.signals([c.item.id for c in candidates], person) if collab is not None and person is not None else {}
        if co is not None:
            extra["comention"] = co.signal([c.item.id for c in candidates], co_scores) if co_scores is not None else None
        if suggested:
            extra["suggested"] = self.suggester.signal([c.item.id for c in candidates], suggested)
        if intent.open_request and not tasted:  # nothing left to search for by meaning:
            extra["semantic"] = None  # nearness to the words would rank title matches
        items = [c.item for c in candidates]
        extra["genres"] = blend = content.genres(items, intent.constraints)
        extra["mood"] = content.moods(items, intent.constraints)
        extra["topic"] = content.topic(items, topics)
        whole = blend == 1 if blend is not None and int(np.sum(blend == 1)) >= self.items_per_reply else None  # enough to fill a reply
        if children:
            extra |= self._for_children(items, intent, [*anchor, *session.liked[-20:]], extra)
        elif intent.constraints.audience == "adults":
            extra["audience"] = audience.for_adults(items, self.lexicon.made_for_children)
        fusion = self.ranker.fuse(candidates, scenario, cand_vecs,
                                  stack(found, [*history_liked, *session.liked[-20:]]), stack(found, session.rejected[-20:]),
                                  extra=extra, lead=whole)  # fmt: skip
        # the best-ranked only: the topic words' own candidates write "Python" of Monty Python, not of programming
        best = [r.candidate.item for r in fusion.ranked[:UNMATCHED_TOP]]
        intent.unmatched = unmatched_terms(intent.query, best, lambda w: w in self._known_words or w in titled)
        notices += unmatched_notices(intent)
        return fusion

    def _unfit(self, intent: Intent) -> Callable[[Item], bool] | None:
        """What no list for this request may carry: for children, what the catalog marks adult-only; for an age asked,
        items whose genres imply ages far from it (see :func:`audience.far_from`)."""
        children, age = intent.constraints.audience == "children", intent.constraints.age
        if not children and age is None:
            return None
        return lambda it: (children and self.lexicon.adult_only(it)) or audience.far_from(age, self.lexicon.age_range(it))

    def _for_children(self, items: list[Item], intent: Intent, named: list[str],
                      extra: dict[str, np.ndarray | None]) -> dict[str, np.ndarray | None]:  # fmt: skip
        """The ``audience`` signal, and the conversation signals kept to items made for children as far as the
        request rules out the items the person named (see :func:`audience.within`)."""
        made_for = audience.for_children(items, self.lexicon.made_for_children, intent.constraints.age, self.lexicon.age_range)
        named_items = self.store.get(intent.domain or self.domains[0], list(dict.fromkeys(named)))
        ruled_out = audience.ruled_out(named_items, intent.constraints, self.lexicon.adult_only)
        kept = {k: audience.within(extra.get(k), made_for >= 1, ruled_out) for k in ("comention", "collaborative", "neighbours")}
        return {"audience": made_for, **kept}

    def _recommendation(self, r: Ranked, intent: Intent) -> Recommendation:
        it = r.candidate.item
        return Recommendation(item=it, score=r.score, reason=reason(it, intent, self.lexicon.chinese_names), signals=r.contributions)

    def grounding(self, intent: Intent, text: str, picks: Sequence[Recommendation]) -> Grounding:
        """What the model's sentences about ``picks`` are checked against (also to re-check a reply's reasons): the
        message ``text`` as :meth:`said`."""
        return self._check(intent, self.said(intent, text), picks)

    def _check(self, intent: Intent, said: str, picks: Sequence[Recommendation]) -> Grounding:
        return Grounding(self.lexicon, intent.domain or "", said, [r.item for r in picks], FAMILY_EXCLUDED, intent.language,
                         self.prompts.get(self.prompts.variant("explain", intent.language)).example_answers(),
                         children=intent.constraints.audience == "children", embed=self.store.embed_query,
                         ruled_out=intent.constraints.exclude_words,
                         names=self.catalog_facts(intent.domain).names if intent.domain else frozenset())  # fmt: skip

    def said(self, intent: Intent, text: str) -> str:
        """The request as the reasons' prompt and check read it: a follow-up after the messages it refines, naming the
        shown pick it points at. Told only "要2000年以后的" after "有反转结局的惊悚片", the small model had written "《The Cabin
        in the Woods》是2012年的，不是2000年的"; told only "more like the second one", its example's plot (a pig who herds
        sheep) under The Martian."""
        zh = intent.language == "zh"
        pointed = self.store.get(intent.domain or self.domains[0], [intent.pointed_id]) if intent.pointed_id else []
        if pointed:
            text = f"{text}（《{spoken_title(pointed[0], 'zh')}》）" if zh else f"{text} ({pointed[0].title})"
        return ("；" if zh else "; ").join([*intent.earlier, text])

    def _explain(self, picks: list[Recommendation], intent: Intent, text: str, notices: list[str], model: TurnModel,
                 written: Written) -> Iterator[str]:  # fmt: skip
        """What cannot be checked, a heading, then each pick with the model's checked sentences, or code's reason
        for a pick the model gave none that passed; code's reasons throughout if the model fails."""
        scenario = self.scenarios.get(intent.scenario or "")
        told = "".join(f"{n}\n" for n in unchecked_notices(intent))
        if not picks or not model.present:  # nothing to introduce, or no model configured: no notice owed
            yield told + self.explainer.template(picks, intent, scenario)
            return
        yield told + self.explainer.heading(intent, scenario)
        said = self.said(intent, text)  # the prompt and the check read the same request
        check = self._check(intent, said, picks)
        writer = ReasonWriter(picks, check, self.guard.watch(), intent.language, written)
        lines = PickLines(picks, intent.language)
        try:
            for chunks in self._reason_calls(picks, intent, scenario, said, model, check):
                for chunk in chunks:
                    for index, sentence in writer.feed(chunk):
                        yield lines.say(index, sentence)
                    if writer.written.leaked:
                        break
                if writer.written.leaked:
                    break
                for index, sentence in writer.end_call(cut=self._cut(model)):  # shown before the next call is asked
                    yield lines.say(index, sentence)
            for index, sentence in writer.finish(cut=self._cut(model)):
                yield lines.say(index, sentence)
        except LLMError as e:
            log.warning("explain: the rest from code: %s", e)
            notices.append(BUSY_LLM if isinstance(e, LLMBusy) else NO_LLM)
        if writer.written.leaked:
            log.warning("explain: the model's text repeated a prompt or a secret; the rest from code")
            notices.append(NO_LLM)
        yield lines.rest()

    def _reason_calls(self, picks: list[Recommendation], intent: Intent, scenario: Scenario | None, text: str, model: TurnModel,
                      check: Grounding) -> Iterator[Iterator[str]]:  # fmt: skip
        """The reasons' calls, each a stream of numbered lines: one for all picks, or (``reasons_per_pick``) one per
        pick that sees only that pick, with the words, numbers and names only that pick makes true, and asked not to write the
        words of the lines shown before it (see :meth:`Grounding.used_words`)."""
        numbers = [check.numbers_allowed(i) for i in range(len(picks))]
        names = [check.names_allowed(i) for i in range(len(picks))]
        if not self.settings.reasons_per_pick:
            yield self.explainer.stream(picks, intent, scenario, text, model, avoid=check.unfit_words(), numbers=numbers, names=names)
            return
        for i, pick in enumerate(picks):
            avoid = check.unfit_words(i) + check.used_words(i)  # read when this call is asked: after the lines before it
            yield self.explainer.stream([pick], intent, scenario, text, model, avoid=avoid, numbers=[numbers[i]], names=[names[i]],
                                        line=i + 1)  # fmt: skip

    @staticmethod
    def _cut(model: TurnModel) -> bool:
        """Whether the token budget ended the last reasons' call."""
        call = model.last("explain")
        return call is not None and call.finish_reason == "length"

    def _chitchat(self, text: str, intent: Intent, notices: list[str], model: TurnModel) -> Iterator[str]:
        zh = intent.language == "zh"
        fallback = ("我可以推荐电影、书和玩具。告诉我你想要什么吧！" if zh
                    else "I can recommend " + ", ".join(self.domains) + ". Tell me what you are in the mood for!")  # fmt: skip
        if not model.present:
            yield fallback
            return
        messages = self.prompts.render("chitchat", language="Simplified Chinese" if zh else "English",
                                       domains=", ".join(self.domains), message=text)  # fmt: skip
        try:
            answer = model.complete("chitchat", messages, max_tokens=80, temperature=0.5).strip()
            if self.guard.leaks(answer):
                log.warning("chitchat: the model's text repeated a prompt or a secret; using the fallback")
                answer = ""
            yield answer or fallback
        except LLMError as e:
            notices.append(BUSY_LLM if isinstance(e, LLMBusy) else NO_LLM)
            yield fallback

    def _remember(self, session: Session, text: str, reply: Reply) -> None:
        intent = reply.intent
        shown = [r.title for r in reply.items] if intent.action != "ask_item" else []
        session.turns += [Turn(role="user", text=text), Turn(role="assistant", text=reply.text, shown=shown)]
        if reply.items and intent.action != "ask_item":
            session.last_items = reply.items
            session.shown = [*dict.fromkeys([*session.shown, *(r.item_id for r in reply.items)])]
        session.titles.update({r.item_id: r.title for r in reply.items})
        if intent.action not in ("chitchat", "ask_item"):
            session.asked = [m for m in [*intent.earlier, text] if count_tokens(m) <= ASKED_TOKENS][-ASKED_MESSAGES:]
            session.constraints = intent.constraints
            session.domain, session.scenario, session.query = intent.domain, intent.scenario, intent.query
            session.open_request, session.ruled_out = intent.open_request, intent.ruled_out
        session.last_reply = reply
        self.sessions.save(session)
