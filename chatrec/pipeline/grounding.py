"""Checks every sentence the model writes about a pick against that pick's facts.

The model is good at phrasing and bad at facts. A sentence about pick *i* passes only if
everything checkable in it is true of pick *i* or was said in the request:

- every number (a year, a price, an age, a count) appears in the pick's facts or the request;
- every name-like phrase ("Tom Hanks", "New York") appears there too;
- it names no other pick;
- every genre word it uses ("a comedy", "animated", "喜剧") is one of the pick's genres, unless it names what the
  story is about ("a story about love and loss", "关于友情和爱情的故事");
- a claim that it suits children is not contradicted (no adult-only marker, no genre a
  children's list excludes), and no mood word ("light-hearted") meets a genre that contradicts it
  unless the pick also has a genre that carries such moods (a comedy, a romance, a children's film);
- a mood the catalog tags ("sad", "heartbreaking", "dark") is said only of a pick so tagged, or of one of the mood's
  genres (a drama may be sad), or whose description says it, or with no tags at all (asked for "a sad film", the
  model had called *American Pie* "a sad story");
- price and awards are talked of only where the catalog has a price and the facts an award.

A sentence that speaks of the whole list ("all three", "these films", "都") must hold for
every pick. A sentence that says its pick does not fit, or that repeats (up to the titles) a
sentence already shown for another pick, gives no reason. What fails is dropped, counted, and
replaced by code's own reason for that pick.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property

import numpy as np
from rapidfuzz import fuzz
from wordfreq import zipf_frequency

from chatrec.models import Item
from chatrec.pipeline.parse import Lexicon, is_chinese, parse_age, zh_number
from chatrec.pipeline.titles import series, title_key, title_keys

_WORDS = re.compile(r"\w+")
_QUOTED = re.compile(r"《[^》]*》")
_BRACKETED = re.compile(r"[（(]([^（）()]+)[）)]")
_ARTICLE = re.compile(r"^\s*(?:a|an|the|some|something)\s+")


def _bare_words(text: str) -> str:
    """``text``'s words, casefolded, without a leading article, one space apart: how a sentence and a request are compared."""
    return " ".join(_WORDS.findall(_ARTICLE.sub("", text.casefold(), count=1)))

_NAME_GLUE = {"by", "the", "a", "an", "of", "and", "de", "von", "van", "this", "these", "its", "it", "in", "on"}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_LETTER = "A-Za-zÀ-ÖØ-öø-ÿ"  # a Latin letter, accented too, as a character class's body
_NAME_CHAR = rf"[{_LETTER}0-9'’-]"  # not \w: a Chinese word written straight after a name is not part of it
_NAME = re.compile(rf"\b[A-Z]{_NAME_CHAR}*(?:\s+(?:(?:of|the|and|de|von|van|&)\s+)*[A-Z]{_NAME_CHAR}*)+")  # "The Name of the Wind"
_LIST_EN = re.compile(r"\b(all (?:three|of them|of these|these|the picks)|these (?:picks|films|movies|books|toys|games|three)|"
                      r"each of (?:them|these)|they all|they are all|both of them)\b", re.IGNORECASE)
# not "它的画面和情节都是…" (one pick's parts), nor "这两部电影…都" (the pick and the film the person named), nor "这些故事"
# (the stories in one film)
_LIST_ZH = re.compile(r"这些(?:推荐|电影|影片|片子|书|作品|玩具|游戏|选择)|它们|这三|这几|[三几](?:部|本|款|个|件)[^，。；]{0,8}都")
_ONE_NAME = re.compile(r"(?<=[a-z,] )[A-Z][a-z'’-]+\b")  # "a woman named Pat": one capitalised word mid-sentence
# "Bill Harding's", "Susan Jeffers'", "Halloween-themed": the name is Bill Harding, Susan Jeffers, Halloween (a lower-case
# word after a hyphen is no name's)
_POSSESSIVE = re.compile(r"['’]s\b|(?<=s)['’](?!\w)|-[a-z][a-z-]*")
# A Chinese numeral of the request, not the count of the picks asked for or "a bit" ("一部", "一本", "几个", "一点"):
# from "推荐一部…电影", the model's "智商只有1的男孩" of Forrest Gump had passed as the request's number
_ZH_NUMBER = re.compile(r"[零一二两三四五六七八九十]{1,3}(?![部本个款件套些点份种])")
_TOPIC = re.compile(r"\b(?:about|story of|tale of)\b(?:[^,.;:!?—–]|,(?!\s*(?:a|an|it|this|that|which|but|with)\b))*"
                    r"|关于[^，。；！？]*?的|(?:讲述|讲的是|描述|描写)[^，。；！？]*")  # "about friendship and adventure", "关于友情、爱情的", "讲述了一个犯罪分子的故事": a topic
_SUBTITLE = re.compile(r"\s*[,:;(]|\s+[-–—]\s+")
_CENTURY = re.compile(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?[\s-]+century|(?<!\d)(\d{1,2})\s*世纪", re.IGNORECASE)  # "21世纪" holds a 2000 book
_DECADE = re.compile(r"(?<!\d)(\d{3}0)(?:['’]?s\b|\s*年代)|(?<![\d.,])['’]?([1-9]0)(?:['’]?s\b|\s*年代)")  # "the 1940s", "the 1960's", "the '60s", "90年代", "1990年代" hold a 1947, 1966, 1966, 1994 film
_QUOTED = re.compile(r"[《「“\"]\s*([^》」”\"]{2,80}?)\s*[》」”\"]")  # "《 Fight Club》" quotes "Fight Club"
# "his other books like The Name of the Wind": what follows is said to be the pick's maker's work
_ATTRIBUTED = re.compile(r"\b(?:his|her|their|the author's|the director's)\s+(?:other|own|earlier|later|previous|best-known)?\s*"
                         r"(?:books?|novels?|films?|movies?|works?|titles?|series)\b,?\s+(?:like|such as|including|e\.g\.)\s+(?P<works>[^.;!?]+)")
_DISOWNS = re.compile(r"\b(?:does not|doesn't|do not|don't|is not|isn't|not)\s+(?:really\s+|quite\s+)?(?:fit|suit|match|meet|suitable|a (?:good )?(?:fit|match))\b"
                      r"|\bnot what (?:you(?:'re| are) looking for|you asked for|you want(?:ed)?|(?:the|your) request (?:is|was) (?:for|about))\b"
                      r"|不适合|不符合|不太适合", re.IGNORECASE)
LINE_START = re.compile(r"\s*(?:[-*•]\s*)?(?:\*\*)?(\d{1,2})\s*(?:\*\*)?\s*[.)、:：]\s*")  # "2. ", "**2.**", "2、"
# A title the model translated ("《美国美丽》" for American Beauty) is the pick's when the embedder's cross-lingual
# cosine puts it this near the pick's title and this much nearer than any other pick's (measured on the 1.5B
# model's translations: right ones 0.82-0.94 with a lead of 0.05 or more; wrong or unknown ones lead by 0.03 or less)
_TRANSLATED_FLOOR, _TRANSLATED_LEAD = 0.8, 0.04
YEAR_PREFIX = r"(?:\d{4}\s*年的?)?"  # "1999年的《Fight Club》…": a year may come before what a Chinese line is about
# What a sentence is about: the words before "is a", "tells", "是一部", "讲述" ("阿甘正传讲述了…", "Forrest Gump is…").
_SUBJECT = re.compile(r"^" + YEAR_PREFIX + r"[\s《“\"]*(?P<s>[^，,。.!?！？《》“”\"]{2,60}?)[\s》”\"]*"
                      r"(?:\s+(?:is|was|tells|follows)\b|是一部|是一本|是一个|是一款|讲述|讲的是|描写|描绘)")
OPENING_QUOTE = re.compile(r"^" + YEAR_PREFIX + r"\s*《\s*([^》]{1,80}?)\s*》")  # "1999年的《Fight Club》…": what the line is about
# "made after 1980", "published before 1995", "1980年以后": a side of a year, which the pick's own year must be on (the
# year may come from the request, so the number check alone passes "Once Upon a Time in the West is made after 1980")
# Only when the sentence says the pick was made then: "a story set before 1900" is about the story's time.
_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_YEAR_SIDE = re.compile(r"\b(?:made|released|published|written|filmed|produced|came out|out|from)\s+(?:\w+\s+)?"
                        rf"(?P<en>after|since|before|until|prior to)\s+(?:the\s+year\s+)?(?P<y>{_YEAR})\b(?!s)"
                        rf"|(?P<y2>{_YEAR})\s*年\s*(?P<zh>之后|以后|后|之前|以前|前)(?!的(?:故事|世界|时代|历史|年代))", re.IGNORECASE)
_LATER = {"after", "since", "之后", "以后", "后"}  # the words of _YEAR_SIDE that put the pick after the year
_SEQUEL = re.compile(r"\b(?:a|an|the|is)\s+(?:[\w-]+\s+)?(?:sequel|prequel)\b(?!s)|\b(?:sequel|prequel)\s+to\b|的(?:续集|前传|续作)", re.IGNORECASE)
_SEQUEL_FACT = re.compile(r"sequel|prequel|续集|前传")  # in an item's (lower-case) facts: its tags, its description
_NOT = r"(?:\bnot|n't|\bnever)\s+"
_NEGATED_CLAIM = re.compile(_NOT + "$", re.IGNORECASE)
# A flat denial of a kind right before its word ("isn't a horror film", "doesn't have any horror", "不包含恐怖元素",
# "一点也不恐怖"): false of a pick of that genre. Not a hedge ("not just a horror film", "not your typical horror", "not
# too scary", "不太恐怖"), which a pick of the genre may well be.
_DENIAL_EN = re.compile(r"(?:\b(?:not|no|never|without|nothing)|n't)\s+(?!(?:just|only|merely|simply|too|overly|so|very|as|that|"
                        r"really|particularly|typical|your|the usual|quite|all|exactly|purely|strictly|entirely|average)\b)"
                        r"(?:(?:a|an|the|any|real|of|have|has|contain|contains|include|includes|involve|involves)\s+)*$", re.IGNORECASE)  # fmt: skip
_DENIAL_ZH = re.compile(r"(?:不是|不包含|不含|没有|并非|毫无|不)(?:任何|什么|一部|一个|一本|真正的|一点)?$")
# "between 10 and 15 pounds", "under £20", "100元以内": a price range the pick's own price must be in. The model
# restates the request's budget in its own numbers ("a great toy for a nephew between 5 and 10 pounds"); a
# claim its price makes true is a fact about the pick, whatever numbers it uses.
_AMOUNT = r"(\d+(?:\.\d+)?)"
_UNIT_EN = r"(?:£\s*(?=\d))?"
_PRICE_SIDES_EN = (  # with "£" or "pounds" only: "under 10" may be an age
    re.compile(rf"\bbetween\s+{_UNIT_EN}(?P<lo>{_AMOUNT})(?:\s*(?:pounds|quid))?\s+(?:and|to)\s+{_UNIT_EN}(?P<hi>{_AMOUNT})", re.I),
    re.compile(rf"\b(?:under|below|less than|at most|no more than|up to|within)\s+{_UNIT_EN}(?P<hi>{_AMOUNT})", re.I),
    re.compile(rf"\b(?:over|above|more than|at least)\s+{_UNIT_EN}(?P<lo>{_AMOUNT})", re.I),
)
_PRICE_SIDES_ZH = (
    re.compile(rf"(?P<lo>{_AMOUNT})\s*(?:元|英镑|镑)?\s*(?:到|至|-|–|~)\s*(?P<hi>{_AMOUNT})\s*(?=元|英镑|镑)"),
    re.compile(rf"(?P<hi>{_AMOUNT})\s*(?:元|英镑|镑|块钱?)\s*(?:以内|以下|之内)"),
    re.compile(rf"(?P<lo>{_AMOUNT})\s*(?:元|英镑|镑|块钱?)\s*以上"),
)
_EN_CURRENCY = re.compile(r"\s*(?:pounds?|quid|gbp)\b", re.I)
# "doesn't cost more than £20": a side turned round, true of a toy that costs 8.97
_NEGATED_PRICE = re.compile(_NOT + r"(?:(?:cost|costs|go|goes|run|runs)\s+(?:you\s+)?)?$", re.IGNORECASE)
# A fact's number written as a count ("4.3 million viewers" of a film rated 4.3; "智商只有1994的男子" of a 1994 film, in
# most of the model's Chinese lines about *Forrest Gump*): a number with a magnitude must be so written in the facts or
# the request, and a Chinese sentence writes the pick's year as a year ("1994年", "（1994）", "年份是1994").
_MAGNITUDE = re.compile(r"\d+(?:[.,]\d+)*\s*(?:million|billion|thousand|hundred|percent|%|万|亿|千|百)", re.IGNORECASE)
_ZH_YEAR_BEFORE = ("（", "(", "年份", "年份是", "年份为", "年份：", "年份:")
# Words that make the number after them a quantity: the grammar gave the model "1994年" only, and it wrote "智商只有1994年的阿甘"
# The reasons' call is told to avoid the two-character ones (see Grounding.unfit_words): it had written "智商只有七" or
# "智商只有1994年" of *Forrest Gump* in 6 of 8 runs of "推荐几部喜剧电影", and "智商低的阿甘" in 8 of 8 when told.
_ZH_COUNTING = ("只有", "仅有", "高达", "超过", "多达", "将近", "大约", "低于", "高于")
_ZH_QUANTITY = (*_ZH_COUNTING, "仅", "达到", "不到", "约", "智商")
# A foreign name written in Chinese ("克里斯托弗·诺兰", "J.K.罗琳"): its characters carry no spelling to look up, so the
# multilingual embedder says whose name it is. Measured: a name against its English form 0.84-0.90, against other
# people's names at most 0.80 (11 directors, authors and actors).
_ZH_NAME = re.compile(r"(?:[A-Z]\.\s*)*[\u4e00-\u9fff]{1,6}(?:[·・][\u4e00-\u9fff]{1,6})+|(?:[A-Z]\.\s*)+[\u4e00-\u9fff]{2,4}")
_ZH_NAME_GLUE = re.compile(r"导演|主演|演员|作者|编剧|作家|执导|创作|笔下|[由和与是的了在所写编拍，。、《》]")  # words around a name
_ZH_NAME_SIMILARITY = 0.83
_ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[\s,]+[A-Za-z][A-Za-z'’-]*){3,}")  # four English words or more
# A lower-case English word in a Chinese line ("年轻狮子 cub的冒险", "一个 FBI trainee在 asylum中"): written in the
# wrong language, unless a word English is commonly borrowed for in Chinese. Not beside a digit: "20cm", "3d".
# "a fun, budget-friendly set for ages 7.29": the price, which the number check knows, written as an age
_FRACTIONAL_AGE = re.compile(r"\b(?:ages?|aged)\s+(?:(?:under|over|of|from)\s+)?(\d+[.,]\d+)")
# "for ages 10 to 20", "ages 3-5", "kids under 30" (of a request's "under 30 pounds")
_AGES = re.compile(r"\b(?:ages?|kids|children)\s+(?:(?:under|over|of|aged|from)\s+)?(\d{1,2})(?:\s*(?:to|-|–)\s*(\d{1,2}))?")
_LATIN_WORD = re.compile(r"[a-z]{3,}")
# A name in lower case: the grammar that bars a capitalised name the facts lack had led the model, asked for one, to
# write "the vietnam war"
_LOWER_WORD = re.compile(r"(?<![A-Za-z'’])[a-z]{3,}(?![A-Za-z])")  # not the "t" of "doesn't"
_LATIN_WORDS = re.compile(rf"[{_LETTER}]+")
_CAPITALISED = re.compile(rf"(?<![{_LETTER}])[A-Z][{_LETTER}]*")  # "Bernières", "McDonald"
_ENGLISH_WORD = re.compile(r"(?<![A-Za-z0-9])[a-z][a-z'’-]{2,}(?![A-Za-z0-9])")
_GRAMMAR_ZIPF = 6.0  # wordfreq frequency from which a word is grammar ("with" 6.8, "that" 7.1), not wording ("fun" 5.3)
_ENGLISH_WORD_ZIPF = 3.0  # how common in English (wordfreq) a word is to count as one: "cub" 3.5; not "pixar"-like names
_LOANWORDS = frozenset({"app", "apps", "diy"})
_OWN_TITLE_SIMILARITY = 90  # rapidfuzz ratio at which a name is the pick's own title misspelt
_NUMERAL = re.compile(r"\b(?:\d+|[IVXLC]+)\b")  # "World War II", "Rocky 3": a title's numbers are no misspelling
_LEADING_THE = re.compile(r"^the\s+")
_ID_KEY = re.compile(r"(?:^|_)(?:id|isbn\w*|asin|url)$", re.IGNORECASE)  # imdb_id, tmdb_id, isbn10: identifiers
_REPEAT_SIMILARITY = 85  # rapidfuzz ratio at which two picks' sentences count as one reason said twice


def facts_text(item: Item) -> str:
    """Everything the catalog says about an item, as one lower-case text to look facts up in; not its ids, which
    no sentence states (a *tmdb_id* of 13 had let "智商只有13的男子" pass as a fact of *Forrest Gump*)."""
    parts = [item.title, str(item.year or ""), " ".join(item.genres), " ".join(item.authors), " ".join(item.tags),
             item.description, f"{item.price:.2f}" if item.price is not None else "", f"{item.rating:.1f}" if item.rating else "",
             *(str(v) for k, v in item.extra.items() if not _ID_KEY.search(k))]  # fmt: skip
    return " ".join(parts).casefold()


def _spaced(text: str) -> str:
    """``text``'s words, one space apart and padded: "If This Is a Man; and" is in "if this is a man ; and the truce"."""
    return f" {' '.join(_WORDS.findall(text.casefold()))} "


def _mentions(text: str, title: str) -> bool:
    """``title`` in ``text`` as whole words ("Psycho" is not in "psychological"); a Chinese title as written."""
    return title.casefold() in text.casefold() if is_chinese(title) else _spaced(title) in _spaced(text)


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def _decades(year: int) -> set[str]:
    """The decade holding ``year`` as a sentence writes its number ("the 1960s", "the '60s", "60年代" of 1966)."""
    return {str(year)[:3] + "0", str(year)[2] + "0"} - {"00"}


def _centuries(year: int) -> set[int]:
    """The centuries holding ``year`` (the year 2000 is counted in either)."""
    return {(year - 1) // 100 + 1, year // 100 + 1}


def _era_numbers(sentence: str, year: int | None) -> set[str]:
    """The decades and centuries ``sentence`` writes that hold ``year`` ("the '60s" of 1966; "21世纪" of 2000 or 2013)."""
    if not year:
        return set()
    decades = {d for m in _DECADE.finditer(sentence) if (d := m.group(1) or m.group(2)) in _decades(year)}
    return decades | {c for m in _CENTURY.finditer(sentence) if int(c := m.group(1) or m.group(2)) in _centuries(year)}


def _ordinal(number: str) -> str:
    """"20" → "20th", "21" → "21st", "12" → "12th": a century as an English sentence writes it."""
    return number + ("th" if number[-2:-1] == "1" else {"1": "st", "2": "nd", "3": "rd"}.get(number[-1], "th"))


def _request_numbers(request: str) -> set[str]:
    """The numbers a request gives, Chinese numerals too ("五岁" gives 5, so a reason may say "5岁"; see _ZH_NUMBER)."""
    return _numbers(request) | {str(n) for run in _ZH_NUMBER.findall(request) if (n := zh_number(run)) is not None}


def _stated_ages(text: str) -> set[int]:
    """The ages ``text`` states: "ages 3-5", "kids under 30", "a 7-year-old", "5岁"."""
    ages = {int(a) for m in _AGES.finditer(text.casefold()) for a in m.groups() if a}
    return ages | ({age} if (age := parse_age(text)) is not None else set())


def _of_genre(of: Sequence[str], genres: set[str], every: bool = False) -> bool:
    """Whether an item of (case-folded) ``genres`` is of one of the genres ``of`` (``every``: of each of them), or of
    a kind of one ("a novel" of Juvenile Fiction: a genre's last word is its kind)."""
    kinds = genres | {g.rsplit(" ", 1)[1] for g in genres if " " in g}
    return (all if every else any)(g.casefold() in kinds for g in of)


def _denied(sentence: str, pos: int) -> bool:
    """Whether the words right before ``pos`` flatly deny what stands there (see ``_DENIAL_EN``)."""
    before = sentence[:pos]
    return bool(_DENIAL_ZH.search(before.rstrip()) if is_chinese(sentence) else _DENIAL_EN.search(before))


def _written(phrase: str) -> list[str]:
    """A word as a model writes it after a space, in lower case and capitalised ("冒险" as it is)."""
    key = phrase.casefold()
    return [phrase] if is_chinese(phrase) else [f" {key}", f" {key.capitalize()}"]


class Grounding:
    """The facts of one reply's picks, and the request, to check the model's sentences against."""

    def __init__(self, lexicon: Lexicon, domain: str, request: str, picks: Sequence[Item], children_excluded: Sequence[str],
                 language: str = "en", examples: Sequence[str] = (), children: bool = False,
                 embed: Callable[[str], np.ndarray] | None = None, ruled_out: Mapping[str, Sequence[str]] | None = None,
                 names: frozenset[str] = frozenset()) -> None:  # fmt: skip
        self.lexicon = lexicon
        self.domain = domain
        self.picks = list(picks)
        self.request = request.casefold()
        self._request_names = set(_ONE_NAME.findall(request))  # one-word names as the person wrote them ("hated Titanic")
        self.for_children = children or lexicon.any(request, lexicon.children)  # the person is choosing for children
        self.facts = [facts_text(it) for it in self.picks]
        self.known_numbers = [_numbers(f) | _request_numbers(self.request) for f in self.facts]
        self.children_excluded = {g.casefold() for g in children_excluded}
        self.language = language
        self.shown: list[tuple[int, str]] = []  # (pick, sentence without titles) already shown
        self.embed = embed  # a multilingual text embedder, to know a translated title; None: quotes must be exact
        self._vectors: dict[str, np.ndarray] = {}  # a quote, a name, a pick's title or person → its normalised vector
        # made-up answers, without their own titles: "《The Hobbit》中比尔博和矮人们、巨龙一起上路…" had been shown of *The
        # Fellowship of the Ring*, the example's title keeping the copy below the similarity that counts
        self.examples = [self._untitled(_QUOTED.sub(" ", e[m.end() :] if (m := LINE_START.match(e)) else e)) for e in examples]
        words = {w for thing, marks in (ruled_out or {}).items() for w in [thing, *marks]}  # things the request rules out, which
        self.ruled_out = words | {zh for zh, tags in lexicon.tag_words.items() if set(tags) & words}  # code made sure no pick has
        self.names = names  # words the catalog writes as names (CatalogFacts.names), to know one written in lower case

    def numbers_allowed(self, index: int) -> set[str]:
        """The numbers a sentence about pick ``index`` may write and pass the number check: its facts', the
        request's, and its year's decade ("the 1990s", "the '90s" of a 1995 film), and its century when the request names
        one ("a 20th century novel"; else the model wrote it as a kind: "fits under the 20th-century genre", "not a
        thriller under 20th-century standards"); not an ISBN or an id (more than seven characters), which the model had
        copied in pieces ("published in 10/0439785960"); not a year the request gave that is not the pick's, which the
        model wrote as a claim about the pick ("Guardians of the Galaxy … became a cult classic before 2010", "The
        Matrix … not a thriller under 2010"). In Chinese, each year, decade and century with the word that makes it one
        ("1994年", "90年代", "20世纪")."""
        year = self.picks[index].year
        decades = _decades(year) if year else set()
        centuries = {str(c) for c in _centuries(year)} if year and _CENTURY.search(self.request) else set()
        own = _numbers(self.facts[index])
        facts = {n for n in self.known_numbers[index] if len(n) <= 7 and (n in own or not (year and re.fullmatch(_YEAR, n)))}
        if self.language != "zh":  # a decade and a century as one ("the 1990s", "the '90s", "20th century"): a bare
            # "20" of a 1999 film had been written as "fits under 20 years"
            return facts | {f"{d}s" for d in decades} | {_ordinal(c) for c in centuries}
        # a Chinese line writes a year as one ("1994年"), a decade ("90年代") and a century ("20世纪") too: the grammar
        # had given the model "1994" where it wanted a number for "智商只有…" (see _MAGNITUDE)
        years = {n for n in facts if re.fullmatch(_YEAR, n)}
        return facts - years | {f"{n}年" for n in years} | {f"{d}年代" for d in decades} | {f"{c}世纪" for c in centuries}

    def names_allowed(self, index: int) -> set[str]:
        """The capitalised words an English sentence about pick ``index`` may write after its first word (see
        :func:`~chatrec.pipeline.explain.lines_grammar`): those its facts write capitalised, its tags' words, the
        request's and its domain's genre names capitalised, and "I". The name check's words, nearly: it also knows
        the description's lower-case words capitalised, which a sentence hardly needs."""
        item = self.picks[index]
        written = [item.title, *item.authors, item.description, *(str(v) for k, v in item.extra.items() if not _ID_KEY.search(k))]
        lower = [*item.tags, self.request, *self.lexicon.canonical_genres(self.domain), *item.genres]
        return set(_CAPITALISED.findall(" ".join(written))) | {w.capitalize() for w in _LATIN_WORDS.findall(" ".join(lower))} | {"I"}

    def unfit_words(self, index: int | None = None) -> list[str]:
        """Words no pick makes true (only pick ``index``, when given), as a model writes them (" adventure",
        " Adventure", "冒险"): the reasons' call is asked to avoid them, so fewer of its sentences call a pick what it is
        not. Genre words its genres do not make true, the words of a claim that it suits children ("for all ages",
        "适合孩子") when no pick may be said to, award words its facts lack, price words when no pick has a price
        ("价格适中" of a toy the catalog prices not), in Chinese the words that make a number a count ("只有", see
        _ZH_COUNTING), and the things the request rules out (no pick has them: told "不要丧尸的恐怖片", the small model had
        written "虽然有丧尸元素" of *The Conjuring* and *Saw*, and in English only "doesn't involve zombies"). Otherwise
        never the request's words (the model may write "nothing scary"), a pick's own fact words (*War of the Worlds*),
        or a word a pick's genres allow as a mood ("funny" of a children's film)."""
        picks = range(len(self.picks)) if index is None else [index]
        genres = {g.casefold() for i in picks for g in self.picks[i].genres}
        facts = " ".join(self.facts[i] for i in picks)
        phrases = [p for p, of in self.lexicon.genres.get(self.domain, {}).items() if not self._true_of(p, of, genres)]
        if not any(self._may_suit_children(self.picks[i]) for i in picks):
            phrases += self.lexicon.children_claim_words
        phrases += self.lexicon.award_claims
        if all(self.picks[i].price is None for i in picks):
            phrases += self.lexicon.price_claims
        if self.language == "zh":
            phrases += _ZH_COUNTING
        unfit = [w for p in phrases if not (self.lexicon.find(self.request, p) or self.lexicon.find(facts, p)) for w in _written(p)]
        return unfit + [w for p in sorted(self.ruled_out) for w in _written(p)]

    def used_words(self, index: int) -> list[str]:
        """English words the lines shown for other picks wrote that are not pick ``index``'s own (its facts) nor the
        request's, as a model writes them: its own call is asked to avoid them, so calls that each see one pick do not
        give two picks one sentence ("a fun, budget-friendly Lego set for kids" twice; the DRY sampler sees one call's
        text only). Not grammar words ("with", "that")."""
        own = set(_WORDS.findall(self.facts[index])) | set(_WORDS.findall(self.request))
        said = {w for other, line in self.shown if other != index for w in _LATIN_WORD.findall(line.casefold())}
        return [v for w in sorted(said - own) if zipf_frequency(w, "en") < _GRAMMAR_ZIPF for v in _written(w)]

    def _true_of(self, phrase: str, of: Sequence[str], genres: set[str]) -> bool:
        """Whether a genre word (standing for the genres ``of``) is true of an item of ``genres``: one of them, a kind of
        one ("a novel", "小说" of Juvenile Fiction: the genre's last word is the word's genre), or a mood those genres
        carry ("funny" of a children's film, see the lexicon's loose genre words)."""
        return _of_genre(of, genres) or bool(genres & self.lexicon.loose_genre_words.get(phrase.casefold(), set()))

    def accept(self, sentence: str, index: int) -> None:
        """``sentence`` about pick ``index`` is shown: another pick may not be given it again."""
        self.shown.append((index, self._untitled(sentence)))

    def _untitled(self, sentence: str) -> str:
        """The sentence without the picks' titles, written whole or up to their subtitle ("The Pronouncing Reading
        Book for Children, With an Intr., by W.L. Robinson" written as "The Pronouncing Reading Book for Children")."""
        text = sentence.casefold()
        for item in self.picks:
            title = item.title.casefold()
            text = text.replace(title, " ")
            if len((main := _SUBTITLE.split(title, maxsplit=1)[0]).split()) >= 2:
                text = text.replace(main, " ")
        return " ".join(_WORDS.findall(text))

    def problems(self, sentence: str, index: int) -> list[str]:
        """Why ``sentence`` about pick ``index`` (0-based) may not be shown; empty if it may."""
        whole_list = bool(_LIST_ZH.search(sentence) if is_chinese(sentence) else _LIST_EN.search(sentence))
        about = range(len(self.picks)) if whole_list else [index]
        problems = [p for i in about for p in self._claims(sentence, i)]
        problems += self._invented(sentence, index) + self._no_reason(sentence, index) + self._repeats(sentence, index)
        if _DISOWNS.search(sentence):
            problems.append(f"says {self.picks[index].title!r} does not fit")
        if self._echoes(sentence):
            problems.append("has the request, not the pick, as its subject")
        problems += [f"says it has {w!r}, which the request rules out" for w in sorted(self.ruled_out)
                     if self.lexicon.says(sentence, w)][:1]  # fmt: skip
        if sentence.count("《") != sentence.count("》"):
            problems.append("is a fragment (an unmatched 《 or 》)")  # "Do》是适合全家观看的动画片": cut inside a title
        if (self.language == "zh") != is_chinese(sentence):
            problems.append(f"not written in {'Chinese' if self.language == 'zh' else 'English'}")
        elif self.language == "zh" and (english := self._english(sentence, index)):
            problems.append(f"writes English in Chinese: {english!r}")
        return list(dict.fromkeys(problems))

    def _echoes(self, sentence: str) -> bool:
        """An English sentence that opens with one of the request's messages of three words or more (not a kind, "a board
        game with dark and twisted turns"), its article aside:
        "A movie about chess is a classic that fits the request." of *The Seventh Seal*, "A space adventure film is a
        space adventure film." of *My Science Project*: the request said back, nothing of the pick."""
        if is_chinese(sentence):
            return False
        opening = _bare_words(sentence)
        return any((opening + " ").startswith(a + " ") for a in self._asked)

    @cached_property
    def _asked(self) -> list[str]:
        """The request's messages of three words or more, as :func:`_bare_words` writes them (see :meth:`_echoes`)."""
        return [a for m in re.split(r"[;；]", self.request) if len((a := _bare_words(m)).split()) >= 3]

    def _english(self, sentence: str, index: int) -> str | None:
        """A run of English words in a Chinese sentence that is no title, name or word of the request ("讲述了一个年轻女孩
        disguises herself as a young man…": the description copied), if any; the pick's own title written loosely is
        its title ("（There Is Something About Mary）" of *There's Something About Mary*)."""
        item = self.picks[index]
        text = _QUOTED.sub(" ", sentence)
        for kept in sorted([*(it.title for it in self.picks), *item.people()], key=len, reverse=True):
            text = re.sub(re.escape(kept), " ", text, flags=re.IGNORECASE)
        titles = " ".join(_spaced(it.title) for it in self.picks)  # a part of a title ("With Love and Squalor") is a title
        known = _spaced(self.request) + titles
        runs = [m.group() for m in _ENGLISH_RUN.finditer(text) if _spaced(m.group()) not in known  # nor the pick's title
                and not self._misspelt_title(m.group(), index)]  # written loosely ("There Is …")
        runs += [w for w in _ENGLISH_WORD.findall(text) if w not in _LOANWORDS and f" {w} " not in known and zipf_frequency(w, "en") >= _ENGLISH_WORD_ZIPF]
        return runs[0] if runs else None

    def _no_reason(self, sentence: str, index: int) -> list[str]:
        """A sentence whose words (grammar aside) are only the pick's facts line (title, year, genres, makers, tags)
        copied back gives no reason ("Jackie Brown is a crime thriller", "Yu Gi Oh!"); one that tells what the
        description says does ("…about a flight attendant caught smuggling cash": counted against the whole facts,
        grammar words and all, it had been dropped)."""
        words = [w for w in _WORDS.findall(sentence.casefold()) if not w.isdigit() and zipf_frequency(w, "en") < _GRAMMAR_ZIPF]
        line = set(_WORDS.findall(facts_text(self.picks[index].model_copy(update={"description": ""}))))
        if words and sum(w in line for w in words) / len(words) >= 0.9 and not is_chinese(sentence):
            return ["only repeats the facts"]
        return []

    def _repeats(self, sentence: str, index: int) -> list[str]:
        """A reason already shown for another pick is not a reason for this one, nor one copied from the example."""
        text = self._untitled(sentence)
        out = [f"repeats what pick {other + 1} was told" for other, said in self.shown
               if other != index and fuzz.ratio(text, said) >= _REPEAT_SIMILARITY][:1]  # fmt: skip
        return out + ["copies the prompt's example" for e in self.examples if fuzz.ratio(text, e) >= _REPEAT_SIMILARITY][:1]

    def _invented(self, sentence: str, index: int) -> list[str]:
        """Numbers, names and other picks' titles that are not this pick's."""
        era = _era_numbers(sentence, self.picks[index].year)
        bounded, out = self._bounds(sentence, index)
        out += [f"number {n} is not in the facts" for n in sorted(_numbers(sentence) - self.known_numbers[index] - era - bounded)]
        facts = self.facts[index]
        known = set(_WORDS.findall(facts)) | set(_WORDS.findall(self.request))
        # found with the pick's title set apart: "Offers BrainBites Dinosaurs at…" names no "Offers BrainBites Dinosaurs"
        untitled = re.sub(re.escape(self.picks[index].title), " · ", sentence, flags=re.IGNORECASE)
        untitled = _BRACKETED.sub(lambda m: " · " if self._misspelt_title(m[1], index) else m[0], untitled)  # "（There Is …）"
        names = [m for m in _NAME.findall(untitled) if not self._misspelt_title(m, index)]
        names += [w for w in _ONE_NAME.findall(untitled) if not any(w in m for m in names)]
        out += [f"name {m!r} is not in the facts" for m in names
                if not {w for w in _WORDS.findall(_POSSESSIVE.sub("", m).casefold()) if w not in _NAME_GLUE} <= known
                and not self._is_genre(m)]  # fmt: skip
        out += [f"name {m!r} is not in the facts" for m in self._foreign_names(sentence, index)]
        out += [f"name {w!r} is not in the facts" for w in _LOWER_WORD.findall(untitled) if w in self.names and w not in known][:1]
        out += [f"quotes {q!r}, which is not this pick's title" for q in self._foreign_quotes(sentence, index)]
        out += self._as_counts(sentence, index) + self._attributed(sentence, index) + self._sequel(sentence, index)
        out += self._named_subject(sentence, index) if not out else []
        out += [f"names another pick, {other.title!r}" for i, other in enumerate(self.picks)
                if i != index and len(other.title) >= 4 and _mentions(sentence, other.title) and self._as_name(sentence, other.title)
                and not _mentions(self.picks[index].title, other.title) and not self._requests_words(sentence, other.title)]  # fmt: skip
        return out

    def _attributed(self, sentence: str, index: int) -> list[str]:
        """Works the person named, said to be by the pick's maker ("Libra is a great follow-up to his other books like
        The Name of the Wind": Don DeLillo wrote neither), unless the pick's facts name them."""
        m = _ATTRIBUTED.search(sentence)
        if m is None:
            return []
        facts, request = _spaced(self.facts[index]), _spaced(self.request)
        named = [n for n in _NAME.findall(m["works"]) if _spaced(n) in request and _spaced(n) not in facts]
        return [f"says {n!r} is by the maker of {self.picks[index].title!r}" for n in named[:1]]

    def _sequel(self, sentence: str, index: int) -> list[str]:
        """The pick called a sequel or prequel ("《记忆碎片》是《禁闭岛》的续集" of *Memento*, after "more like *Shutter
        Island*"), which only a title marked as one of a series (*Toy Story 2*), a tag or its facts make true."""
        pick = self.picks[index]
        if (m := _SEQUEL.search(sentence)) is None or series(pick.title)[1] or _SEQUEL_FACT.search(self.facts[index]):
            return []
        return [f"calls {pick.title!r} {m.group()!r}, which its title and facts do not"]

    def _as_counts(self, sentence: str, index: int) -> list[str]:
        """The facts' numbers written as counts (see _MAGNITUDE): each may pass the number check, as a number, alone."""
        known = re.sub(r"\s+", "", f"{self.facts[index]} {self.request.casefold()}")
        out = [f"writes {m.group()!r}, which the facts do not" for m in _MAGNITUDE.finditer(sentence)
               if re.sub(r"\s+", "", m.group().casefold()) not in known]
        counts = re.finditer(rf"(?:{'|'.join(_ZH_QUANTITY)})\s*(?P<n>{_ZH_NUMBER.pattern})", sentence) if is_chinese(sentence) else ()
        out += [f"writes a count {m['n']!r}, which the facts do not give" for m in counts  # "智商只有七的男孩": a number in words
                if str(zh_number(m["n"])) not in self.known_numbers[index]]
        if (year := self.picks[index].year) and is_chinese(sentence):
            for m in re.finditer(rf"(?<!\d){year}(?!\d)", sentence):
                before, after = sentence[: m.start()].rstrip(), sentence[m.end() :].lstrip()
                if before.endswith(_ZH_QUANTITY) or not (after.startswith(("年", ")", "）")) or before.endswith(_ZH_YEAR_BEFORE)):
                    out.append(f"writes its year {year} as no year")
        return out

    def _misspelt_title(self, name: str, index: int) -> bool:
        """A name that is pick ``index``'s own title written a little wrong ("Keepsake ChristmasBauble" for "Keepsake
        Christmas Bauble"), whole or up to its subtitle; never with a number the title lacks ("A Short History of World
        War IV" for *A Short History of World War II* is another war)."""
        if not set(_NUMERAL.findall(name)) <= set(_NUMERAL.findall(self.picks[index].title)):
            return False
        title = self.picks[index].title.casefold()
        forms = {title, _SUBTITLE.split(title, maxsplit=1)[0]}
        return max(fuzz.ratio(_LEADING_THE.sub("", name.casefold()), _LEADING_THE.sub("", f)) for f in forms) >= _OWN_TITLE_SIMILARITY

    @staticmethod
    def _as_name(sentence: str, title: str) -> bool:
        """A title names its film only written as a name: a one-word title as the catalog writes it ("dark and twisted
        themes" is not *Twisted*), a longer one with a capital past its first letter ("the boxer's journey" is not
        *The Boxer*, "the Half-Blood prince" is *Half-Blood Prince*)."""
        words = _WORDS.findall(title)
        if len(words) == 1 or is_chinese(title):
            return is_chinese(title) or re.search(rf"\b{re.escape(title)}\b", sentence) is not None
        spans = re.finditer(r"\b" + r"\W+".join(map(re.escape, words)) + r"\b", sentence, flags=re.IGNORECASE)
        return any(c.isupper() for m in spans for c in m[0][1:])

    def _requests_words(self, sentence: str, title: str) -> bool:
        """Another pick's title written as the request's own words: "for a date night" under *Date Night* when the
        person asked for one (but "like Date Night", as the title is cased, names it), or a one-word title, a proper
        noun however it is cased ("fits the Halloween theme" when the person asked for a film for halloween)."""
        return _mentions(self.request, title) and (title not in sentence or len(_WORDS.findall(title)) == 1)

    def _bounds(self, sentence: str, index: int) -> tuple[set[str], list[str]]:
        """Claims that put the pick on one side of a year or in a price range ("made after 1980", "between 10 and 15
        pounds"): the numbers of the true ones (they need not be in the facts), and what is wrong with the others
        ("after 1980" said of a 1968 film: a year the request gave, turned into a claim about the pick; "perfect for a
        7-year-old" of a swim jacket for ages 2 to 3: the request's age, not the pick's; "a 90s romance" of a 2003 film,
        its decade)."""
        pick, year, numbers, out = self.picks[index], self.picks[index].year, set[str](), self._ages(sentence, index)
        for m in _YEAR_SIDE.finditer(sentence) if year else ():
            bound, later = int(m["y"] or m["y2"]), (m["en"] or m["zh"]).casefold() in _LATER
            later ^= bool(_NEGATED_CLAIM.search(sentence, 0, m.start()))  # "is not made before 2001": after it
            numbers.add(str(bound))
            if (year < bound) if later else (year > bound):
                out.append(f"says {'after' if later else 'before'} {bound}, but it is from {year}")
        out += [f"says the {m.group().strip()}, but it is from {year}" for m in _DECADE.finditer(sentence) if year and (d := m.group(1) or m.group(2))
                not in _decades(year) and d in self.known_numbers[index]]  # "a 90s romance" of a 2003 film: the request's decade  # fmt: skip
        claims = [m for p in _PRICE_SIDES_EN for m in p.finditer(sentence) if "£" in m.group() or _EN_CURRENCY.match(sentence, m.end())]
        for m in claims + [m for p in _PRICE_SIDES_ZH for m in p.finditer(sentence)]:
            lo, hi = m.groupdict().get("lo"), m.groupdict().get("hi")
            if negated := (lo is None) != (hi is None) and _NEGATED_PRICE.search(sentence, 0, m.start()) is not None:
                lo, hi = hi, lo
            numbers.update(v for v in (lo, hi) if v)
            price = pick.price
            if price is None or (lo is not None and price < float(lo)) or (hi is not None and price > float(hi)):
                out.append(f"says it costs {'not ' * negated}{m.group().strip()}, but {'no price is known' if price is None else f'it costs {price:.2f}'}")
        return numbers, out

    def _ages(self, sentence: str, index: int) -> list[str]:
        """An age said of the pick must be in its age range where it has one ("perfect for a 7-year-old" of a swim jacket
        for ages 2 to 3: the request's age, not the pick's), else the request's age or one its facts write: "suitable for
        ages 10 to 20" of a puppet with no age, from a budget of £10 to £20, had passed the number check. Never a
        fraction ("for ages 7.29": its price)."""
        if odd := _FRACTIONAL_AGE.search(sentence.casefold()):
            return [f"writes {odd[1]} as an age"]
        said = _stated_ages(sentence)
        if (ages := self.picks[index].age_range()) is not None:
            wrong = sorted(a for a in said if not ages[0] <= a <= ages[1])
            return [f"says it is for a {wrong[0]}-year-old, but it is for ages {ages[0]}{'+' if ages[1] == 99 else f' to {ages[1]}'}"] if wrong else []
        asked = _stated_ages(self.request)
        taken = self.known_numbers[index] - _numbers(self.facts[index])  # the request's other numbers (else the number check tells)
        wrong = sorted(a for a in said if a not in asked and str(a) in taken)
        return [f"says it is for age {wrong[0]}, which neither the request nor its facts give"] if wrong else []

    def _named_subject(self, sentence: str, index: int) -> list[str]:
        """A sentence whose subject is a work the person named ("阿甘正传讲述了…", "Forrest Gump is…" under *Cars 3*)
        describes that work, not the pick: its words come from the request, so no other check sees them. A one-word
        subject counts when the request wrote it as a name mid-sentence ("…but hated Titanic": "Titanic is a horror film…")."""
        m = _SUBJECT.match(sentence)
        chinese = m is not None and is_chinese(m["s"])  # Chinese has no spaces between words: compare the characters as written
        if m is None or not (chinese or _NAME.fullmatch(m["s"]) or m["s"].strip() in self._request_names):
            return []
        subject, request, facts = (m["s"].strip().casefold(), self.request, self.facts[index]) if chinese else \
            (_spaced(m["s"]), _spaced(self.request), _spaced(self.facts[index]))  # fmt: skip
        if len(subject.strip()) < (2 if chinese else 3) or subject not in request or subject in facts:
            return []
        return [] if self._translates(m["s"], index) else [f"is about {m['s']!r}, which the request names, not this pick"]

    def _foreign_quotes(self, sentence: str, index: int) -> list[str]:
        """Quoted titles that are not pick ``index``'s (nor a translation of it). A title the person named may be
        quoted ("as gripping as 《星际穿越》"), but not as what the sentence is about: "《星际穿越》是一部科幻电影…"
        under *The Martian* describes the film they named; unless the sentence quotes this pick too, comparing the
        two ("《盗梦空间》的导演…他执导的《Interstellar》也是科幻电影"). Chinese in “” in a Chinese sentence is a word
        quoted, not a title, which 《》 marks ("对“意识”和“自我”的思考" of *Philosophy of Mind* is no foreign title)."""
        zh = is_chinese(sentence)
        quotes = [m.group(1) for m in _QUOTED.finditer(sentence) if m.group().startswith("《") or not (zh and is_chinese(m.group(1)))]
        names = title_keys(self.picks[index].title)  # "The Good, the Bad and the Ugly" for "Good, the Bad and the Ugly, The (…)"
        own = [q for q in quotes if _spaced(q) in _spaced(self.facts[index]) or title_key(q) in names or self._translates(q, index)]
        opening = OPENING_QUOTE.match(sentence)
        subject = opening.group(1) if opening is not None and not own else None
        return [q for q in quotes if q not in own and (not _mentions(self.request, q) or q == subject)]

    def retitled(self, sentence: str, index: int) -> str:
        """A Chinese line that opens with its own Chinese title for pick ``index`` ("《黑客帝国》是一部…" for *The Matrix*,
        too far from its English for :meth:`translated` to be sure), with the pick's catalog title in its place: the
        line is numbered as this pick's, and what it claims is checked against this pick's facts. Only when the
        embedder puts the quote nearest this pick's title (right for 10 of 11 well-known films beside two others;
        "《火星》" for *The Martian* was nearest *Interstellar*); never a title the person named (the line would describe
        their film) or one of the picks' own."""
        opening = OPENING_QUOTE.match(sentence)
        if self.embed is None or opening is None or not is_chinese(quote := opening.group(1)):
            return sentence
        if _mentions(self.request, quote) or any(_spaced(quote) in _spaced(f) for f in self.facts):
            return sentence
        if int(self._near(quote).argmax()) != index:
            return sentence
        return sentence[: opening.start(1)] + self.picks[index].title + sentence[opening.end(1) :]

    def _foreign_names(self, sentence: str, index: int) -> list[str]:
        """Foreign names written in Chinese that are none of pick ``index``'s people (or title, or the request's words)."""
        names = [m.group() for chunk in _ZH_NAME_GLUE.split(sentence) for m in _ZH_NAME.finditer(chunk)]
        names = [n for n in names if n.casefold() not in self.request and n.casefold() not in self.facts[index]]
        if not names or self.embed is None:
            return names  # nothing to check it with: not shown
        item = self.picks[index]
        vectors = np.stack([self._vector(p) for p in [item.title, *item.people()]])
        return [n for n in names if float((vectors @ self._vector(n)).max()) < _ZH_NAME_SIMILARITY]

    def _vector(self, text: str) -> np.ndarray:
        """``text`` embedded once per reply (a quote or a title is checked often), normalised."""
        if text not in self._vectors:
            assert self.embed is not None, "only called with an embedder"
            v = np.asarray(self.embed(text), np.float32)
            self._vectors[text] = v / max(float(np.linalg.norm(v)), 1e-12)
        return self._vectors[text]

    def translated(self, quote: str) -> int | None:
        """The pick whose title ``quote`` is a translation of, if it is clearly one pick's (see :meth:`_translates`)."""
        return next((i for i in range(len(self.picks)) if self._translates(quote, i)), None)

    def _translates(self, quote: str, index: int) -> bool:
        """A Chinese title quoted for pick ``index`` is its title translated: clearly nearer to it than to any other pick's."""
        if self.embed is None or len(self.picks) < 2 or not is_chinese(quote):
            return False
        near = self._near(quote)
        return bool(near[index] >= _TRANSLATED_FLOOR and near[index] - np.delete(near, index).max() >= _TRANSLATED_LEAD)

    def _near(self, quote: str) -> np.ndarray:
        """``quote``'s cosine to each pick's title."""
        return np.stack([self._vector(it.title) for it in self.picks]) @ self._vector(quote)

    def _is_genre(self, phrase: str) -> bool:
        """A genre's name or a word for it ("Westerns")."""
        key = phrase.casefold()
        return key in {g.casefold() for g in self.lexicon.canonical_genres(self.domain)} or key in self.lexicon.genres.get(self.domain, {})

    def _claims(self, sentence: str, index: int) -> list[str]:
        """Genre, audience, price and mood words the sentence uses that pick ``index`` contradicts."""
        item = self.picks[index]
        genres = {g.casefold() for g in item.genres}
        out = []
        topics = [m.span() for m in _TOPIC.finditer(sentence.casefold())]
        for mention in self.lexicon.genre_mentions(sentence, self.domain):
            if mention.negated and mention.genres and _denied(sentence, mention.start) and _of_genre(mention.genres, genres, every=True):
                out.append(f"says {item.title!r} is not {mention.phrase!r}, which it is")  # "《It》…不包含恐怖元素"
            if mention.negated or not mention.genres or mention.phrase.casefold() in self.facts[index]:
                continue  # "not scary", or the pick's own words ("BrainBites Dinosaurs" may be called dinosaurs)
            if all(any(a <= pos < b for a, b in topics) for pos in self.lexicon.find(sentence, mention.phrase)):
                continue  # what the story is about ("a story about love and violence"), not what kind of film it is
            if not self._true_of(mention.phrase, mention.genres, genres):
                out.append(f"calls {item.title!r} {mention.phrase!r}")
        untitled = self._untitled(sentence)
        # "Friends with Kids" is a title, "not a family-friendly tale" no claim
        for_children = any(self.lexicon.find(untitled, w) and self.lexicon.says(sentence, w) for w in self.lexicon.children_claims)
        if for_children and not self._may_suit_children(item):
            out.append(f"says {item.title!r} suits children")
        if self.for_children and not for_children and self.lexicon.any(untitled, self.lexicon.adult_claims):
            out.append(f"says {item.title!r} is for grown-ups, on a list for children")
        if item.price is None and (said := [w for w in self.lexicon.price_claims if self.lexicon.find(untitled, w) and w not in self.facts[index]]):
            out.append(f"talks of the price of {item.title!r} ({said[0]!r}), which the catalog does not have")
        if said := [w for w in self.lexicon.award_claims if self.lexicon.find(untitled, w) and w not in self.facts[index]]:
            out.append(f"talks of an award ({said[0]!r}), which its facts do not give")
        carried = bool(genres & self.lexicon.mood_carriers) and not self.lexicon.adult_only(item)  # Forrest Gump is heartwarming
        for mood in self.lexicon.moods_in(sentence):
            if (clash := genres & {g.casefold() for g in self.lexicon.moods[mood]}) and not carried:
                out.append(f"calls {item.title!r} {mood} but it is {', '.join(sorted(clash))}")
        tags = {t.casefold() for t in item.tags}  # no tags at all: nothing to check a mood against
        claimed = [m for m in self.lexicon.moods_wanted(untitled) if tags and not tags & self.lexicon.mood_tags[m] and not genres & self.lexicon.mood_genres[m]]
        told = self.lexicon.moods_wanted(item.description) if claimed else []  # Deadpool's "dark, twisted sense of humor"
        out += [f"calls {item.title!r} {mood}, which its tags and genres do not" for mood in claimed if mood not in told]
        return out

    def _may_suit_children(self, item: Item) -> bool:
        """Whether a reason may say ``item`` suits children: nothing marks it adult or unfit for a children's list, and
        the person is choosing for children or the item is made for them (a children's genre, or a toy)."""
        if self.lexicon.adult_only(item) or {g.casefold() for g in item.genres} & self.children_excluded:
            return False
        return self.for_children or self.lexicon.for_children(item) or item.domain in self.lexicon.children_domains
