"""Works a Chinese message names by their Chinese titles, found in the catalog by their original titles.

The catalog's titles are English ("Interstellar"); a person writing Chinese names a film as
《星际穿越》, or without quotes ("我很喜欢阿甘正传"). Items may carry their Chinese titles
(``extra.title_zh``; the demo films' most-rated and best-known do), and code reads those first: in
《》 exactly; unquoted when four characters or longer, or three right after a cue or in a list
("喜欢大白鲨", "侏罗纪公园和大白鲨，"; "英雄", "活着", "毕业生" are everyday words too), and never as
the start of a longer title ("黑客帝国2"). A film's Chinese title in a request for books is the
book of that title when there is one (《了不起的盖茨比》). For the rest the bundled model, which knows
many such titles, is asked: for a Chinese message that may name a work (《》, or a word like 喜欢,
像, 看过) and names none the catalog has, it gives "Chinese title => Original (Year)" lines. The
model proposes, code checks: a pair is kept only when its Chinese title stands in the
message, is no genre or kind of item ("爱情片", "生日礼物书"), and its original is a catalog item
(of that year, when the year matches one) whose own Chinese titles, if it has any, are like it (the model
names a famous film for one it does not know: *The Dark Knight* for 变相怪杰). The message is then read with "Original (Year)" (or
《Original》 for an item with no year) in place of the Chinese title, so the usual linker finds it,
with the cue words around it deciding whether it was liked.
"""

from __future__ import annotations

import logging
import re
from functools import cached_property

from rapidfuzz import fuzz

from chatrec.llm.client import LLMError
from chatrec.llm.meter import TurnModel
from chatrec.pipeline.parse import Lexicon, is_chinese
from chatrec.pipeline.titles import TitleIndex, without_parens
from chatrec.prompts import PromptLibrary

log = logging.getLogger(__name__)

_PAIR = re.compile(r"^\s*(?:[-*•]|\d+[.)、])?\s*[《「“\"]?(?P<zh>[^《》「」“”\"=>→]+?)[》」”\"]?\s*(?:=>|->|→|＝>)\s*(?P<original>.+?)\s*$")
_YEAR = re.compile(r"\s*\(\d{4}\)$")
_QUOTED = re.compile(r"《[^》]{1,40}》")
_UNQUOTED_MIN = 4  # a shorter Chinese title is read only in 《》, or (three characters) right after a cue or in a list
_SHORT_BEFORE = "和、与跟及过欢像爱了看"  # "喜欢大白鲨", "看过大白鲨", "侏罗纪公园和大白鲨"
_SHORT_AFTER = re.compile(r"$|[，。、和与跟及！？,.!?\s也都这那]")
_LIKE_TITLE = 60  # rapidfuzz ratio at which a Chinese title is a variant of a catalog item's (see _titled_otherwise)
_LONGER = re.compile(r"[0-9０-９一二三四五六七八九十：:（(·]")  # after "黑客帝国" in "黑客帝国2": a longer title, not this one


class OriginalTitles:
    def __init__(self, prompts: PromptLibrary, titles: TitleIndex, lexicon: Lexicon, domains: list[str], max_titles: int = 4) -> None:
        self.prompts = prompts
        self.titles = titles
        self.lexicon = lexicon
        self.domains = domains
        self.max_titles = max_titles

    def messages(self, message: str) -> list[dict[str, str]]:
        return self.prompts.render("original_titles", message=message)

    def wanted(self, message: str) -> bool:
        """A Chinese message that may name a work (in 《》, or after a word like 喜欢) and names no catalog title."""
        return (is_chinese(message) and bool(_QUOTED.search(message) or self.lexicon.any(message, self.lexicon.title_cues))
                and not any(self.titles.mentions(message, d) for d in self.domains))  # fmt: skip

    def __call__(self, message: str, model: TurnModel) -> str:
        """``message`` with each Chinese title the model knows, and the catalog has, written as its original
        ("我喜欢 Interstellar (2014) "); unchanged when there is none, no model, or the model fails."""
        message = self.known(message)
        if not model.present or not self.wanted(message):
            return message
        try:
            answer = model.complete("original_titles", self.messages(message), max_tokens=24 * self.max_titles, temperature=0.0)
        except LLMError as e:
            log.warning("original titles: reading the message without them: %s", e)
            return message
        return self.rewritten(message, answer)

    def known(self, message: str) -> str:
        """``message`` with each Chinese title a catalog item carries written as its catalog form (see the module doc);
        the domain the message asks for is looked in first."""
        if not is_chinese(message):
            return message
        asked = self.lexicon.parse(message, None).domain
        for domain in sorted(self.domains, key=lambda d: d != asked):
            titles = self.titles.chinese(domain)
            for quoted in dict.fromkeys(_QUOTED.findall(message)):
                if (item_id := titles.get(quoted[1:-1].strip())) is not None:
                    message = message.replace(quoted, self._known_form(domain, item_id, asked))
            for zh in sorted((t for t in titles if len(t) >= _UNQUOTED_MIN - 1 and t in message), key=len, reverse=True):
                message = self._unquoted(message, zh, self._known_form(domain, titles[zh], asked))
        return message

    def _known_form(self, domain: str, item_id: str, asked: str | None) -> str:
        """How the linker finds the item a Chinese title stands for: in a request for another domain, the item of that
        domain with the same title if there is one (a film's 《了不起的盖茨比》 in a request for novels is the novel)."""
        if asked is not None and asked != domain:
            title = without_parens(self.titles.store.get(domain, [item_id])[0].title)
            if (item := self.titles.lookup(title, asked)) is not None:
                return self._form(asked, item)
        return self._form(domain, item_id)

    @staticmethod
    def _unquoted(message: str, zh: str, form: str) -> str:
        """``message`` with ``zh`` outside 《》, and not starting a longer title, written as ``form`` (see the module doc)."""
        out, start = [], 0
        for m in re.finditer(re.escape(zh), message):
            inside = message.count("《", 0, m.start()) > message.count("》", 0, m.start())
            short = len(zh) < _UNQUOTED_MIN and not (m.start() and message[m.start() - 1] in _SHORT_BEFORE and _SHORT_AFTER.match(message, m.end()))
            if inside or short or _LONGER.match(message, m.end()):
                continue
            out += [message[start : m.start()], form]
            start = m.end()
        return "".join(out) + message[start:]

    def rewritten(self, message: str, answer: str) -> str:
        """``message`` with every pair of ``answer`` that code can check put in place (see the module doc)."""
        kept = dropped = 0
        asked = self.lexicon.parse(message, None).domain
        for line in answer.splitlines()[: 2 * self.max_titles]:
            if (pair := _PAIR.match(line)) is None:
                continue
            zh, original = pair["zh"].strip(), pair["original"].strip(" 《》\"“”")
            quoted = f"《{zh}》"
            if zh not in message or not is_chinese(zh) or (quoted not in message and self._kind(zh)):
                dropped += 1
                continue
            if (found := self._catalog_item(original, asked)) is None or self._titled_otherwise(zh, *found):
                dropped += 1
                continue
            message = message.replace(quoted if quoted in message else zh, self._form(*found), 1)
            kept += 1
        if kept or dropped:
            log.info("original titles: %d kept, %d dropped (not in the message, a kind of item, no catalog item, or one with "
                     "Chinese titles unlike it)", kept, dropped)
        return message

    @cached_property
    def _kind_words(self) -> tuple[str, ...]:
        """Chinese words for a domain or a genre: what ends a kind of item, not a title."""
        phrases = [*(w for ws in self.lexicon.domains.values() for w in ws), *(p for g in self.lexicon.genres.values() for p in g)]
        return tuple(w for w in phrases if is_chinese(w))

    def _kind(self, phrase: str) -> bool:
        """"爱情片", "约会电影", "生日礼物书" name a kind of item; an unquoted phrase ending so is not a title."""
        return phrase.endswith(self._kind_words) or phrase.endswith("片")

    def _catalog_item(self, original: str, asked: str | None) -> tuple[str, str] | None:
        """The domain and id of ``original``'s catalog item; None if no item has that whole name. A name whose year
        matches an item wins in any domain; without one, the domain the message asks for is tried first (《追风筝的人》
        in a request for books is the novel)."""
        domains = sorted(self.domains, key=lambda d: d != asked)
        for name in dict.fromkeys([original, _YEAR.sub("", original)]):
            for domain in domains:
                if name and (item_id := self.titles.lookup(name, domain)) is not None:
                    return domain, item_id
        return None

    def _titled_otherwise(self, zh: str, domain: str, item_id: str) -> bool:
        """The item has Chinese titles in the catalog and ``zh`` is like none of them, so the model named the wrong one:
        it had answered *The Dark Knight* (蝙蝠侠：黑暗骑士) for 变相怪杰, 虎胆龙威 and 黑衣人, and *A New Hope* for
        星球大战：帝国反击战 (``bench/linking_zh.py --table``). Like: one holds the other ("黑暗骑士"), or they share most
        of their characters (a variant such as "肖申克救赎")."""
        known = [t for t, i in self.titles.chinese(domain).items() if i == item_id]
        return bool(known) and not any(zh in t or t in zh or fuzz.ratio(zh, t) >= _LIKE_TITLE for t in known)

    def _form(self, domain: str, item_id: str) -> str:
        """How the linker finds an item: " Title (Year) ", or 《Title》 for an item with no year."""
        item = self.titles.store.get(domain, [item_id])[0]
        title = without_parens(item.title)  # as the linker's keys have it
        return f" {title} ({item.year}) " if item.year else f"《{title}》"
