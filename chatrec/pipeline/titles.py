"""Catalog titles named in a message ("I loved Toy Story", "不喜欢《泰坦尼克号》").

Only spans that follow a like/dislike/similarity cue, or stand in quotes or 《》, are
matched, and only against the catalog's own titles (rapidfuzz, high threshold), so a
title the model imagines, or a common word that happens to be a title, never becomes a fact.
"""

from __future__ import annotations

import collections
import functools
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable

from pydantic import BaseModel
from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import OSA
from wordfreq import iter_wordlist, zipf_frequency

from chatrec.catalog.store import VectorStore
from chatrec.models import Item
from chatrec.pipeline.parse import everyday
from chatrec.recent import Recent

# What people write before a film they did not like ("I wasn't a big fan of", "didn't care for", "不太喜欢").
_DISLIKE = (r"didn'?t like|don'?t like|did not like|do not like|\bhated?\b|disliked|(?:not|wasn'?t|isn'?t|never been) (?:a |really a |very |much of a |a very |a really )?"
            r"(?:big |huge )?fan of|(?:didn'?t|don'?t|did not|do not) care (?:for|much for)|not (?:really |very )?(?:into|fond of)|"
            r"least favou?rite|can'?t stand|cant stand|couldn'?t stand|bored by|nothing (?:too )?\w+ like|不喜欢|不太喜欢|讨厌|受不了")
# The span is a look-ahead, so a cue inside another cue's span is found too ("I like movies similar to V for Vendetta").
_CUE = re.compile(
    rf"(?:(?P<neg>{_DISLIKE})"
    r"|(?:loved?|liked?|enjoyed|adored|fan of|similar to|something like|more like|favou?rite (?:is|was)|像|喜欢|类似)"
    r"|(?P<seen>\b(?:seen|watched|saw|do you know|the (?:movie|film)(?: called| named| titled)?|(?:movie|film) called)\b)"
    r")\s*(?=(?P<span>[^,.;!?，。；！？]{2,80}))",
    re.IGNORECASE,
)
_I = {"I", "I'm", "I've", "I'd", "I'll"}  # "I liked Titanic I cried": Titanic is a whole name
_QUOTED_NEAR = 6  # letters a quoted word needs to be read as a one-word title misspelt
_FUZZY_MIN = 8  # a shorter name must match a title exactly: "other" is 91% of "Mother"
_QUOTED = re.compile(r"[\"“《「']([^\"”》」']{2,80})[\"”》」']")
_PARENS = re.compile(r"\s*\([^)]*\)")
_WITH_YEAR = re.compile(r"\((\d{4})\)")  # "The Babadook (2014)": how people (and ReDial) name a film exactly
_ARTICLE = re.compile(r"^(.*), (the|a|an|les|la|le|l'|il|el|das|die|der)$", re.IGNORECASE)  # "Matrix, The"
# The last opinion before a title is the one about it ("I'm not into subtitles, I'll check out Carol (2015)" likes
# Carol); "but" turns the sentence ("not a fan of them, but I watched Avengers (2015)").
_OPINION = re.compile(rf"(?P<neg>{_DISLIKE}|not a fan|boring|\bawful\b|\bworst\b|\bexcept\b|难看|没意思)"
                      r"|\b(?:lo?ved?|likes?|liked|enjoy(?:s|ed)?|adored?|favou?rites?|check out|recommend|but|however)\b|喜欢|爱看|但是|不过",
                      re.IGNORECASE)  # fmt: skip
# A verdict straight after one ("… was boring", "… wasn't all that great", "… was ok, but not really my cup of tea").
_NEGATIVE_AFTER = re.compile(
    r"^[\s,]*(?:(?:was|is|were|it was|that was|seemed|felt)\s+(?:(?:ok|okay|fine)\s*,?\s*)?(?:but\s+)?"
    r"(?:a bit |a little |kind of |kinda |too |so |pretty |really )?(?:boring|awful|terrible|bad|overrated|silly|a let ?down|disappointing|"
    r"not (?:that |all that |very |so )?(?:good|great))|(?:wasn'?t|isn'?t) (?:that |all that |very |so )?(?:good|great)|"
    r"(?:was\s+)?(?:ok|okay)?\s*,?\s*(?:but\s+)?not (?:really )?my (?:cup of tea|thing|kind of)|,?\s*not so much"
    r"|(?:but|and)\s+(?:i\s+)?(?:didn'?t|did not|don'?t|do not|wasn'?t|was not)\s+(?:\w+\s+){0,3}?(?:care for|like|enjoy|interested in)\s+(?:it|that one)\b)",
    re.IGNORECASE,
)


# A Chinese verdict after a title with no opinion before it ("《泰坦尼克号》太长了，不喜欢"); after "我喜欢《X》" a later
# 不喜欢 is about something else ("我喜欢《X》，不喜欢恐怖片").
_NEGATIVE_AFTER_ZH = re.compile(r"^[^。！？.!?]{0,10}?(?:不喜欢|不好看|难看|没意思|无聊|不怎么样)")


def disliked(before: str, after: str) -> bool:
    """Whether the words around a named title say the person did not like it: the last opinion before
    it (in its sentence, after any earlier title) is a negative one, or a verdict follows it."""
    opinions = list(_OPINION.finditer(before))
    zh_verdict = not opinions and bool(_NEGATIVE_AFTER_ZH.search(after))
    return bool(opinions and opinions[-1].group("neg")) or bool(_NEGATIVE_AFTER.search(after)) or zh_verdict


# not the point of an initial or a short form inside a title: "Monsters, Inc. (2001)", "Mr. Holland's Opus", "E.T."
_SENTENCE_END = re.compile(r"(?<!\b[A-Z])(?<!\b(?:Mr|Ms|Dr|St|Jr|Sr|vs))(?<!\b(?:Mrs|Inc|Ltd))[.!?]|[。！？\n]")
_TOKEN = re.compile(r"[^\W_]+")  # the words rapidfuzz's default_process keeps
_SEQUEL = re.compile(r"\d{1,2}|II|III|IV|V|VI")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an) (?=\S)")
# How often a word is written in English (wordfreq's Zipf scale: 6 is once in a thousand words, 3 once in a million)
# tells a title named in running text from the same words used as words.
_FILM_WORDS = frozenset({"movie", "movies", "film", "films", "watch"})  # everyday words in a talk about films
_SERIES_WORDS = frozenset({"movies", "films", "series", "franchise", "trilogy", "saga", "sequels"})  # "all the Terminator movies"
_LONGEST_TITLE = 10  # words a title in running text may have: "Dawn of the Planet of the Apes" has 7
_TALK_ZIPF = 5.0  # lower-case words this common after "seen" are talk, not a title: "anything else", "the others", "together"
_RARE_WORD_ZIPF = 3.0  # a one-word title this rare ("Zombieland", "looper") is named, not used as a word ("Her", "Solo")
_NEAR_ZIPF = 3.5  # a name near a title may be it misspelt when a word of it is this rare ("Forest Gump"; not "the cover")
_RARE_MAIN_ZIPF = 3.5  # a title's main part names it only with a word this rare ("terminator 2"; not "journey to the west")
_KNOWN_BY_PART = 10  # ratings a film needs to be named by one word of its title ("Borat")
_RARE_PHRASE = -8.5  # log10 chance of a lower-case title's uncommon words side by side ("blade runner"; not "home alone")
_MISSPELT_ZIPF = 2.0  # a word this rare, one letter from a one-word title ("anabelle"), may be that title misspelt
_MISSPELT_MIN = 7  # letters such a word needs: "jumangi"; a shorter one is a letter from too many words
_LISTED_NEAR = 85.0  # rapidfuzz ratio of a misspelt list item to its title ("donny darko": 87)
_LISTED_ZIPF = 5.0  # a one-word item of a list names a title unless it is a word this common ("yes", "sure", "okay")
_CLAUSE = re.compile(r"[^.!?。！？\n…:]+")  # a list stays within one clause: "Pulp Fiction, Psycho, Jaws... kind of a mix"
_LIST_SEPARATOR = re.compile(r"\s*(?:[,;/&、，；]|\s[-–—]\s)\s*(?:(?:and|or)\b\s*)?|\s+(?:and|or)\s+", re.IGNORECASE)


def _title_starts(before: str) -> bool:
    """Whether a list item's title may start after the word ``before``: not after a capitalised word ("Michael Bay",
    "Rich Dad, Poor Dad") or a word that joins it to the words before ("Son of a Witch")."""
    return not before[:1].isupper() and before.casefold() not in {"of", "a", "an"}


def _aside(clause: str, start: int, end: int) -> int:
    """Where a list's item clause[start:end] ends before an aside in brackets ("Halloween (the original)"); a year in
    brackets stays, for :meth:`TitleIndex.with_years` to read ("Halloween (2018)" is not the most-rated Halloween)."""
    bracket = clause.find("(", start + 1, end)
    return bracket if bracket > 0 and not _WITH_YEAR.match(clause, bracket) else end


def _zipf(word: str) -> float:
    return zipf_frequency(word, "en")


@functools.cache
def _common_words() -> list[str]:
    """English words common enough (Zipf 3 or more) and long enough that a rare word one letter from them is them
    misspelt ("romatic", "definately")."""
    words = []
    for word in iter_wordlist("en"):
        if _zipf(word) < _RARE_WORD_ZIPF:
            return words
        if word.isalpha() and len(word) >= _MISSPELT_MIN - 1:
            words.append(word)
    return words


def _common(word: str) -> bool:
    return word.casefold() in _FILM_WORDS or everyday(word)


def _one_word_title(words: list[str], key: str, genres: frozenset[str]) -> bool:
    """Whether ``words[0]``, after a cue, may be a one-word title: not a genre ("romance"), written capitalised or
    longer than a pronoun and no everyday word ("her", "together"), and not a first name followed by a surname ("Keanu
    Reaves") nor the start of a longer name ("Nowhere to Run")."""
    capital = not words[0][:1].islower()  # capitalised, or a script without case (《流浪地球》)
    surname = len(words) > 1 and (capital and words[1][:1].isupper() and words[1] not in _I or _a_surname(words[1]))
    longer = len(words) > 2 and words[1].casefold() in {"to", "of"} and words[2][:1].isupper()
    kind = not capital and len(words) > 1 and _kind_word(words[1], genres)  # "romantic movie or thriller", "romantic comedies"
    return key not in genres and (capital or (len(key) >= 6 and not _common(key))) and not (surname or longer or kind)


def _a_surname(word: str) -> bool:
    """Whether ``word``, after a first name, is a surname written in lower case: a word English hardly has
    ("frances mcdormand", "keanu reeves")."""
    word = word.strip(".,!?")
    return word.isalpha() and word.islower() and _zipf(word) < _SURNAME_ZIPF


_SURNAME_ZIPF = 2.5
_KIND_WORDS = frozenset({"movie", "movies", "film", "films", "one", "ones", "book", "books", "kind", "stuff"})


def _kind_word(word: str, genres: frozenset[str]) -> bool:
    """Whether ``word`` names a kind of item, so a lower-case word before it describes it: "movie", "comedies"."""
    word = word.casefold().strip(".,!?")
    return word in _KIND_WORDS or word in genres or re.sub(r"ies$", "y", word).removesuffix("s") in genres


def _plausible(text: str, words: list[re.Match[str]], i: int, n: int) -> bool:
    """Whether words[i:i+n], which spell a catalog title, are written as a title rather than as everyday words: one
    rare word; several with a capitalised uncommon one; or, in lower case, uncommon words unlikely side by side. Words
    not all everyday are a title too when a verdict follows them ("Blended sounds good", "A quiet place was good") or
    the number 1 ("frozen 1"); never after "new" ("the new Lion King": a remake the catalog may lack)."""
    run = [w.group() for w in words[i : i + n]]
    if _joined(text, words, i - 1) and words[i - 1].group().casefold() in _NEWER:
        return False
    after = words[i + n].group() if _joined(text, words, i + n - 1) else ""
    if _SEQUEL.fullmatch(after):
        return after == "1" and not all(map(_common, run))  # "Frozen 2" is not Frozen
    if run[0][:1].islower() and after[:1].isupper() and after not in _I:
        return False  # "I like Mike Colter": a name starts at the capital, not *Like Mike*
    if after.casefold() in _SERIES_WORDS or _A_PERSON.match(text, words[i + n - 1].end()):
        return False  # "all the Terminator movies" name a series; "The Rock is a better actor" a person
    judged = bool(_JUDGED.match(text, words[i + n - 1].end())) and not all(map(_common, run)) and _named_as_title(text, words, i)
    if n == 1:
        return (_zipf(run[0]) < _RARE_WORD_ZIPF or judged) and not _used_as_word(text, words, i)
    if any(w[:1].isupper() and not _common(w) for w in run):
        return True
    return sum(_zipf(w) - 9 for w in run if not _common(w)) <= _RARE_PHRASE or judged


def _named_as_title(text: str, words: list[re.Match[str]], i: int) -> bool:
    """Whether the words from words[i] are written as a name: capitalised, or in a message written all in lower case
    first in their sentence or after an everyday word ("psycho is good", "is dunkirk the one…"; not "tom cruise was
    good"); and not after a capitalised word ("Tom Cruise was great", "Shanghai Girls"), "of" ("a Waste of Shame"), or
    an article ("the clown was great")."""
    before = words[i - 1].group() if _joined(text, words, i - 1) else ""
    lower = text == text.casefold() and (not before or _common(before))
    written = words[i].group()[:1].isupper() or lower
    return written and (before in _I or not before[:1].isupper()) and before.casefold() not in {"of", "a", "an", "the"}


_A_PERSON = re.compile(r"\s+(?:is|was|'s)\s+(?:a|an|the|my)\s+(?:\w+\s+){0,2}?(?:actor|actress|director|comedian|wrestler|singer|rapper|guy)\b",
                       re.IGNORECASE)
_NEWER = frozenset({"new", "newer", "newest", "latest", "upcoming", "recent"})
# What people say of a film they have just named: "… was good", "… sounds more appealing", "… the one with Harry Styles".
_JUDGED = re.compile(r"\s+(?:(?:was|is)\s+(?:(?:so|really|pretty|very|also|too|actually|just|definitely)\s+)?"
                     r"(?:good|great|funny|awesome|amazing|okay|ok|fine|hilarious|excellent|fantastic|brilliant|fun|scary|better|the best)"
                     r"|sounds?\s+(?:(?:so|really|pretty|very|more|kind of)\s+)?(?:good|great|interesting|appealing|fun|cool|funny|exciting)"
                     r"|the one (?:with|where|about))\b", re.IGNORECASE)  # fmt: skip


def _joined(text: str, words: list[re.Match[str]], i: int) -> bool:
    """Whether words[i] and the word after it stand in one phrase: only spaces between them."""
    return 0 <= i < len(words) - 1 and not text[words[i].end() : words[i + 1].start()].strip()


def _used_as_word(text: str, words: list[re.Match[str]], i: int) -> bool:
    """Whether the rare word words[i], spelling a one-word title, is used as a word or a name here: after "a" ("a
    pickpocket", "what a creepshow"), or beside a capitalised word in a person's name ("Looper Smith", "Wesley Snipes";
    not "I", nor a sentence's first word: "Loved Airheads"). A full stop parts them: "zombieland. It was fun"."""
    before = words[i - 1].group() if _joined(text, words, i - 1) else ""
    after = words[i + 1].group() if _joined(text, words, i) else ""
    opens = i == 1 or (i > 1 and not _joined(text, words, i - 2))  # before is a sentence's or a clause's first word
    named = words[i].group()[:1].isupper() and before[:1].isupper() and before not in _I and not opens
    return before.casefold() in {"a", "an"} or named or after[:1].isupper()


def _not_one_film(words: list[str], n: int, talk: bool = False) -> bool:
    """words[:n] after a cue name a kind of film ("I love scary movies"), everyday words in lower case ("I liked the
    one with…"; after a cue that may start ``talk``, common ones too: "have you seen the others", "do you know
    anything else"), or the start of something longer: before a number ("I liked Frozen 2", "Room 237") or "of"
    ("the game of thrones"), so they are not the catalog's film of that name."""
    plural = words[n - 1].casefold().strip(".,!?") in {"movies", "films"}
    everyday = all(w[:1].islower() and (_zipf(w.strip(".,!?")) >= _TALK_ZIPF if talk else _common(w.strip(".,!?"))) for w in words[:n])
    after = words[n].strip(".,!?") if n < len(words) else ""
    numbered = bool(_SEQUEL.fullmatch(after)) or after.isdigit()
    longer = after == "of" and words[n + 1 : n + 2] != ["course"]
    return plural or everyday or numbered or longer or after.casefold() in _SERIES_WORDS


def _said(person: str, text: str) -> bool:
    """Whether ``text`` names ``person``: whole ("jason bateman"), or by a surname of four letters or more, capitalised
    ("Bateman")."""
    surname = person.split()[-1]
    return bool(re.search(rf"(?<!\w){re.escape(person)}(?!\w)", text, re.IGNORECASE)
                or (len(surname) >= 4 and re.search(rf"(?<!\w){re.escape(surname)}(?!\w)", text)))


def _year_at(words: list[str]) -> tuple[int, int] | tuple[None, None]:
    """Where a "(Year)" stands among a cue's words, and the year."""
    return next(((k, int(m.group(1))) for k, w in enumerate(words) if (m := _WITH_YEAR.fullmatch(w.strip(".,!?")))), (None, None))


def _before_year(words: list[str], n: int, at: int | None) -> bool:
    """Whether words[:n] may name a film when a year stands at words[at]: all the words up to it, or fewer parted
    from the rest ("Toy Story and Toy Story 2 (1999)", "clueless i like Sleepless in Seattle (1993)", "Sing do you
    think…"), not a name's start ("Gone in 60 Seconds", "Robin Hood: Men in Tights", "Walk the Line")."""
    if at is None or n == at:
        return True
    after = words[n] if n < at else ""
    return after.casefold() in {"and", "or", "i"} or (after[:1].islower() and after.casefold() not in _SMALL_WORDS)


def _misspelt_name(key: str) -> bool:
    """Whether words near a title may be it misspelt: one of them is rare or no word ("gump", "benjji"), or there
    are four or more."""
    words = key.split()
    return len(words) >= 4 or min(map(_zipf, words)) < _NEAR_ZIPF


def title_key(text: str) -> str:
    """A title as compared: rapidfuzz's lower case without punctuation or accents, one space between words (so
    "Crouching Tiger, Hidden Dragon" and "crouching tiger hidden dragon" are one key, "Brüno" and "bruno" another)."""
    return " ".join(utils.default_process(_unaccented(text)).split())


def _unaccented(text: str) -> str:
    """Latin letters without their accents ("Léon" → "Leon"): people type titles without them."""
    if text.isascii():
        return text  # most messages: every word of every one passes here
    return "".join(unicodedata.normalize("NFKD", c)[0] if "\u00c0" <= c <= "\u024f" else c for c in text)


def without_parens(title: str) -> str:
    """A catalog title without its "(…)" parts: "Léon: The Professional (a.k.a. The Professional) (Léon)" → "Léon: The Professional"."""
    return _PARENS.sub("", title).strip()


def _names(title: str) -> list[str]:
    """A catalog title's names: without "(…)" parts, with its article moved back to the front ("Matrix, The" →
    "The Matrix"), and any "a.k.a." name; one with "&" also with "and" ("Dumb and Dumber"), one with a Roman number
    also with its digits ("Men in Black 3"), as people write them."""
    aka = [m.group(1) for m in re.finditer(r"\(a\.k\.a\.\s*([^)]+)\)", title, re.IGNORECASE)]
    out = []
    for name in [without_parens(title), *aka]:
        name = name.strip()
        out.append(f"{m.group(2)} {m.group(1)}" if (m := _ARTICLE.match(name)) else name)
    out += [name.replace("&", "and") for name in out if "&" in name]
    return out + [digits for name in out if (digits := _ROMAN.sub(lambda m: _NUMBERS[m.group()], name)) != name]


_NUMBERS = {"II": "2", "III": "3", "IV": "4", "VI": "6", "VII": "7", "VIII": "8"}
_ROMAN = re.compile(rf"\b(?:{'|'.join(_NUMBERS)})\b")  # "Men in Black III" is "Men in Black 3" as people write it


def spoken_title(item: Item, language: str) -> str:
    """The item as a sentence names it: in Chinese by its Chinese title where it has one, else by its first name
    ("The Good, the Bad and the Ugly"), without a subtitle that makes it long ("The Fellowship of the Ring")."""
    zh = item.chinese_titles() if language == "zh" else []
    name = zh[0] if zh else _names(item.title)[0]
    return name.split(":")[0].strip() if len(name) > _LONG_TITLE and ":" in name else name


_LONG_TITLE = 45  # "Star Wars: Episode VI - Return of the Jedi" is said whole


def title_keys(title: str) -> list[str]:
    """Comparable forms of a catalog title (see :func:`_names`), each once."""
    return list(dict.fromkeys(key for name in _names(title) if (key := title_key(name))))


_SUBTITLE = re.compile(r"\s*:\s+|\s+[-–—]\s+")


def part_title_keys(title: str) -> list[str]:
    """Comparable forms of a title's first and last parts, split at its subtitles: how people name a film ("ace
    ventura" for *Ace Ventura: Pet Detective*, "return of the jedi" for *Star Wars: Episode VI - Return of the Jedi*,
    "borat"; which of them name it alone is :func:`_main_names`' call)."""
    parts = [p for name in _names(title) if len(split := _SUBTITLE.split(name)) > 1 for p in (split[0], split[-1])]
    return list(dict.fromkeys(key for part in parts if (key := title_key(part))))


def _main_names(item: Item, key: str) -> bool:
    """Whether a part of ``item``'s title (see :func:`part_title_keys`) that no other title has names it, of a film many
    have rated (not "Tupac", "Judd Apatow": people few films are named by): several words with a rare one ("terminator
    2"; not "journey to the west"), or one rarer word ("Borat", "Anchorman", "Léon"; not "Alien", a word)."""
    words = key.split()
    if (item.popularity or 0) < _KNOWN_BY_PART:
        return False
    return min(map(_zipf, words)) < (_RARE_MAIN_ZIPF if len(words) > 1 else _RARE_WORD_ZIPF) and not key.isdigit()


# What marks a title as one of a series: a number after it, a book or part number, a subtitle.
_SERIES_MARK = re.compile(r"\((?:book|vol\.?|volume) \d+\)|#\s?\d+|\bpart (?:\d+|[ivx]+)\b|\s*:\s*|\s[-–—]\s|\s(?:\d{1,2}|ii|iii|iv|v|vi|two|three|four)$",
                          re.IGNORECASE)  # fmt: skip
_NUMERAL = re.compile(r"\d+|[ivx]+|two|three|four")  # "Rocky III" is of "rocky", "Happy Feet Two" of "happy feet"
_SMALL_WORDS = frozenset({"the", "a", "an", "of", "and", "in", "on", "to", "for", "with", "at", "from"})


def _series_words(title: str) -> list[str]:
    return [w for w in title_key(without_parens(title)).split() if w not in _SMALL_WORDS and not _NUMERAL.fullmatch(w)]


def series(title: str, liked: Iterable[str] = ()) -> tuple[str, bool]:
    """A title's first two words that are not small words, and whether it is marked as one of a series: *Toy Story 2*
    and *Toy Story* are of one ("toy story"); *Harry Potter and the Half-Blood Prince (Book 6)* of "harry potter". A
    title that goes on from one the person ``liked`` is of that one's series, marked: *The Matrix Reloaded* after
    *The Matrix*."""
    words = _series_words(title)
    for name in liked:
        if (named := _series_words(name)) and len(words) > len(named) and words[: len(named)] == named:
            return " ".join(named), True
    return " ".join(words[:2]), bool(_SERIES_MARK.search(title))


def variants(a: str, b: str) -> bool:
    """Whether two titles name one product in another colour or size: long, and nearly the same ("…Scrawl Design,Green"
    and "…Scrawl Design,Red"; "Chinese Checkers - Solid Maple Wood … - 11 inch" and "- 9 inch"), unlike the films of a
    series ("The Lord of the Rings: The Fellowship of the Ring" and "…: The Return of the King" are 83% alike)."""
    a, b = title_key(a), title_key(b)
    return min(len(a), len(b)) >= _VARIANT_LENGTH and fuzz.ratio(a, b) >= _VARIANT_SIMILARITY


_VARIANT_LENGTH, _VARIANT_SIMILARITY = 25, 90


class TitleMention(BaseModel):
    item_id: str
    title: str
    liked: bool
    span: tuple[int, int] | None = None  # where "Title (Year)" stands in the text


def _mention_at(text: str, item_id: str, start: int, end: int) -> TitleMention:
    """The title at text[start:end], liked unless the words around it in its sentence say otherwise."""
    before, after = _SENTENCE_END.split(text[max(0, start - 120) : start])[-1], _SENTENCE_END.split(text[end : end + 80])[0]
    return TitleMention(item_id=item_id, title=text[start:end], liked=not disliked(before, after), span=(start, end))


# Capitalised words (with small joining words) before "(Year)": a film's name even when the catalog lacks it.
_TITLED_YEAR = re.compile(r"(?:\b[A-Z0-9][\w'’:&.!-]*\s+(?:(?:of|the|and|a|an|in|on|to|for|with)\s+)*)*\(\d{4}\)")


def _inside(mention: TitleMention, longer: list[TitleMention], text: str) -> bool:
    """Whether ``mention`` is the start of a longer title found in ``text`` and written nowhere else: "I love Monsters,
    Inc. (2001)" names no film called *Monsters* (a cue stops at the comma), while "Toy Story and Toy Story 2 (1999)"
    names both."""
    key, said = title_key(mention.title), f" {title_key(text)} "
    return any(other != key and other.startswith(f"{key} ") and said.count(f" {key} ") <= said.count(f" {other} ")
               for other in (title_key(m.title) for m in longer))


def without_spans(text: str, mentions: list[TitleMention]) -> str:
    """``text`` with the named titles cut out, so a title's words and year ("War and Peace (2002)") are not read
    as the request's genres, years or moods (*The Dark Knight*); so is anything else written as "Capitalised Words
    (Year)". A title found without its place (after a cue word) is cut wherever its words stand."""
    for m in sorted((m for m in mentions if m.span), key=lambda m: -m.span[0]):  # type: ignore[index]
        start, end = m.span  # type: ignore[misc]
        text = text[:start] + " " + text[end:]
    for m in mentions:
        if m.span is None:
            text = re.sub(rf"(?<!\w){re.escape(m.title)}(?!\w)", " ", text, flags=re.IGNORECASE)  # "Up", not "uplifting"
    return _TITLED_YEAR.sub(" ", text)


class TitleIndex:
    """Titles of one store's domains, loaded on first use and kept."""

    def __init__(self, store: VectorStore, threshold: float = 90.0) -> None:
        self.store = store
        self.threshold = threshold
        self._keys: dict[str, dict[str, str]] = {}  # domain → every title key, also without its article → item id
        self._names: dict[str, dict[str, str]] = {}  # domain → item id → title
        self._by_year: dict[str, dict[int, dict[str, str]]] = {}  # domain → year → title key → item id
        self._bare: dict[str, dict[str, str]] = {}  # domain → title key that may be named bare → item id
        self._one_word: dict[str, dict[str, str]] = {}  # domain → a bare title key of one rare word → item id
        self._apart: dict[str, dict[str, str]] = {}  # domain → those of films many have rated, which may be written apart
        self._genres: dict[str, frozenset[str]] = {}  # domain → genre names
        self._namesakes: dict[str, dict[str, list[Item]]] = {}  # domain → item id → the items that share a name with it
        self._chinese: dict[str, dict[str, str]] = {}  # domain → Chinese title (an item's extra "title_zh") → item id
        self._recent: Recent[list[TitleMention]] = Recent(64)  # recent answers by (kind, text, domain)
        self._lock = threading.Lock()

    def _index(self, domain: str) -> None:
        """Read the domain's items once (the most-rated first: it wins a tie) into every title index."""
        with self._lock:
            if domain in self._by_year:
                return
            items = sorted(self.store.items(domain), key=lambda it: -(it.popularity or 0))
            genres = frozenset(title_key(g) for it in items for g in it.genres)
            by_year: dict[int, dict[str, str]] = {}
            keys: dict[str, str] = {}
            # whole titles first: a part ("terminator 2") never hides a whole one, and stands for a film only when
            # no other has it ("Star Wars" is a series, not Episode IV) and it is rare enough (see _main_names)
            mains = [(it, k) for it in items for k in part_title_keys(it.title)]
            shared = collections.Counter(k for _, k in mains)
            named = [(it, k) for it in items for k in title_keys(it.title)]
            named += [(it, k) for it, k in mains if shared[k] == 1 and _main_names(it, k)]
            namesakes: dict[str, list[Item]] = {}
            for item, key in named:
                if item.year:
                    by_year.setdefault(item.year, {}).setdefault(key, item.id)
                for form in (key, _LEADING_ARTICLE.sub("", key)):
                    keys.setdefault(form, item.id)
                namesakes.setdefault(key, []).append(item)
            for item, key in mains:  # with its year, a part names a film whatever others share it: "Jumanji (2017)"
                if item.year:
                    by_year.setdefault(item.year, {}).setdefault(key, item.id)
            self._namesakes[domain] = {it.id: its for its in namesakes.values() if len(its) > 1 for it in its}
            self._keys[domain], self._names[domain] = keys, {it.id: it.title for it in items}
            self._bare[domain] = {k: i for k, i in keys.items() if len(k) >= 5 and k not in genres}
            self._one_word[domain] = {k: i for k, i in self._bare[domain].items() if " " not in k and _zipf(k) < _RARE_WORD_ZIPF}
            known = {it.id for it in items if (it.popularity or 0) >= _KNOWN_BY_PART}
            self._apart[domain] = {k: i for k, i in self._one_word[domain].items() if i in known}
            _common_words()  # read once, before a first message needs it
            self._genres[domain], self._by_year[domain] = genres, by_year
            # as a message is read: NFKC ("蝙蝠侠：黑暗骑士" is "蝙蝠侠:黑暗骑士"); the most-rated wins a shared title
            self._chinese[domain] = {unicodedata.normalize("NFKC", zh): it.id for it in reversed(items) for zh in it.chinese_titles()}

    def lookup(self, name: str, domain: str, threshold: float | None = None) -> str | None:
        """The item a whole name stands for ("Interstellar (2014)", "The Great Gatsby"), never one that is part of it:
        with a year, one of that year's titles; without, any title; exactly, or (a long name) by the fuzzy threshold
        (the index's, or ``threshold``)."""
        self._index(domain)
        year = _WITH_YEAR.search(name)
        titles = self._by_year[domain].get(int(year.group(1)), {}) if year else self._keys[domain]
        key = title_key(name[: year.start()] if year else name)
        if not key or key in titles or len(key) < _FUZZY_MIN:
            return titles.get(key)
        best = process.extractOne(key, list(titles), scorer=fuzz.ratio, score_cutoff=threshold or self.threshold)
        return titles[best[0]] if best else None

    def chinese(self, domain: str) -> dict[str, str]:
        """The Chinese titles a domain's items carry (:meth:`Item.chinese_titles`, NFKC-normalised) → item id."""
        self._index(domain)
        return self._chinese[domain]

    def name(self, item_id: str) -> str | None:
        """The title of an item of a domain indexed so far (what the understood line and the session summary show)."""
        return next((names[item_id] for names in self._names.values() if item_id in names), None)

    def by_year(self, domain: str) -> dict[int, dict[str, str]]:
        """Title key → item id, per year."""
        self._index(domain)
        return self._by_year[domain]

    def genre_keys(self, domain: str) -> frozenset[str]:
        """The domain's genre names: a film called "Romance" is not what "I don't care for romance" names."""
        self._index(domain)
        return self._genres[domain]

    def bare_titles(self, domain: str) -> dict[str, str]:
        """Title keys of five letters or more, also without a leading article ("the lion king" → "lion king"), to be
        recognised in running text without a year or a cue; a genre's name ("Film Noir") is never one."""
        self._index(domain)
        return self._bare[domain]

    def mentions(self, text: str, domain: str) -> list[TitleMention]:
        """Every film ``text`` names, once each: as "Title (Year)", after a cue or in quotes, or bare in running
        text; where one is found several ways, the cue's reading wins, then the year's."""
        year = self.with_years(text, domain)
        dated = {title_key(m.title) for m in year}  # "I liked Halloween (2007)": that year's film, not the most-rated
        cued = [m for m in self.find(text, domain) if not _inside(m, year, text) and not dated & set(title_keys(m.title))]
        by_people = functools.partial(self._by_people, text, domain)
        found = [*self.listed(text, domain), *self._alone(text, domain), *self.bare(without_spans(text, year), domain)]
        return list({m.item_id: m for m in [*map(by_people, found), *year, *map(by_people, cued)]}.values())

    def _by_people(self, text: str, domain: str, mention: TitleMention) -> TitleMention:
        """Of the films that share a name, the one whose maker or star the message names ("who directed The Gift? I
        like Jason Bateman" is the 2015 film, not Sam Raimi's, which more have rated); else the most-rated."""
        namesakes = self._namesakes[domain].get(mention.item_id, [])
        named = [it for it in namesakes if any(_said(person, text) for person in it.people())]
        return mention.model_copy(update={"item_id": named[0].id}) if len(named) == 1 else mention

    def listed(self, text: str, domain: str) -> list[TitleMention]:
        """Titles written as the items of a list (see :meth:`_listed_in`)."""
        return self._remembered("list", text, domain, self._listed_in)

    def _listed_in(self, text: str, domain: str) -> list[TitleMention]:
        """Titles written as a list's items: "Alien, Terminator, predator", "bridesmaids, Tammy, hustlers, angry birds".
        A list says its items are names, so one-word and lower-case titles count, which running text never links
        ("I saw Signs" may be a sign). A clause is a list of titles when at least two of its items (separated by commas,
        "and" or "or": "The Matrix and Alien"; a title with "and" in it is whole first),
        and a third of them, are whole titles; an item may end with one ("my favourites are Oculus", "I really love The
        Shining"; see :func:`_title_starts`) and the last begin with one ("A Quiet Place - I'm a horror fan"),
        capitalised; an aside in brackets is not the item's ("Halloween (the original)"); a long item may be misspelt
        ("Silver Lining Playbook"). Everyday words ("yes, sure") and the domain's genres ("comedy, drama") are never titles."""
        self._index(domain)
        found: list[TitleMention] = []
        for clause in _CLAUSE.finditer(text):
            cuts = [0, *(p for m in _LIST_SEPARATOR.finditer(clause.group()) for p in m.span()), len(clause.group())]
            items = [(clause.start() + a, clause.start() + _aside(clause.group(), a, b)) for a, b in zip(cuts[::2], cuts[1::2], strict=True) if b > a]
            if len(items) < 2:
                continue
            hits = [self._list_item(text, a, b, domain, last=n == len(items) - 1) for n, (a, b) in enumerate(items)]
            if sum(h is not None for h in hits) < max(2, len(items) / 3):  # items may be films the catalog lacks
                continue
            hits = [h or self._misspelt(text, a, b, domain) for h, (a, b) in zip(hits, items, strict=True)]
            found += [_mention_at(text, item_id, a, b) for item_id, a, b in filter(None, hits)]
        return found

    def _alone(self, text: str, domain: str) -> list[TitleMention]:
        """A message that is only a title, perhaps misspelt ("Silver Lining Playbook."): a few words, each capitalised
        or small, not all everyday ("Thank You!")."""
        words = [w.group() for w in _TOKEN.finditer(text)]
        if not 2 <= len(words) <= 6 or re.sub(r"[\w\s'’:,&-]", "", text).strip(".!?") or all(_common(w) for w in words):
            return []
        if not all(w[:1].isupper() or w.casefold() in _SMALL_WORDS for w in words):
            return []
        hit = self._misspelt(text, 0, len(text), domain)
        return [_mention_at(text, *hit)] if hit else []

    def _list_item(self, text: str, start: int, end: int, domain: str, last: bool) -> tuple[str, int, int] | None:
        """The title text[start:end] is, as a list's item (see :meth:`_listed_in`), exactly: (item id, its span)."""
        words = list(_TOKEN.finditer(text, start, end))
        if not words:  # an item of signs only (":-)")
            return None
        runs = [(0, len(words))] + [(i, len(words)) for i in range(1, len(words)) if _title_starts(words[i - 1].group())]
        runs += [(0, n) for n in range(len(words) - 1, 0, -1) if last]
        for i, j in runs:
            a, b = words[i].start(), words[j - 1].end()
            key = title_key(text[a:b])
            whole = (i, j) == (0, len(words))
            if j - i > 8 or (not whole and not text[a].isupper()) or (j - i == 1 and _zipf(key) >= _LISTED_ZIPF):
                continue
            if key not in self._genres[domain] and (item_id := self._keys[domain].get(key)) is not None:
                return item_id, a, b
        return None

    def _misspelt(self, text: str, start: int, end: int, domain: str) -> tuple[str, int, int] | None:
        """A whole list item of a few words that is a title misspelt, by the fuzzy threshold ("Silver Lining Playbook"),
        or nearer when one of its words is no word ("Donny Darko"; not "Talk to Me" for *Talk to Her*)."""
        words = list(_TOKEN.finditer(text, start, end))
        key = title_key(text[words[0].start() : words[-1].end()]) if words and len(words) <= 6 else ""
        if len(key) < _FUZZY_MIN:
            return None
        a, b = words[0].start(), words[-1].end()
        item_id = self.lookup(key, domain)
        if item_id is None and min(map(_zipf, key.split())) < _RARE_WORD_ZIPF:
            item_id = self.lookup(key, domain, _LISTED_NEAR)
        return (item_id, a, b) if item_id is not None else None

    def bare(self, text: str, domain: str) -> list[TitleMention]:
        """Titles named in running text with neither year nor cue (see :meth:`_bare_in`)."""
        return self._remembered("bare", text, domain, self._bare_in)

    def _bare_in(self, text: str, domain: str) -> list[TitleMention]:
        """The longest catalog title at each word that is written as a title (see :func:`_plausible`): "The Shining",
        "Sorry to Bother You", "blade runner", "zombieland"; not "the one", "a back-up plan", "her", "Solo", and not
        when a sequel's number follows ("Frozen 2"). Liked unless the words around it say otherwise."""
        index = self.bare_titles(domain)
        words = list(_TOKEN.finditer(text))
        keys = [title_key(w.group()) for w in words]
        found: dict[str, TitleMention] = {}
        i = 0
        while i < len(words):
            if (item_id := self._written_apart(text, words, keys, i, domain)) is not None:
                found.setdefault(item_id, _mention_at(text, item_id, words[i].start(), words[i + 1].end()))
                i += 2
                continue
            for n in range(min(_LONGEST_TITLE, len(words) - i), 0, -1):
                run = words[i : i + n]
                key = " ".join(keys[i : i + n])
                if key in index and _plausible(text, words, i, n):
                    found.setdefault(index[key], _mention_at(text, index[key], run[0].start(), run[-1].end()))
                    i += n - 1
                    break
            else:
                if (item_id := self._misspelt_word(text, words, i, domain)) is not None:
                    found.setdefault(item_id, _mention_at(text, item_id, words[i].start(), words[i].end()))
            i += 1
        return list(found.values())

    def _written_apart(self, text: str, words: list[re.Match[str]], keys: list[str], i: int, domain: str) -> str | None:
        """The rare one-word title of a film many have rated that words[i] and the word after it spell, written apart
        ("Zombie Land", "Good fellas"; one of them capitalised; not "Paper Man" for the short *Paperman*)."""
        if not _joined(text, words, i) or not any(w.group()[:1].isupper() for w in words[i : i + 2]):
            return None
        return self._apart[domain].get(keys[i] + keys[i + 1])

    def _misspelt_word(self, text: str, words: list[re.Match[str]], i: int, domain: str) -> str | None:
        """The one-word title that words[i] is misspelt by a letter ("anabelle", "jumangi", "Anchroman": one edit, a
        swap of two letters counts as one): a word people hardly write, of seven letters or more, written as a title
        (see :func:`_plausible`) and a letter from no common word ("romatic" is "romantic" misspelt, not *Romantics*)."""
        key = title_key(words[i].group())
        if len(key) < _MISSPELT_MIN or _zipf(key) >= _MISSPELT_ZIPF or not _plausible(text, words, i, 1):
            return None
        return None if process.extractOne(key, _common_words(), scorer=OSA.distance, score_cutoff=1) else self._a_letter_from(key, domain)

    def _a_letter_from(self, key: str, domain: str) -> str | None:
        """The rare one-word title ``key`` is one letter from (a swap of two letters counts as one)."""
        best = process.extractOne(key, list(self._one_word[domain]), scorer=OSA.distance, score_cutoff=1)
        return self._one_word[domain][best[0]] if best else None

    def named(self, text: str, domains: list[str]) -> list[TitleMention]:
        """Every "Title (Year)" of any of ``domains`` in ``text``."""
        return [m for d in domains for m in self.with_years(text, d)]

    def _remembered(self, kind: str, text: str, domain: str, look: Callable[[str, str], list[TitleMention]]) -> list[TitleMention]:
        """A turn asks the same of one message several times (which domain it names, what it says of them, what
        to leave out of the parser's reading), so recent answers are kept."""
        return list(self._recent.get((kind, text, domain), lambda: look(text, domain)))

    def with_years(self, text: str, domain: str) -> list[TitleMention]:
        """Every "Title (Year)" in ``text`` that is a catalog item of that year (see :meth:`_with_years`)."""
        return self._remembered("year", text, domain, self._with_years)

    def find(self, message: str, domain: str) -> list[TitleMention]:
        """Titles named after a cue word or in quotes (see :meth:`_find`)."""
        return self._remembered("cue", message, domain, self._find)

    def _with_years(self, text: str, domain: str) -> list[TitleMention]:
        """Every "Title (Year)" in ``text`` that is a catalog item of that year, in order of first mention.

        The title is the longest run of words before "(Year)" that matches one of that year's
        titles (exactly, else by rapidfuzz ratio ≥ the threshold). A negative cue earlier in the
        same sentence and after the previous title ("I didn't like …"), or a verdict straight after it
        ("… was boring"), marks it disliked."""
        index = self.by_year(domain)
        found: dict[str, TitleMention] = {}
        previous = 0  # a cue belongs to the title it precedes, not to one after another title
        for m in _WITH_YEAR.finditer(text):
            titles = index.get(int(m.group(1)))
            before, previous = text[max(0, m.start() - 120, previous) : m.start()], m.end()
            if not titles:
                continue
            after = re.split(r"[.!?。！？\n]|\(\d{4}\)", text[m.end() : m.end() + 80])[0]  # up to the sentence's or the next title's end
            sentence = _SENTENCE_END.split(before)[-1]
            words = sentence.split()
            for n in range(min(len(words), 12), 0, -1):
                key = title_key(" ".join(words[-n:]))
                hit = titles.get(key) if key else None
                if hit is None and len(key) >= 4:
                    best = process.extractOne(key, list(titles), scorer=fuzz.ratio, score_cutoff=self.threshold)
                    hit = titles[best[0]] if best else None
                if hit is not None:
                    liked = not disliked(" ".join(words[:-n]), after)
                    start = m.start() - len(before) + before.rfind(words[-n])
                    found.setdefault(hit, TitleMention(item_id=hit, title=" ".join(words[-n:]), liked=liked, span=(start, m.end())))
                    break
        return list(found.values())

    def _cued(self, words: list[str], domain: str, talk: bool) -> str | None:
        """The title a cue's words start with ("Toy Story and want something similar"): the longest exact one, else
        the longest near one ("Guardians of the Galaxy as well" is near "… Galaxy 2"). Before a year, the words up to
        it name one film (not "Gone" of "Gone in 60 Seconds (2000)"; see :func:`_before_year`), that year's or a year
        out, a release date's ("Black Panther (2018)"; "Jumanji (2017)" is not the 1995 film). After a cue that may
        start ``talk`` ("have you seen", "do you know"), lower-case words this common are no title (see :func:`_not_one_film`)."""
        keys, genres = self._keys[domain], self._genres[domain]
        at, year = _year_at(words)
        prefixes = [(n, key) for n in range(min(len(words), 8), 0, -1) if _before_year(words, n, at) and len(key := title_key(" ".join(words[:n]))) >= 3
                    and (n > 1 or _one_word_title(words, key, genres)) and not _not_one_film(words, n, talk)]  # fmt: skip
        longest = next((n for n in range(min(len(words), 7), 0, -1) if title_key(" ".join(words[:n])) in keys), None)
        if longest and _SEQUEL.fullmatch(" ".join(words[longest : longest + 1]).strip(".,!?")):
            return None  # "Home Alone 2" names a sequel, not *Home*
        hit = next(((n, keys[key]) for n, key in prefixes if key in keys), None)
        # a short name must match exactly; a near match is a name misspelt: with a word that is no word ("Forest
        # Gump"), or long ("how to loose a guy in 10 days"); not a few words spelt right ("the classic", "Identity Theft")
        for n, key in [] if hit else [(n, k) for n, k in prefixes if len(k) >= _FUZZY_MIN and _misspelt_name(k)]:
            if near := process.extractOne(key, list(keys), scorer=fuzz.ratio, score_cutoff=self.threshold):
                hit = n, keys[near[0]]
                break
        if hit is None or (hit[0] == at and not any(hit[1] in self._by_year[domain].get(y, {}).values() for y in (year - 1, year, year + 1))):
            return None
        return hit[1]

    def _find(self, message: str, domain: str) -> list[TitleMention]:
        spans = [(m.group("span"), m.group("neg") is None, m.group("seen") is not None) for m in _CUE.finditer(message)]
        quoted = [(m.group(1), not re.search(r"不喜欢|don'?t like|hate", message, re.I), False) for m in _QUOTED.finditer(message)]
        spans += quoted
        if not spans:
            return []
        self._index(domain)
        found: dict[str, TitleMention] = {}
        for span, liked, seen in spans:
            item_id = self._cued(span.split(), domain, talk=seen)
            if item_id is None and (span, liked, seen) in quoted and len(key := title_key(span)) >= _QUOTED_NEAR and " " not in key:
                item_id = self._a_letter_from(key, domain)  # quotes say it is a name: 'Momento'
            if item_id is not None:
                found.setdefault(item_id, TitleMention(item_id=item_id, title=self._names[domain][item_id], liked=liked))
        return list(found.values())
