"""The model's reasons, checked sentence by sentence before they are shown (scripted streams, real lexicon)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from chatrec.embeddings import Embedder
from chatrec.models import Item, Recommendation
from chatrec.pipeline.explain import PickLines, ReasonWriter, lines_grammar, one_line, sentences
from chatrec.pipeline.grounding import Grounding
from chatrec.pipeline.parse import Lexicon
from chatrec.present import fact_card
from chatrec.safety import LeakGuard

LEXICON = Lexicon.load(Path(__file__).parent.parent / "prompts" / "lexicon.yaml")
ITEMS = [
    Item(id="1", domain="movies", title="Toy Story", year=1995, genres=["Animation", "Children", "Comedy"], authors=["John Lasseter"],
         description="Woody and Buzz Lightyear become friends.", extra={"stars": "Tom Hanks, Tim Allen"}),
    Item(id="2", domain="movies", title="Apollo 13", year=1995, genres=["Drama", "Adventure"], description="Astronauts fight to return."),
    Item(id="3", domain="movies", title="Se7en", year=1995, genres=["Crime", "Thriller"], tags=["serial killer"]),
]  # fmt: skip
FAMILY = ["Horror", "Thriller", "War", "Crime"]


def grounding(request: str = "a funny film for my kids", language: str = "en") -> Grounding:
    return Grounding(LEXICON, "movies", request, ITEMS, FAMILY, language)


@pytest.mark.parametrize(("sentence", "index", "ok"), [
    ("A funny animated story of two toys who become friends.", 0, True),
    ("Tom Hanks voices Woody in this comedy.", 0, True),  # the star is in the facts
    ("Meryl Streep gives a moving performance.", 1, False),  # an invented person
    ("A 2001 classic.", 0, False),  # a wrong year
    ("A classic from 1995 that kids love.", 0, True),
    ("A hilarious comedy for the whole family.", 1, False),  # Apollo 13 is no comedy
    ("A funny tale of two rival toys.", 0, True),  # Toy Story is Comedy anyway; see the loose genre words test
    ("A hilarious story of astronauts who fight to return.", 1, False),
    ("A gripping thriller your kids will love.", 2, False),  # Se7en: serial killer, Crime: not for children
    ("Perfect with Apollo 13 on a double bill.", 0, False),  # names another pick
    ("All three are animated comedies.", 0, False),  # a claim about the whole list that picks 2 and 3 contradict
    ("A light-hearted watch.", 2, False),  # a mood its genres contradict
    ("It is not a scary film at all.", 0, True),  # a negated genre word claims nothing
    ("A gentle tale that avoids any scary scenes.", 0, True),
    ("一部适合全家的动画喜剧。", 0, False),  # Chinese where English was asked for
    ("Directed by John Lasseter, a film of friendship.", 0, True),  # "by" joins a name from the facts
    ("By Ron Howard, a film of friendship.", 0, False),  # a maker who is not this pick's
    ("Only Comedy, Animation.", 0, False),  # the facts repeated are no reason
    ("A comedy about a boy and his friend Pat.", 0, False),  # one invented name
    ("A comedy in which Woody and Buzz become friends.", 0, True),  # names from the description
    ("Apollo 13 does not fit the crime genre.", 1, False),  # a pick said not to fit is no reason for it
    ("A science project about space is not what you're looking for.", 1, False),
    ("A science project about space is not what the request is for.", 1, False),
    ("A gripping thriller loved by audiences of all age groups.", 2, False),  # the bias on " ages" had led to this
    ("It isn't quite suitable for a family night.", 1, False),
    ("Not a scary film: it suits a family night.", 1, True),  # a negation that disowns nothing
    ("A drama of astronauts that doesn't involve crime.", 1, True),  # "doesn't" negates the genre word too
    ("A drama of astronauts that involves crime.", 1, False),
    ("A drama of astronauts that doesn't involve any graphic or violent scenes.", 1, True),  # past "any" and "or"
    ("A drama of astronauts that involves some graphic or violent scenes.", 1, False),
    ("A drama about courage, crime and the will to live.", 1, True),  # what the story is about, not its genre
    ("A drama that tells the story of courage, crime and the will to live.", 1, True),
    ("A crime drama about astronauts.", 1, False),
    ("A story about astronauts — pure crime thriller.", 1, False),
    ("A story about astronauts, a crime thriller at heart.", 1, False),
    ("Buzz Lightyear's pride meets a cowboy in a funny tale.", 0, True),  # a possessive is the name it belongs to
    ("Buzz Aldrin's pride meets a cowboy in a funny tale.", 0, False),
    ("A comedy from the 1990s.", 0, True),  # the decade of its year
    ("A comedy from the '90s.", 0, True),
    ("A comedy from the 1990's.", 0, True),
    ("A comedy from the 1980's.", 0, False),
    ("A comedy from the 80s.", 0, False),  # not its decade
    ("A comedy from the 1980s.", 0, False),
    ("A drama about a daughter who finds her family.", 1, True),  # a plot's family is no claim about the audience
    ("A gentle film that isn't a comedy at all.", 0, False),  # denies a genre it has ("《It》…不包含恐怖元素")
    ("A road film that doesn't have any animation in it.", 0, False),
    ("It is not just a comedy but a story of friendship.", 0, True),  # a hedge, not a denial
    ("It is not your typical comedy.", 0, True),
    ("Se7en is not scary, just tense.", 2, True),  # "scary" is horror or thriller: Se7en is not every kind it names
    ("Se7en is a thriller, not a comedy.", 2, True),
])  # fmt: skip
def test_each_checkable_claim_is_checked(sentence: str, index: int, ok: bool) -> None:
    problems = grounding().problems(sentence, index)
    assert (not problems) == ok, problems


def test_what_a_chinese_story_is_about_is_no_genre() -> None:
    g = grounding("推荐一部电影", "zh")
    assert not g.problems("一部关于勇气和犯罪的剧情片。", 1)
    assert g.problems("一部犯罪剧情片。", 1) == ["calls 'Apollo 13' '犯罪'"]
    assert not g.problems("一部剧情片，讲述了宇航员抓住犯罪分子的故事。", 1)
    assert g.problems("一部犯罪片，讲述了宇航员的故事。", 1) == ["calls 'Apollo 13' '犯罪'"]
    epic = Item(id="k", domain="books", title="A Clash of Kings", year=1999, genres=["Fiction", "Fantasy"])
    books = Grounding(LEXICON, "books", "给我妈妈挑一本生日礼物书", [epic, ITEMS[0]], FAMILY, language="zh")
    assert not books.problems("一个关于家族和战争的史诗故事，适合妈妈。", 0)  # 史诗, an epic, is no book of poems (诗)
    assert books.problems("一本动人的诗集，适合妈妈。", 0) == ["calls 'A Clash of Kings' '诗'"]


def test_a_title_the_person_named_may_be_quoted_but_is_not_what_the_pick_is() -> None:
    """"我喜欢《星际穿越》": a reason may liken the pick to it, not describe it as the pick."""
    g = grounding("我喜欢《星际穿越》，推荐类似的电影", "zh")
    assert not g.problems("和《星际穿越》一样，这是一部关于宇航员的冒险片。", 1)
    assert g.problems("《星际穿越》是一部关于宇航员的冒险片。", 1) == ["quotes '星际穿越', which is not this pick's title"]
    assert not g.problems("《星际穿越》的观众也会喜欢《Apollo 13》，一部关于宇航员的冒险片。", 1)  # likens it to this pick
    assert not g.problems("一部关于宇航员“回家”的冒险片。", 1)  # a word quoted, not a title
    assert g.problems("一部像“Interstellar”一样关于宇航员的冒险片。", 1) == ["quotes 'Interstellar', which is not this pick's title"]
    g = grounding("我很喜欢阿甘正传和Forrest Gump，还有什么好看的？", "zh")
    assert g.problems("阿甘正传讲述了一个关于勇气的故事。", 1) == ["is about '阿甘正传', which the request names, not this pick"]
    assert not g.problems("这部电影讲述了宇航员的勇气。", 1)
    english = grounding("I loved Forrest Gump, what else?")
    assert english.problems("Forrest Gump is a story of courage.", 1) == ["is about 'Forrest Gump', which the request names, not this pick"]
    assert not english.problems("Apollo 13 is a story of courage.", 1)
    one_word = grounding("I loved Toy Story but hated Titanic. Another film please")
    assert one_word.problems("Titanic is a story of courage.", 1) == ["is about 'Titanic', which the request names, not this pick"]
    assert not grounding("Another film please. This one should be brave").problems("This is a story of courage.", 1)


def test_works_the_person_named_are_neither_the_pick_nor_its_makers() -> None:
    """"I loved The Name of the Wind and The Lies of Locke Lamora": under *Reliquary* the model had written "The Name of
    the Wind is a classic novel about a young woman…", and under DeLillo's *Libra* "a great follow-up to his other books
    like The Name of the Wind and the Lies of Locke Lamora"."""
    picks = [Item(id="r", domain="books", title="Reliquary", authors=["Douglas Preston"], genres=["Fiction"]),
             Item(id="l", domain="books", title="Libra", authors=["Don DeLillo"], genres=["Fiction"])]  # fmt: skip
    g = Grounding(LEXICON, "books", "I loved The Name of the Wind and The Lies of Locke Lamora, what should I read next?", picks, FAMILY)
    assert g.problems("The Name of the Wind is a classic novel about a young woman.", 0) == [
        "is about 'The Name of the Wind', which the request names, not this pick"]
    assert g.problems("Libra is a great follow-up to his other books like The Name of the Wind and the Lies of Locke Lamora.", 1) == [
        "says 'The Name of the Wind and the Lies of Locke Lamora' is by the maker of 'Libra'"]
    assert not g.problems("If you loved The Name of the Wind, Libra's sweep will hold you too.", 1)  # likened, not attributed
    assert not g.problems("Libra is a gripping novel of a troubled young man.", 1)


def test_a_pick_is_a_sequel_only_as_its_title_or_facts_say() -> None:
    """"更像第二部的" after *Shutter Island*: "《记忆碎片》（Memento）是《禁闭岛》的续集" had been shown under *Memento*."""
    picks = [Item(id="m", domain="movies", title="Memento", year=2000, genres=["Mystery", "Thriller"]),
             Item(id="t", domain="movies", title="Toy Story 2", year=1999, genres=["Animation"]),
             Item(id="d", domain="movies", title="Aliens", year=1986, genres=["Action"], tags=["sequel"])]  # fmt: skip
    g = Grounding(LEXICON, "movies", "有反转结局的惊悚片；更像第二部的（《禁闭岛》）", picks, FAMILY, "zh")
    assert g.problems("它是《禁闭岛》的续集，讲述失忆的主角寻找真相。", 0) == ["calls 'Memento' '的续集', which its title and facts do not"]
    assert not g.problems("它和《禁闭岛》一样，结局让人意想不到。", 0)
    en = Grounding(LEXICON, "movies", "more like Toy Story", picks, FAMILY)
    assert en.problems("Memento is a clever prequel to the films you liked.", 0) == ["calls 'Memento' 'a clever prequel', which its title and facts do not"]
    assert not en.problems("Memento is a clever puzzle that has inspired countless sequels.", 0)  # not one itself
    assert not en.problems("A sequel that brings the toys back.", 1) and not en.problems("A sequel with more marines and more aliens.", 2)


def test_english_copied_into_a_chinese_reason_is_not_shown() -> None:
    """"讲述了一个年轻女孩 disguises herself as a young man…" (the description copied); titles and names may stay English."""
    g = grounding("推荐一部电影", "zh")
    assert g.problems("讲述了 Woody and Buzz Lightyear become friends 的故事。", 0) == \
        ["writes English in Chinese: 'Woody and Buzz Lightyear become friends'"]  # fmt: skip
    assert not g.problems("Toy Story 里 Tom Hanks 配音的玩具们成为了朋友，温馨又好笑。", 0)
    assert not g.problems("《Apollo 13》讲述了宇航员勇敢回家的故事。", 1)
    # a word or two ("年轻狮子 cub的冒险故事", "书超store"), not a unit, a loanword or a name
    assert g.problems("讲述了玩具们在书超store里的冒险。", 0) == ["writes English in Chinese: 'store'"]
    assert g.problems("一个开放-minded 的玩具。", 0) == ["writes English in Chinese: 'minded'"]
    assert not [p for p in g.problems("高约20cm，可以用手机app控制，Tom Hanks 配音。", 0) if "English" in p]
    subtitled = Item(id="4", domain="books", title="Philosophy of Mind:Classical and Contemporary Readings", genres=["Philosophy"])
    books = Grounding(LEXICON, "books", "推荐一本哲学书", [subtitled, ITEMS[0]], FAMILY, language="zh")
    assert not books.problems("Classical and Contemporary Readings 适合想要深入了解哲学的读者。", 0)  # a part of its title
    assert books.problems("Contemporary Readings》适合想要深入了解哲学的读者。", 0) == ["is a fragment (an unmatched 《 or 》)"]


def test_a_title_set_apart_from_the_words_around_it() -> None:
    """A capitalised word that opens a sentence is not part of the pick's title run together with it, and a one-word
    title written as a plain word ("dark and twisted themes") does not name the pick *Twisted*, nor plain words ("the
    boxer's road") *The Boxer*."""
    toys = [Item(id="t1", domain="toys", title="BrainBites Dinosaurs", genres=["Board Games"], price=7.84),
            Item(id="t2", domain="toys", title="Twisted", genres=["Board Games"])]  # fmt: skip
    g = Grounding(LEXICON, "toys", "a board game", toys, FAMILY)
    assert not g.problems("Offers BrainBites Dinosaurs at a small price for a family game.", 0)
    assert "Tim Burton" in " ".join(g.problems("A family game, Tim Burton's BrainBites Dinosaurs.", 0))  # an invented maker still is
    assert not g.problems("A board game with dark and twisted turns.", 0)
    western = Item(id="w", domain="movies", title="A Fistful of Dollars", year=1964, genres=["Western"], authors=["Sergio Leone"])
    assert not Grounding(LEXICON, "movies", "a western", [western], FAMILY).problems(
        "Sergio Leone's film is a must-see for fans of Westerns.", 0)  # a word for a genre is no name
    leone = Item(id="u", domain="movies", title="Good, the Bad and the Ugly, The (Buono, il brutto, il cattivo, Il)", year=1966,
                 genres=["Western"], authors=["Sergio Leone"])  # fmt: skip
    assert not Grounding(LEXICON, "movies", "a western", [leone], FAMILY).problems(
        'Sergio Leone\'s "The Good, the Bad and the Ugly" is a gritty Western.', 0)  # its title quoted as people write it
    assert Grounding(LEXICON, "movies", "a western", [leone], FAMILY).problems('"The Bad and the Good" is a gritty Western.', 0)
    assert "names another pick, 'Twisted'" in g.problems("As fun as Twisted, a board game.", 0)
    boxing = [Item(id="f", domain="movies", title="The Fighter", year=2010, genres=["Drama"]),
              Item(id="b", domain="movies", title="The Boxer", year=1997, genres=["Drama", "Thriller"])]  # fmt: skip
    films = Grounding(LEXICON, "movies", "a drama about boxing", boxing, FAMILY)
    assert not films.problems("The Fighter is a drama about boxing, following the boxer's road back to the ring.", 0)
    assert "names another pick, 'The Boxer'" in films.problems("The Fighter is as tense as The Boxer.", 0)
    assert "names another pick, 'The Boxer'" in films.problems("The Fighter is as tense as the Boxer.", 0)


def test_a_year_from_the_request_is_no_claim_the_pick_contradicts() -> None:
    """"Nothing made after 1980" → "a Western made after 1980" of a 1968 film: the number is the request's, the claim false."""
    g = grounding("an animated comedy, nothing made after 1999 or before 1990")
    assert not g.problems("A comedy made before 1999, as you asked.", 0)  # Toy Story is from 1995
    assert not g.problems("A comedy made after 1990, as you asked.", 0)
    assert g.problems("A comedy made after 1999, as you asked.", 0) == ["says after 1999, but it is from 1995"]
    assert g.problems("A comedy from before 1990.", 0)
    assert not g.problems("A comedy about toys set before 1990, as you asked for nothing after 1999.", 0)  # the story's time
    zh = grounding("不要1999年以后的动画喜剧", "zh")
    assert zh.problems("一部1999年以后的搞笑动画片。", 0) and not zh.problems("一部1999年以前的搞笑动画片。", 0)
    assert zh.problems("一部充满幽默的太空冒险。", 1) == ["calls 'Apollo 13' '幽默'"]  # no comedy
    assert not zh.problems("一部充满幽默的玩具故事。", 0)


def test_a_side_or_a_range_the_pick_is_on_is_a_fact_whatever_its_numbers() -> None:
    """A refinement ("something funnier") keeps "after 2009" from turns ago, and the model restates a budget in its
    own numbers: the claim is checked against the pick, not the number against the request."""
    g = grounding("something funnier")
    assert not g.problems("A comedy made after 1990, for a laugh together.", 0)  # Toy Story is from 1995
    assert g.problems("A comedy made in 1990, for a laugh together.", 0) == ["number 1990 is not in the facts"]
    assert not g.problems("A comedy about toys that is not made before 1990.", 0)
    assert g.problems("A comedy about toys that isn't made after 1990.", 0) == ["says before 1990, but it is from 1995"]
    eras = grounding("a comedy from the 80s or 90s; something with toys")  # a follow-up's reasons read the request's messages
    assert not eras.problems("A 90s comedy about toys, as you asked.", 0)  # Toy Story is from 1995
    assert eras.problems("An 80s comedy about toys, as you asked.", 0) == ["says the 80s, but it is from 1995"]
    assert grounding("八十年代或九十年代的喜剧", "zh").problems("一部80年代的玩具喜剧。", 0) == ["says the 80年代, but it is from 1995"]
    toy = Item(id="t", domain="toys", title="Hama Beads", genres=["Arts & Crafts"], price=12.5)
    g = Grounding(LEXICON, "toys", "a toy for my nephew", [toy], FAMILY)
    assert not g.problems("Bright beads to iron into pictures, between 10 and 15 pounds.", 0)
    assert not g.problems("Bright beads to iron into pictures for under £20.", 0)
    assert g.problems("Bright beads to iron into pictures, between 5 and 10 pounds.", 0) == ["says it costs between 5 and 10, but it costs 12.50"]
    assert g.problems("Bright beads for a child under 10 to iron into pictures.", 0) == ["number 10 is not in the facts"]  # an age
    assert not g.problems("Bright beads to iron into pictures that don't cost more than £20.", 0)  # a side turned round
    assert g.problems("Bright beads that do not cost you more than £10.", 0) == ["says it costs not more than £10, but it costs 12.50"]
    zh = Grounding(LEXICON, "toys", "给侄子买个礼物", [toy], FAMILY, language="zh")
    assert not zh.problems("彩色拼豆可以拼出图画，价格在10到15元之间。", 0)
    assert zh.problems("彩色拼豆可以拼出图画，100元以上。", 0)


def test_an_age_from_the_request_is_no_claim_the_picks_own_ages_contradict() -> None:
    """"a gift for my daughter, she is 7": "perfect for a 7-year-old" had been shown of a swim jacket for ages 2 to 3."""
    jacket = Item(id="j", domain="toys", title="Konfidence Swim Jacket - Small/2 - 3 Years", genres=["Sports"], price=30.0)
    kit = Item(id="k", domain="toys", title="Science Kit Age 8+", genres=["Science"], price=15.0)
    g = Grounding(LEXICON, "toys", "a gift for my daughter, she is 7", [jacket, kit], FAMILY)
    assert g.problems("A fun swim jacket, perfect for a 7-year-old's first summer.", 0) == [
        "says it is for a 7-year-old, but it is for ages 2 to 3"]  # fmt: skip
    assert g.problems("Experiments a 7 year old will love.", 1) == ["says it is for a 7-year-old, but it is for ages 8+"]
    assert not g.problems("A bright swim jacket for a 3 year old learning to swim.", 0)
    zh = Grounding(LEXICON, "toys", "给7岁的女儿买礼物", [jacket, kit], FAMILY, language="zh")
    assert zh.problems("这款科学实验套装很适合7岁的孩子。", 1)
    # a pick with no age of its own: the request's age or one its facts write, never a number of the request turned into one
    puppet = Item(id="p", domain="toys", title="Sockettes Scorch Hand Puppet", genres=["Puppets"], price=12.5)
    budget = Grounding(LEXICON, "toys", "a gift for my nephew between 10 and 20 pounds", [puppet], FAMILY)
    assert budget.problems("A stylish puppet for your nephew, suitable for ages 10 to 20.", 0) == [
        "says it is for age 10, which neither the request nor its facts give"]  # fmt: skip
    assert Grounding(LEXICON, "toys", "a board game under 30 pounds", [puppet], FAMILY).problems("Fun for all ages, even kids under 30.", 0)
    assert not Grounding(LEXICON, "toys", "a puppet for my 10 year old nephew", [puppet], FAMILY).problems(
        "A stylish puppet for a 10-year-old who loves shows.", 0)  # fmt: skip


def test_the_names_a_line_may_write_are_its_facts_and_the_requests() -> None:
    """The English reasons' grammar lets a sentence write these capitalised inside it (see lines_grammar)."""
    names = Grounding(LEXICON, "movies", "a funny film for Christmas", ITEMS, FAMILY).names_allowed(0)
    assert {"Toy", "Story", "John", "Lasseter", "Woody", "Buzz", "Lightyear", "Tom", "Hanks", "Christmas", "Comedy", "Horror", "I"} <= names
    assert not {"Apollo", "Se7en", "Jenny", "Friends"} & names  # another pick's, nobody's, and a description's lower-case word


def test_a_name_written_in_lower_case_is_still_a_name() -> None:
    """Barred by the grammar from a capitalised name its facts lack, the model, asked for one, wrote "the vietnam war":
    words the catalog's descriptions write as names are names in lower case too."""
    from chatrec.catalog.facts import CatalogFacts

    described = [Item(id=str(n), domain="movies", title=f"t{n}", description=d) for n, d in enumerate([
        "A soldier comes home from Vietnam and finds his town changed.", "Two brothers fight in Vietnam, then at home.",
        "A nurse in Vietnam saves a war photographer.", "A war of words in a small town.", "The war comes to a farm.",
        "A boy meets the T-800, the T-1000 and the T-X."])]  # fmt: skip
    names = CatalogFacts.of("movies", described).names
    assert "vietnam" in names and not {"war", "town", "a"} & names
    g = Grounding(LEXICON, "movies", "a war film", ITEMS, FAMILY, names=names)
    assert g.problems("A drama of astronauts who trained in vietnam.", 1) == ["name 'vietnam' is not in the facts"]
    assert not g.problems("A drama of astronauts who trained in a desert.", 1)
    assert not g.problems("A drama of astronauts that doesn't take place in a desert.", 1)
    assert not Grounding(LEXICON, "movies", "a film about vietnam", ITEMS, FAMILY, names=names).problems(
        "A drama of astronauts, far from vietnam.", 1)  # the request's word  # fmt: skip


def test_a_number_the_request_wrote_in_chinese_is_known() -> None:
    puzzle = Item(id="p", domain="toys", title="Kanoodle", genres=["Jigsaws & Puzzles"], price=12.0)
    g = Grounding(LEXICON, "toys", "给五岁孩子买个拼图", [puzzle], FAMILY, language="zh")
    assert not g.problems("这个拼图很适合5岁的孩子动脑筋。", 0)
    assert g.problems("这个拼图很适合6岁的孩子动脑筋。", 0) == ["number 6 is not in the facts"]
    film = Item(id="f", domain="movies", title="Forrest Gump", year=1994, genres=["Drama", "Romance"])
    ninety = Grounding(LEXICON, "movies", "推荐一部九十年代的爱情电影", [film], FAMILY, language="zh")  # "一部" counts the picks
    assert ninety.problems("《Forrest Gump》讲述了一个智商只有1的男孩的故事。", 0) == ["number 1 is not in the facts"]
    assert not ninety.problems("《Forrest Gump》是一部90年代的爱情电影。", 0)


def test_a_possessive_after_s_or_a_word_after_a_hyphen_is_the_name() -> None:
    book = Item(id="j", domain="books", title="Feel the Fear and Do It Anyway", authors=["Susan Jeffers"], genres=["Self-Help"])
    assert not Grounding(LEXICON, "books", "a book to beat fear", [book], FAMILY).problems("Susan Jeffers' book helps you face fear.", 0)
    mask = Item(id="m", domain="toys", title="Minion Mask LED Light-Up Gift for Halloween Costume Party", genres=["Dress Up"])
    g = Grounding(LEXICON, "toys", "a fun mask", [mask], FAMILY)
    assert not g.problems("The mask lights up in a fun, Halloween-themed way.", 0)  # "-themed" is no name's
    assert g.problems("The mask lights up in a fun, Christmas-themed way.", 0) == ["name 'Christmas-themed' is not in the facts"]


def test_a_warm_genre_carries_a_mood_beside_a_contradicting_one() -> None:
    picks = [Item(id="f", domain="movies", title="Forrest Gump", year=1994, genres=["Comedy", "Drama", "Romance", "War"]),
             Item(id="r", domain="movies", title="First Reformed", year=2017, genres=["Drama", "Thriller"]),
             Item(id="s", domain="movies", title="Slither", year=2006, genres=["Comedy", "Horror"])]  # fmt: skip
    g = Grounding(LEXICON, "movies", "a film for tonight", picks, FAMILY)
    assert not g.problems("A heartwarming tale of a kind man who runs through history.", 0)
    assert g.problems("A heartwarming tale of a pastor who finds hope.", 1) == ["calls 'First Reformed' heartwarming but it is thriller"]
    assert g.problems("A heartwarming tale of a small town.", 2) == ["calls 'Slither' heartwarming but it is horror"]  # adult-only


def test_a_tagged_mood_is_said_only_of_a_pick_so_tagged() -> None:
    """Asked for "a sad film", the model had called *American Pie* "a sad story of the consequences of losing one's
    virginity"; a pick with no tags at all cannot be checked, so the claim stands."""
    picks = [Item(id="t", domain="movies", title="Titanic", year=1997, genres=["Drama", "Romance"], tags=["tragic love", "ship"]),
             Item(id="a", domain="movies", title="American Pie", year=1999, genres=["Comedy", "Romance"], tags=["virginity", "prom"]),
             Item(id="u", domain="movies", title="Untagged", year=1999, genres=["Comedy"]),
             Item(id="s", domain="movies", title="Seven", year=1995, genres=["Crime", "Thriller"], tags=["serial killer"])]  # fmt: skip
    g = Grounding(LEXICON, "movies", "a sad film", picks, FAMILY)
    assert not g.problems("A heartbreaking love story that will make you cry.", 0)
    assert g.problems("A sad story of the consequences of losing one's virginity.", 1) == ["calls 'American Pie' sad, which its tags and genres do not"]
    assert not g.problems("A comedy about friends, nothing sad about it.", 1)  # negated: no claim
    assert not g.problems("A sad story of a family.", 2)
    assert not g.problems("A dark, gripping crime thriller.", 3) and g.problems("A dark comedy about friends.", 1)  # by genre
    pool = Item(id="d", domain="movies", title="Deadpool", year=2016, genres=["Action", "Comedy"], tags=["superhero"],
                description="A mercenary with a dark, twisted sense of humor.")
    assert not Grounding(LEXICON, "movies", "a comedy", [pool], FAMILY).problems("A comedy of dark humor.", 0)  # its description's
    leone = Item(id="w", domain="movies", title="A Fistful of Dollars", year=1964, genres=["Action", "Western"], tags=["spaghetti western"])
    assert not Grounding(LEXICON, "movies", "a western", [leone], FAMILY).problems("A western of gritty realism.", 0)


def test_an_award_is_talked_of_only_where_the_facts_give_one() -> None:
    """"Casablanca is a classic romance that won an award": the catalog lists no awards, so none may be claimed."""
    casablanca = Item(id="c", domain="movies", title="Casablanca", year=1942, genres=["Drama", "Romance"])
    oscar = Item(id="o", domain="movies", title="Parasite", year=2019, genres=["Drama"], description="It won the Oscar for best picture.")
    g = Grounding(LEXICON, "movies", "a classic romance", [casablanca, oscar], FAMILY)
    assert g.problems("Casablanca is a classic romance that won an award for its love story.", 0) == [
        "talks of an award ('award'), which its facts do not give"]
    assert not g.problems("A drama that won the Oscar for best picture.", 1)
    assert {" award", " Award", "奖项"} <= set(g.unfit_words(0)) and " oscar" not in g.unfit_words(1)
    assert Grounding(LEXICON, "movies", "一部经典爱情片", [casablanca], FAMILY, language="zh").problems("《Casablanca》是一部获奖的经典爱情片。", 0)
    assert g.problems("Casablanca has won numerous accolades.", 0)


def test_price_words_are_avoided_where_no_pick_has_a_price() -> None:
    """"《Webkinz Pug Plush Toy》价格实惠" of a toy the catalog prices not, three times in three runs: the reasons' call is
    told to avoid price words when no pick has a price, and not when one has."""
    plush = Item(id="w", domain="toys", title="Webkinz Pug Plush Toy", genres=["Stuffed Animals & Plush"])
    priced = Item(id="h", domain="toys", title="Hama Beads", genres=["Arts & Crafts"], price=12.5)
    g = Grounding(LEXICON, "toys", "给侄子买个玩具", [plush, priced], FAMILY, language="zh")
    assert {"价格", "实惠", " affordable"} <= set(g.unfit_words(0)) and "价格" not in g.unfit_words(1)
    assert "价格" not in g.unfit_words()


def test_a_price_is_not_an_age() -> None:
    """"Lego City Burglars is a fun, budget-friendly set for ages 7.29": its price, which the number check knows, as an age."""
    lego = Item(id="l", domain="toys", title="Lego City Burglars magnet set", genres=["Building Toys"], price=7.29)
    g = Grounding(LEXICON, "toys", "a lego set, budget 30 dollars", [lego], FAMILY)
    assert g.problems("Lego City Burglars is a fun, budget-friendly set for ages 7.29.", 0) == ["writes 7.29 as an age"]
    assert not g.problems("Lego City Burglars is a fun magnet set at 7.29.", 0)


def test_chinese_counting_words_are_avoided() -> None:
    """"智商只有七" / "智商只有1994年" of *Forrest Gump* in 6 of 8 runs: a Chinese reasons' call is told to avoid the
    words that make a number a count, unless the request uses them; an English call is not."""
    gump = Item(id="g", domain="movies", title="Forrest Gump", year=1994, genres=["Comedy", "Drama"], description="A man with a low IQ.")
    assert {"只有", "超过"} <= set(Grounding(LEXICON, "movies", "推荐几部喜剧电影", [gump], FAMILY, language="zh").unfit_words())
    assert "只有" not in Grounding(LEXICON, "movies", "只有九十年代的喜剧", [gump], FAMILY, language="zh").unfit_words()
    assert "只有" not in Grounding(LEXICON, "movies", "a comedy", [gump], FAMILY).unfit_words()


def test_a_price_is_talked_of_only_where_the_catalog_has_one() -> None:
    """Asked for "cheaper, under 15 quid" of science books, which have no prices, the model had called one "a more
    expensive book" and another "not too expensive"."""
    book = Item(id="e", domain="books", title="E: A Biography of the World's Most Famous Equation", genres=["Science"])
    toy = Item(id="t", domain="toys", title="Kanoodle", genres=["Jigsaws & Puzzles"], price=12.0)
    fame = Item(id="f", domain="books", title="The Price of Fame", genres=["Biography & Autobiography"])
    g = Grounding(LEXICON, "books", "cheaper, under 15 quid", [book, toy, fame], FAMILY)
    assert g.problems("A more expensive book, but it suits readers of science.", 0) == [
        f"talks of the price of {book.title!r} ('expensive'), which the catalog does not have"]
    assert g.problems("It is not too expensive and covers many topics.", 0) and not g.problems("A lively story of a famous equation.", 0)
    assert not g.problems("A cheap puzzle that keeps small hands busy.", 1)  # it has a price
    assert not g.problems("The Price of Fame tells of a life in the spotlight.", 2)  # its own title's word
    zh = Grounding(LEXICON, "books", "便宜一点的", [book], FAMILY, language="zh")
    assert zh.problems("这本书价格实惠，适合喜欢科学的读者。", 0) and not zh.problems("这本书讲述了一个宝贵的科学故事。", 0)


def test_a_list_for_children_is_not_called_one_for_grown_ups() -> None:
    """"a gift for my nephew who is 8", then "something cheaper": "…a cheap, easy-to-play game for adults" had been shown."""
    family = Grounding(LEXICON, "movies", "something cheaper", ITEMS, FAMILY, children=True)
    assert family.problems("A comedy about toys that is really a film for adults.", 0) == ["says 'Toy Story' is for grown-ups, on a list for children"]
    assert not family.problems("Toys who come alive, a treat for kids and adults alike.", 0)
    assert Grounding(LEXICON, "movies", "给孩子看的电影", ITEMS, FAMILY, language="zh").problems("这部关于玩具的电影适合成年人观看。", 0)
    assert not Grounding(LEXICON, "movies", "a film for date night", ITEMS, FAMILY).problems("A space rescue drama for adults.", 1)


def test_suits_children_needs_a_pick_or_a_request_for_children() -> None:
    """A date-night romance is not "one to watch with the kids" unless the person is choosing for children."""
    date = Grounding(LEXICON, "movies", "a romantic film for date night", ITEMS, FAMILY)
    assert date.problems("A brave story that kids will love.", 1) == ["says 'Apollo 13' suits children"]
    assert date.problems("A classic still loved by kids and adults alike.", 1) == ["says 'Apollo 13' suits children"]
    assert not date.problems("A tense space story, not a family-friendly tale.", 1)  # denied: no claim
    assert not date.problems("Toys who become friends: one the kids will love too.", 0)  # made for children
    family = Grounding(LEXICON, "movies", "something newer", ITEMS, FAMILY, children=True)  # children said turns ago
    assert not family.problems("A brave story that kids will love.", 1)
    kids_in_title = Item(id="k", domain="movies", title="Friends with Kids", year=2011, genres=["Comedy"])
    assert not Grounding(LEXICON, "movies", "a comedy", [kids_in_title], FAMILY).problems("Friends with Kids is a sharp comedy about friendship.", 0)
    brick = Item(id="l", domain="toys", title="LEGO City: Lawn Mower Set", price=3.5)  # a toy, though no genre says so
    assert not Grounding(LEXICON, "toys", "a cheap gift", [brick], FAMILY).problems("A small building set kids will enjoy.", 0)


def test_a_sentence_with_the_request_as_its_subject_is_no_reason() -> None:
    """"A movie about chess is a classic that fits the request." of *The Seventh Seal*: the request said back. Not a
    request that names a kind only ("A thriller about a man who loses his memory"), and a follow-up's earlier message
    too."""
    seal = Item(id="s", domain="movies", title="The Seventh Seal", year=1957, genres=["Drama"], description="A knight plays chess with Death.")
    g = Grounding(LEXICON, "movies", "a movie about chess", [seal], FAMILY)
    assert g.problems("A movie about chess is a classic that fits the request.", 0) == ["has the request, not the pick, as its subject"]
    assert not g.problems("A knight's game of chess with Death makes it a movie about chess like no other.", 0)
    memento = Item(id="m", domain="movies", title="Memento", year=2000, genres=["Thriller"], description="A man who loses his memory.")
    assert not Grounding(LEXICON, "movies", "a thriller", [memento], FAMILY).problems("A thriller about a man who loses his memory.", 0)
    follow = Grounding(LEXICON, "movies", "a space adventure film; something newer", [memento], FAMILY)
    assert follow.problems("A space adventure film about a man who loses his memory.", 0)
    mary = Item(id="y", domain="movies", title="There's Something About Mary", year=1998, genres=["Comedy"], extra={"title_zh": "我为玛丽狂"})
    zh = Grounding(LEXICON, "movies", "推荐几部喜剧电影", [mary], FAMILY, language="zh")
    assert not zh.problems("《我为玛丽狂》（There Is Something About Mary）是一部轻松的喜剧。", 0)


def test_a_sentence_copied_from_the_prompts_example_is_no_reason() -> None:
    example = "1. A shy pig who learns to herd sheep is a warm, funny underdog story kids can cheer for."
    g = Grounding(LEXICON, "movies", "a funny film for my kids", ITEMS, FAMILY, examples=[example])
    assert g.problems("Toy Story is a warm, funny underdog story kids can cheer for.", 0) == []
    assert g.problems("A shy pig who learns to herd sheep is a warm, funny underdog story kids can cheer for!", 0) == [
        "copies the prompt's example"]
    fellowship = Item(id="f", domain="books", title="The Fellowship of the Ring:Being the First Part of the Lord of the Rings",
                      genres=["Fantasy"], description="Frodo sets out to destroy the One Ring.")
    zh = Grounding(LEXICON, "books", "给妈妈挑一本书", [fellowship], FAMILY, language="zh",
                   examples=["2. 《The Hobbit》中比尔博和矮人们、巨龙一起上路，是个让人沉浸其中的温馨故事。"])
    assert "copies the prompt's example" in zh.problems("《The Fellowship of the Ring》中比尔博和矮人们、巨龙一起上路，是个让人沉浸其中的温馨故事。", 0)


def test_another_picks_title_in_the_requests_own_words_is_no_title() -> None:
    """"Date Night" is a pick, and the person asked for "a film for date night": the words are theirs."""
    picks = [*ITEMS[:2], Item(id="4", domain="movies", title="Date Night", year=2010, genres=["Comedy", "Romance"])]
    g = Grounding(LEXICON, "movies", "a funny film for date night", picks, FAMILY)
    assert not g.problems("Woody and Buzz make a funny pair for a date night.", 0)
    assert g.problems("Woody and Buzz make a funny pair, like Date Night.", 0) == ["names another pick, 'Date Night'"]
    halloween = [*ITEMS[:2], Item(id="5", domain="movies", title="Halloween", year=1978, genres=["Horror"])]
    g = Grounding(LEXICON, "movies", "a scary movie for halloween", halloween, FAMILY)
    assert not g.problems("Woody and Buzz fit the Halloween theme.", 0)  # a one-word title: a proper noun, however cased
    psycho = [*ITEMS[:2], Item(id="6", domain="movies", title="Psycho", year=1960, genres=["Horror"])]
    g = Grounding(LEXICON, "movies", "a film for tonight", psycho, FAMILY)
    assert not g.problems("Woody's psychological pull on Buzz is the heart of it.", 0)  # a title is whole words
    assert "names another pick, 'Psycho'" in g.problems("As gripping as Psycho.", 0)


def test_chinese_reasons_are_checked_too() -> None:
    g = grounding("适合孩子看的搞笑电影", "zh")
    assert not g.problems("一部搞笑的动画片，孩子们会喜欢。", 0)
    assert not g.problems("Toy Story适合孩子，讲的是玩具之间的友谊。", 0)  # a Chinese word after a name is not part of it
    assert g.problems("一部搞笑的喜剧。", 1)  # 《Apollo 13》不是喜剧
    assert g.problems("《玩具总动员2》的续集。", 0)  # a title that is not this pick's
    assert g.problems("这部电影不适合这个请求。", 1)  # says it does not fit
    assert not g.problems("一部九十年代的搞笑动画片，讲玩具之间的友谊。", 0) and not g.problems("一部90年代的搞笑动画片。", 0)
    assert g.problems("一部80年代的搞笑动画片。", 0)  # Toy Story is from 1995
    assert not g.problems("一部搞笑的动画片，不会让孩子们感到吓人。", 0)  # a negated mood word, seven characters back
    assert g.problems("它不是纪录片，而是一部吓人的电影。", 0)  # the negation belongs to the clause before
    assert g.problems("三部电影都是动画片。", 0)  # a claim about the whole list that Apollo 13 contradicts
    assert g.problems("这些电影都是动画片。", 0)  # so does this one
    assert not g.problems("一部动画片，讲了几个玩具之间的故事，这些故事轻松又温暖。", 0)  # the stories in one film
    assert not g.problems("一部动画片，画面和情节都是轻松愉快的。", 0)  # "都" of one pick's parts
    assert not g.problems("《Toy Story》和你说的那部电影，这两部电影都是动画片。", 0)  # this pick and the person's film


def test_a_century_holding_the_year_is_no_invented_number() -> None:
    books = [Item(id="n", domain="books", title="Nineteen Nineteen", year=2000, genres=["Fiction"]),
             Item(id="m", domain="books", title="Middlemarch", year=1871, genres=["Fiction"])]  # fmt: skip
    g = Grounding(LEXICON, "books", "一本小说", books, FAMILY, "zh")
    assert not g.problems("一部适合喜欢21世纪小说的读者的作品。", 0) and not g.problems("一部20世纪风格的小说。", 0)
    assert g.problems("一部19世纪的小说。", 0) == ["number 19 is not in the facts"]
    en = Grounding(LEXICON, "books", "a novel", books, FAMILY)
    assert not en.problems("A 19th-century novel of a provincial town.", 1) and en.problems("A 20th century novel.", 1)
    assert not g.problems("一部2000年代的小说。", 0) and g.problems("一部1990年代的小说。", 0) == ["number 1990 is not in the facts"]


def test_a_title_written_without_its_subtitle_is_no_claim() -> None:
    """"…Reading Book for Children" is the pick's title, not a claim that it suits children."""
    book = Item(id="r", domain="books", title="The Pronouncing Reading Book for Children, With an Intr., by W.L. Robinson",
                year=2019, genres=["History", "Nonfiction"], description="A reproduction of an old school reader.")  # fmt: skip
    g = Grounding(LEXICON, "books", "an old school reader", [book], FAMILY)
    assert not g.problems("The Pronouncing Reading Book for Children shows how reading was taught in old schools.", 0)
    assert g.problems("A reproduction of an old reader, great for kids.", 0) == [f"says {book.title!r} suits children"]


def test_a_reason_already_given_to_another_pick_is_no_reason() -> None:
    """The small model often writes one sentence for every pick, with only the title changed."""
    g = grounding("a film about friendship")
    first = "Toy Story is a warm story of friendship, perfect for a cosy evening."
    assert not g.problems(first, 0)
    g.accept(first, 0)
    assert g.problems("Apollo 13 is a warm story of friendship, perfect for a cosy evening.", 1) == ["repeats what pick 1 was told"]
    assert not g.problems("Astronauts who fight to return home show what courage is.", 1)
    assert not g.problems("Toy Story is a warm story of friendship, perfect for a cosy evening.", 0)  # its own pick may say more


@pytest.mark.parametrize("seed", range(4))
def test_the_same_reason_for_every_pick_is_shown_once(seed: int) -> None:
    shown, writer = write("1. A warm film about friends, for a cosy night.\n2. A warm film about friends, for a cosy night!\n"
                          "3. A warm film about friends, for a cosy night.", seed)  # fmt: skip
    assert shown.splitlines()[1:] == ["1. **Toy Story** — A warm film about friends, for a cosy night.",
                                      "2. **Apollo 13** — code's reason 2", "3. **Se7en** — code's reason 3"]  # fmt: skip
    assert (writer.written.checked, writer.written.dropped) == (3, 2)


def picks() -> list[Recommendation]:
    return [Recommendation(item=it, score=1.0, reason=f"code's reason {n}") for n, it in enumerate(ITEMS, start=1)]


def write(text: str, seed: int, cut: bool = False) -> tuple[str, ReasonWriter]:
    """``text`` streamed in random pieces through a writer, as the reply shows it."""
    writer = ReasonWriter(picks(), grounding(), LeakGuard(["sk-secret-123"], lambda: ["You are chatrec, a friendly recommender of films"]).watch(), "en")
    lines, shown, rng, at = PickLines(picks()), "", random.Random(seed), 0
    while at < len(text):
        step = rng.randint(1, 9)
        shown += "".join(lines.say(i, s) for i, s in writer.feed(text[at : at + step]))
        at += step
    shown += "".join(lines.say(i, s) for i, s in writer.finish(cut))
    return shown + lines.rest(), writer


@pytest.mark.parametrize("seed", range(8))
def test_the_reply_keeps_passing_sentences_and_falls_back_per_pick(seed: int) -> None:
    text = ("Sure, here you go!\n1. Toy Story (1995) — A funny animated tale of toys who become friends. Tom Cruise stars.\n"
            "2. A hilarious comedy for kids.\n3. A tense crime thriller with a dark edge.")  # fmt: skip
    shown, writer = write(text, seed)
    assert shown.splitlines() == [
        "", "1. **Toy Story** — A funny animated tale of toys who become friends.",
        "2. **Apollo 13** — code's reason 2", "3. **Se7en** — A tense crime thriller with a dark edge.",
    ]  # fmt: skip
    w = writer.written
    assert (w.checked, w.dropped, w.cut) == (5, 3, 0)  # the preamble, Tom Cruise and the "comedy" were dropped
    assert w.reasons == {0: "A funny animated tale of toys who become friends.", 2: "A tense crime thriller with a dark edge."}


@pytest.mark.parametrize("seed", range(4))
def test_a_line_that_opens_with_a_later_picks_title_is_about_that_pick(seed: int) -> None:
    """The model wrote Apollo 13's reason under "1.": it is shown for Apollo 13, and Toy Story keeps code's reason."""
    shown, writer = write("1. Apollo 13 - A true story of astronauts who fight to return home.\n"
                          "2. Se7en: A tense crime thriller with a dark edge.", seed)  # fmt: skip
    assert shown.splitlines()[1:] == ["1. **Toy Story** — code's reason 1",
                                      "2. **Apollo 13** — A true story of astronauts who fight to return home.",
                                      "3. **Se7en** — A tense crime thriller with a dark edge."]  # fmt: skip
    assert writer.written.dropped == 0


def test_a_line_may_open_with_its_title_in_quotes_after_a_year_or_without_its_subtitle() -> None:
    """Chinese lines quote the title, often after its year; a book's title loses its subtitle."""
    items = [Item(id="a", domain="books", title="Feel the Fear and Do It Anyway", authors=["Susan Jeffers"], genres=["Self-Help"]),
             Item(id="b", domain="books", title="The Drama of the Gifted Child:The Search for the True Self", year=1979,
                  authors=["Alice Miller"], genres=["Psychology"], description="How gifted children lose their true selves.")]  # fmt: skip
    recs = [Recommendation(item=it, score=1.0, reason="code's reason") for it in items]
    for language, line in [("en", "1. The Drama of the Gifted Child shows how a child can lose the true self.\n"),
                           ("zh", "1. 1979年的《 The Drama of the Gifted Child》讲述了孩子如何失去真实的自我。\n")]:  # fmt: skip
        grounding = Grounding(LEXICON, "books", "a book about the self", items, FAMILY, language=language)
        writer = ReasonWriter(recs, grounding, LeakGuard([], list).watch(), language)
        assert [i for i, _ in writer.feed(line) + writer.finish(False)] == [1], line
    assert not Grounding(LEXICON, "books", "一本书", items, FAMILY, language="zh").problems("《 The Drama of the Gifted Child: The Search for the True Self》讲述了真实的自我。", 1)


def test_a_dash_inside_the_title_does_not_cut_the_line() -> None:
    book = Item(id="e", domain="books", title="For Esmé - with Love and Squalor", authors=["J.D. Salinger"], genres=["Fiction"])
    for line in ["《For Esmé - with Love and Squalor》讲述了一个温暖的故事。", "For Esmé - With Love And Squalor，适合妈妈阅读。"]:
        writer = ReasonWriter([Recommendation(item=book, score=1.0, reason="code's reason")],
                              Grounding(LEXICON, "books", "给妈妈的书", [book], FAMILY, language="zh"), LeakGuard([], list).watch(), "zh")  # fmt: skip
        assert writer.feed(f"1. {line}\n") + writer.finish(False) == [(0, line)]


def test_the_longest_title_a_line_opens_with_is_its_pick() -> None:
    """"Fear X: …" under "1." is about the pick Fear X, not the pick Fear (whose title it also opens with)."""
    items = [Item(id="a", domain="movies", title="Fear", year=1996, genres=["Thriller"], description="A boyfriend turns violent."),
             Item(id="b", domain="movies", title="Fear X", year=2003, genres=["Thriller"], description="A guard hunts his wife's killer.")]  # fmt: skip
    recs = [Recommendation(item=it, score=1.0, reason="code's reason") for it in items]
    writer = ReasonWriter(recs, Grounding(LEXICON, "movies", "a tense thriller", items, FAMILY), LeakGuard([], list).watch(), "en")
    assert writer.feed("1. Fear X: a guard hunts the killer of his wife.\n") + writer.finish(False) == [
        (1, "A guard hunts the killer of his wife.")]


def test_sentences_end_where_they_end() -> None:
    """Initials, abbreviations and decimals do not end a sentence; the re-check splits as the writer does."""
    text = "P. G. Wodehouse at his best, rated 4.5 by readers. Dr. Seuss fans will smile! 一本好书。再来一本"
    assert sentences(text) == ["P. G. Wodehouse at his best, rated 4.5 by readers.", "Dr. Seuss fans will smile!", "一本好书。", "再来一本"]


def test_a_title_that_ends_in_punctuation_does_not_end_the_sentence() -> None:
    items = [Item(id="a", domain="movies", title="In a World...", year=2013, genres=["Comedy"], description="A vocal coach chases her dream."),
             Item(id="b", domain="movies", title="Seven Up!", year=1964, genres=["Documentary"], description="Fourteen British children at seven.")]  # fmt: skip
    recs = [Recommendation(item=it, score=1.0, reason="code's reason") for it in items]
    writer = ReasonWriter(recs, Grounding(LEXICON, "movies", "something thoughtful", items, FAMILY), LeakGuard([], list).watch(), "en")
    text = "1. In a World... is a comedy about a vocal coach.\n2. Seven Up! is a documentary that follows British lives.\n"
    assert writer.feed(text) + writer.finish(False) == [
        (0, "In a World... is a comedy about a vocal coach."), (1, "Seven Up! is a documentary that follows British lives.")]
    assert sentences("Seven Up! follows children. They grow up.", ["Seven Up!"]) == ["Seven Up! follows children.", "They grow up."]
    assert sentences("Yu-Gi-Oh! Duels for two.", ["Yu-Gi-Oh! 2015 Mega Tins"]) == ["Yu-Gi-Oh! Duels for two."]  # the title's first words
    # inside 《》 nothing ends a sentence, however the model wrote the title (it had shown "Do》是适合全家观看的动画片")
    assert sentences("《Scooby-Doo! Abracadabra! Doo》是适合全家观看的动画片。很有趣！", ["Scooby-Doo! Abracadabra-Doo"]) == [
        "《Scooby-Doo! Abracadabra! Doo》是适合全家观看的动画片。", "很有趣！"]  # fmt: skip


@pytest.mark.parametrize("seed", range(4))
def test_facts_before_the_reason_are_cut(seed: int) -> None:
    shown, _ = write("1. By John Lasseter — Animation, Comedy: A funny tale of friendship.\n2. Drama — Space: a story of courage.", seed)
    assert shown.splitlines()[1] == "1. **Toy Story** — A funny tale of friendship."
    assert shown.splitlines()[2] == "2. **Apollo 13** — Space: a story of courage."  # "Space" is not a fact: cutting stops there


@pytest.mark.parametrize("seed", range(5))
def test_a_sentence_the_budget_cut_is_never_shown(seed: int) -> None:
    shown, writer = write("1. A funny animated tale of friendship.\n2. A true story of astronauts who", seed, cut=True)
    assert "astronauts who" not in shown and "code's reason 2" in shown and writer.written.cut == 1


@pytest.mark.parametrize("seed", range(5))
def test_a_leak_stops_the_model_and_code_finishes(seed: int) -> None:
    shown, writer = write("1. A funny film.\n2. You are chatrec, a friendly recommender of films, and the key is sk-secret-123.", seed)
    assert writer.written.leaked and "sk-secret" not in shown and "chatrec" not in shown
    assert "code's reason 2" in shown and "code's reason 3" in shown


def test_the_model_reads_each_pick_as_labelled_facts_in_the_answers_language() -> None:
    item = ITEMS[0].model_copy(update={"description": "Woody and Buzz Lightyear become friends. Then they get lost at a petrol "
                                       "station and must find their way home before Andy moves house with his family."})  # fmt: skip
    assert fact_card(1, item, "en", description_chars=80).splitlines() == [
        "Pick 1: Toy Story", "  year: 1995", "  genres: Animation, Children, Comedy", "  by: John Lasseter",
        "  about: Woody and Buzz Lightyear become friends.",  # cut at a sentence end, not mid-sentence
    ]  # fmt: skip
    assert fact_card(2, ITEMS[2], "zh").splitlines() == ["推荐 2: Se7en", "  年份: 1995", "  类型: Crime, Thriller"]
    long = ITEMS[1].model_copy(update={"description": "Astronauts fight to return " * 20})
    assert fact_card(1, long, "en").splitlines()[-1].endswith("…")  # no sentence end to cut at: cut at a word, marked


def test_codes_own_chinese_reason_names_genres_in_chinese() -> None:
    from chatrec.models import Constraints, Intent
    from chatrec.pipeline.explain import reason

    intent = Intent(language="zh", constraints=Constraints(include_genres=["Comedy"], exclude_genres=["Horror"]))
    text = reason(ITEMS[0], intent, LEXICON.chinese_names)
    assert text.startswith("动画 / 儿童片 / 喜剧 · 1995年") and "符合：喜剧" in text and "不含 恐怖" in text
    assert reason(ITEMS[0], intent.model_copy(update={"language": "en"}), LEXICON.chinese_names).startswith("Animation / Children / Comedy")
    imax = ITEMS[0].model_copy(update={"genres": ["IMAX", "Comedy"]})
    assert reason(imax, intent, LEXICON.chinese_names).startswith("IMAX / 喜剧")  # no Chinese name: the catalog's



def test_a_title_the_model_translated_is_the_picks_only_when_clearly_nearest_its_title(embedder: Embedder) -> None:
    """Through the real multilingual embedder: "《美国美丽》" may stand for American Beauty, not for Forrest Gump beside
    it, and a Chinese title that could be any of the picks ("《火星》" beside two space films) is still dropped."""
    films = [Item(id=str(i), domain="movies", title=t, genres=["Drama"]) for i, t in enumerate(["Forrest Gump", "American Beauty", "Good Will Hunting"])]
    g = Grounding(LEXICON, "movies", "推荐一部电影", films, FAMILY, language="zh", embed=lambda t: embedder.embed_queries([t])[0])
    assert not g.problems("《美国美丽》讲述了一个男人在中年危机中的故事。", 1)
    assert g.problems("《美国美丽》讲述了一个男人在中年危机中的故事。", 0) == ["quotes '美国美丽', which is not this pick's title"]
    recs = [Recommendation(item=it, score=1.0, reason="code's reason") for it in films]
    writer = ReasonWriter(recs, g, LeakGuard([], list).watch(), "zh")  # pick 2's line under "1.": it is about pick 2, by its catalog title
    assert writer.feed("1. 《美国美丽》讲述了一个男人在中年危机中的故事。\n") + writer.finish(False) == [(1, "《American Beauty》讲述了一个男人在中年危机中的故事。")]
    space = [Item(id=str(i), domain="movies", title=t, genres=["Sci-Fi"]) for i, t in enumerate(["The Martian", "Interstellar", "Gravity"])]
    g = Grounding(LEXICON, "movies", "推荐一部科幻电影", space, FAMILY, language="zh", embed=lambda t: embedder.embed_queries([t])[0])
    assert g.problems("《火星》讲述了一个人在极端环境中生存的故事。", 0) == ["quotes '火星', which is not this pick's title"]
    assert not Grounding(LEXICON, "movies", "推荐一部科幻电影", space, FAMILY, language="zh").problems("《 The Martian》讲述了一个人的生存故事。", 0)


def test_a_line_that_opens_with_its_own_chinese_title_gets_the_picks_title(embedder: Embedder) -> None:
    """"1. 《黑客帝国》是一部…" under *The Matrix* (a translation too far from the English for the check above) is shown
    with the catalog's title; not under a pick whose title the quote is not nearest, nor a title the person named."""
    films = [Item(id=str(i), domain="movies", title=t, year=y, genres=g) for i, (t, y, g) in enumerate(
        [("The Matrix", 1999, ["Action", "Sci-Fi"]), ("The Shawshank Redemption", 1994, ["Crime", "Drama"]), ("Inception", 2010, ["Sci-Fi"])])]
    recs = [Recommendation(item=it, score=1.0, reason="code's reason") for it in films]

    def shown(request: str, line: str) -> list[tuple[int, str]]:
        g = Grounding(LEXICON, "movies", request, films, FAMILY, language="zh", embed=lambda t: embedder.embed_queries([t])[0])
        writer = ReasonWriter(recs, g, LeakGuard([], list).watch(), "zh")
        return writer.feed(line) + writer.finish(False)

    assert shown("推荐一部好看的电影", "1. 《黑客帝国》是一部以现代科技为背景的科幻电影。\n") == [(0, "《The Matrix》是一部以现代科技为背景的科幻电影。")]
    assert shown("推荐一部好看的电影", "1. 《黑客帝国》这部电影以现代科技为背景。\n") == [(0, "这部电影以现代科技为背景。")]  # the card shows the title
    assert shown("推荐一部好看的电影", "3. 《黑客帝国》是一部关于梦境的科幻电影。\n") == []  # nearest The Matrix, not Inception
    assert shown("我喜欢《黑客帝国》，推荐类似的", "1. 《黑客帝国》是一部以现代科技为背景的科幻电影。\n") == []  # the person's film


def test_a_chinese_title_the_pick_carries_is_its_own() -> None:
    """《玩具总动员》 is Toy Story's when the catalog says so (``extra.title_zh``), with no embedder to guess: a line
    opening with it is about Toy Story whatever its number, and it is still no other pick's title."""
    films = [Item(id="1", domain="movies", title="Toy Story", year=1995, genres=["Animation", "Children"], extra={"title_zh": "玩具总动员"}),
             Item(id="2", domain="movies", title="Coco", year=2017, genres=["Animation", "Children"]),
             Item(id="3", domain="movies", title="The Incredibles", year=2004, genres=["Animation", "Children"], extra={"title_zh": "超人总动员"})]  # fmt: skip
    g = Grounding(LEXICON, "movies", "适合全家一起看的动画片", films, FAMILY, language="zh")
    recs = [Recommendation(item=it, score=1.0, reason="code's reason") for it in films]
    writer = ReasonWriter(recs, g, LeakGuard([], list).watch(), "zh")
    lines = "1. 《玩具总动员》讲述了玩具们的友谊，适合全家一起观看。\n2. 《超人总动员》是一部关于超级英雄一家人的动画片。\n"
    assert writer.feed(lines) + writer.finish(False) == [
        (0, "《玩具总动员》讲述了玩具们的友谊，适合全家一起观看。"), (2, "《超人总动员》是一部关于超级英雄一家人的动画片。")]
    assert g.problems("《玩具总动员》讲述了玩具们的友谊。", 1) == ["quotes '玩具总动员', which is not this pick's title"]
    named = Grounding(LEXICON, "movies", "我喜欢玩具总动员和海底总动员，推荐几部类似的", films, FAMILY, language="zh")
    assert not named.problems("《超人总动员》和《海底总动员》都是温馨的动画片。", 2)  # a film the person named, unquoted there


def test_a_foreign_name_written_in_chinese_must_be_one_of_the_picks_people(embedder: Embedder) -> None:
    """"导演克里斯托弗·诺兰" is Christopher Nolan (the multilingual embedder knows the name); Steven Spielberg is not this
    film's director, and with no embedder to tell, a name that cannot be checked is not shown."""
    films = [Item(id="1", domain="movies", title="Inception", year=2010, genres=["Sci-Fi"], authors=["Christopher Nolan"],
                  extra={"stars": "Leonardo DiCaprio, Joseph Gordon-Levitt", "imdb_id": "tt1375666"}),
             Item(id="2", domain="movies", title="Toy Story", year=1995, genres=["Animation"], authors=["John Lasseter"])]  # fmt: skip
    g = Grounding(LEXICON, "movies", "推荐一部电影", films, FAMILY, language="zh", embed=lambda t: embedder.embed_queries([t])[0])
    assert not g.problems("导演克里斯托弗·诺兰的科幻片，讲述了进入梦境的故事。", 0)
    assert not g.problems("莱昂纳多·迪卡普里奥主演的科幻片，讲述了进入梦境的故事。", 0)
    assert g.problems("导演史蒂文·斯皮尔伯格的科幻片，讲述了进入梦境的故事。", 0) == ["name '史蒂文·斯皮尔伯格' is not in the facts"]
    unchecked = Grounding(LEXICON, "movies", "推荐一部电影", films, FAMILY, language="zh")
    assert unchecked.problems("导演克里斯托弗·诺兰的科幻片。", 0) == ["name '克里斯托弗·诺兰' is not in the facts"]
    assert not unchecked.problems("一部关于梦境的科幻片。", 0)


def test_a_loose_genre_word_is_a_mood_of_a_childrens_film() -> None:
    """A children's film the catalog does not file as Comedy is still "funny"; the genre word itself is still checked."""
    up = Item(id="u", domain="movies", title="Up", year=2009, genres=["Adventure", "Animation", "Children", "Drama"])
    g = Grounding(LEXICON, "movies", "a film for my kids", [up, ITEMS[1]], FAMILY)
    assert not g.problems("A funny, moving adventure about an old man and his flying house.", 0)
    zh = Grounding(LEXICON, "movies", "给孩子找部电影", [up, ITEMS[1]], FAMILY, language="zh")
    assert not zh.problems("一部幽默又感人的冒险动画。", 0)
    assert zh.problems("一部幽默的太空故事。", 1) == ["calls 'Apollo 13' '幽默'"]
    assert g.problems("A comedy about an old man and his flying house.", 0) == ["calls 'Up' 'comedy'"]
    assert g.problems("A funny story of astronauts.", 1) == ["calls 'Apollo 13' 'funny'"]


def test_a_chinese_reply_writes_the_chinese_title_a_pick_carries() -> None:
    toy = Item(id="1", domain="movies", title="Toy Story", year=1995, extra={"title_zh": "玩具总动员/玩具的故事"})
    picks = [Recommendation(item=it, score=1.0, reason="facts") for it in (toy, ITEMS[1])]
    lines = PickLines(picks, "zh")
    assert lines.say(0, "玩具们的友谊故事。") + lines.rest() == f"\n1. **Toy Story（玩具总动员）** — 玩具们的友谊故事。\n2. **{ITEMS[1].title}** — facts"
    assert PickLines(picks, "en").say(0, "A story of toys.").startswith("\n1. **Toy Story** — ")


def test_two_picks_compared_by_the_catalogs_prices_and_years() -> None:
    """The answer comes from the catalog: which is cheaper or newer, the same, or what the catalog lacks."""
    from chatrec.present import compare

    cheap = Item(id="a", domain="toys", title="Top", price=4.5, year=2001, extra={"currency": "GBP"})
    dear = Item(id="b", domain="toys", title="Kite", price=9.0, year=2001, extra={"currency": "GBP"})
    book = Item(id="c", domain="books", title="Emma", year=1815)
    assert compare(dear, cheap, "cheaper", "en", yes_no=True) == "No: **Top** (£4.50) is cheaper than **Kite** (£9.00)."
    assert compare(cheap, dear, "pricier", "zh") == "**Kite**（£9.00）比**Top**（£4.50）贵。"
    assert compare(cheap, dear, "newer", "en") == "**Top** and **Kite** came out the same year (2001)."
    assert compare(book, cheap, "cheaper", "en") == "The catalog gives no price for **Emma**, so I can't compare them."
    assert compare(cheap, book, "older", "zh", yes_no=True) == "不是，**Emma**（1815年）比**Top**（2001年）早。"


def test_tell_me_more_shows_codes_line_once() -> None:
    from chatrec.present import describe

    facts = "Animation / Children · 1995 · rated 3.9 (no Horror)"
    plain = Recommendation(item=ITEMS[0], score=1.0, reason="Animation / Children · 1995 · rated 3.9")
    told = Recommendation(item=ITEMS[0], score=1.0, reason="Toys come to life in a warm, funny adventure.")
    assert describe(plain, "en", facts).count("rated 3.9") == 1  # the card's reason is code's line, less the constraints
    assert "Toys come to life" in describe(told, "en", facts) and facts in describe(told, "en", facts)
    earlier = Recommendation(item=ITEMS[0], score=1.0, reason="Animation / Children · 1995 · rated 3.9 (is Comedy)")
    assert describe(earlier, "en", facts).count("rated 3.9") == 1  # code's line of an earlier turn, other constraints
    assert "玩具" not in describe(told.model_copy(update={"reason": "玩具们的友谊故事。"}), "en", facts)  # not the other language
    assert describe(told, "zh", facts).startswith(f"**{told.item.title}**（{told.item.year}年）")  # the year as Chinese writes it
    bare = Recommendation(item=Item(id="z", domain="toys", title="Spinning Top"), score=1.0, reason="A top that hums as it spins.")
    assert "hums" in describe(bare, "en", "")  # an item with no facts: code's line is empty, the model's reason is all there is


def test_codes_line_says_no_only_of_what_the_pick_lacks() -> None:
    """"Is the second one ok for kids?" of Pulp Fiction: code's line had said "no Horror, Thriller, War" of a thriller."""
    from chatrec.models import Constraints, Intent
    from chatrec.pipeline.explain import reason

    kids = Intent(language="en", constraints=Constraints(exclude_genres=["Horror", "Thriller", "War", "Crime"]))
    assert reason(ITEMS[2], kids).endswith("(but it is Thriller, Crime)") and reason(ITEMS[0], kids).endswith("(no Horror, Thriller, War)")
    assert reason(ITEMS[2], kids.model_copy(update={"language": "zh"}), LEXICON.chinese_names).endswith("(但它是 惊悚, 犯罪)")


def test_a_picks_own_title_written_a_little_wrong_is_no_invented_name() -> None:
    bauble = Item(id="b", domain="toys", title="Personalised Wedding Couples Keepsake Christmas Bauble", genres=["Hobbies"], price=9.99)
    g = Grounding(LEXICON, "toys", "a Christmas stocking filler", [bauble, ITEMS[0]], FAMILY)
    assert not g.problems("The Personalised Wedding Couples Keepsake ChristmasBauble is a unique gift for a stocking.", 0)
    assert g.problems("The Personalised Wedding Keepsake Snow Globe is a unique gift for a stocking.", 0)
    war = Item(id="w", domain="books", title="A Short History of World War II", year=1980, genres=["History"])
    g = Grounding(LEXICON, "books", "a history book", [war], FAMILY)
    assert g.problems("A Short History of World War IV is a comprehensive survey.", 0)  # shown in the web chat
    assert not g.problems("A Short History of World War II is a comprehensive survey.", 0)


def test_a_genre_word_is_true_of_a_kind_of_its_genre() -> None:
    """Harry Potter (Juvenile Fiction) is a novel; a memoir (Biography & Autobiography) is not, nor is "drama" a kind
    of "Melodrama" (whole words only)."""
    hp = Item(id="h", domain="books", title="Harry Potter and the Sorcerer's Stone", genres=["Juvenile Fiction", "Children's Fiction"])
    memoir = Item(id="m", domain="books", title="The Glass Castle", genres=["Biography & Autobiography"])
    g = Grounding(LEXICON, "books", "a book for my son", [hp, memoir], FAMILY)
    assert not g.problems("A young adult novel that readers love for its imaginative world.", 0)
    assert g.problems("A novel readers love for its honesty.", 1) == ["calls 'The Glass Castle' 'novel'"]


def test_the_reasons_call_is_told_to_avoid_genre_words_no_pick_has() -> None:
    """Not the request's words (it may say "nothing scary"), a pick's own words, or a mood its genres allow."""
    picks = [ITEMS[0], Item(id="w", domain="movies", title="War of the Worlds", year=2005, genres=["Action", "Sci-Fi"])]
    words = Grounding(LEXICON, "movies", "something fun, nothing scary", picks, FAMILY).unfit_words()
    assert {" horror", " Horror", " thriller", "恐怖", "惊悚"} <= set(words)
    assert not {" scary", " comedy", " animated", " funny", " war", "动画"} & set(words)


def test_the_reasons_call_is_told_to_avoid_the_things_the_request_rules_out() -> None:
    """No pick has them (code made sure): "虽然有丧尸元素" had been written of *Saw*, "doesn't involve zombies" in English."""
    g = Grounding(LEXICON, "movies", "不要丧尸的恐怖片", ITEMS, FAMILY, language="zh", ruled_out={"丧尸": ["zombie"]})
    assert {"丧尸", "僵尸", " zombie", " Zombie"} <= set(g.unfit_words(0)) and {"丧尸", "僵尸"} <= set(g.unfit_words())
    assert "丧尸" not in Grounding(LEXICON, "movies", "不要丧尸的恐怖片", ITEMS, FAMILY, language="zh").unfit_words(0)
    assert g.problems("一部动画片，虽然有丧尸元素，但很好笑。", 0) == ["says it has '丧尸', which the request rules out"]
    assert not g.problems("一部动画片，没有丧尸，讲的是玩具的友谊。", 0)  # true, if idle
    assert set(g.problems("一部没有丧尸的电影，不是喜剧，也不是动画片。", 0)) == {"says 'Toy Story' is not '喜剧', which it is",
                                                                   "says 'Toy Story' is not '动画', which it is"}  # fmt: skip
    assert not g.problems("一部不太像喜剧的动画片。", 0)  # a hedge
    en = Grounding(LEXICON, "movies", "a horror movie but no zombies", ITEMS, FAMILY, ruled_out={"zombies": ["zombie", "zombies"]})
    assert en.problems("Zombies roam a small town in this funny film.", 0) and not en.problems("A funny film without zombies.", 0)


def test_the_reasons_call_is_told_to_avoid_a_childrens_claim_where_a_pick_may_not_make_it() -> None:
    """ "For all ages", "loved by kids and adults alike", "适合孩子和成人" of an adult film (3-5 sentences dropped a
    120-turn run): not of a film made for children, nor where the request speaks of kids."""
    claim = {" ages", " kids", " Kids", " children", " alike", "孩子", "全家"}
    se7en = Grounding(LEXICON, "movies", "a classic film", ITEMS, FAMILY)
    assert claim <= set(se7en.unfit_words(2)) and claim <= set(se7en.unfit_words(1))
    assert not claim & set(se7en.unfit_words(0)) and not claim & set(se7en.unfit_words())  # Toy Story may, so all may
    assert " kids" not in Grounding(LEXICON, "movies", "a thriller for after the kids are in bed", ITEMS, FAMILY).unfit_words(2)


def test_a_picks_call_is_told_to_avoid_the_wording_of_lines_shown_for_other_picks() -> None:
    """Only shown lines of other picks, and not the pick's own fact words, the request's, or grammar words."""
    g = Grounding(LEXICON, "movies", "a classic comedy", ITEMS, FAMILY)
    assert g.used_words(1) == []
    g.accept("Toy Story is a classic, heartwarming ride with toys who come alive.", 0)
    words = set(g.used_words(1))
    assert {" heartwarming", " Heartwarming", " ride", " alive"} <= words
    assert not {" classic", " with", " who", " toy", " story"} & words  # the request's, grammar, a title's
    assert " toys" not in g.used_words(0)  # its own line


def test_each_picks_line_may_write_the_numbers_its_facts_and_the_request_give() -> None:
    """The grammar of the reasons' call: a line per pick in order, each allowed its own numbers (a year's decade
    too, "the 1990s", "the '90s"; its century when the request names one), the request's but its years, and no others."""
    g = Grounding(LEXICON, "movies", "something from after 1990 under 12 pounds", ITEMS, FAMILY)
    assert g.numbers_allowed(0) == {"1995", "1990s", "12", "90s"}  # not "20th": "fits under the 20th-century genre"
    assert "20th" in Grounding(LEXICON, "movies", "a 20th century classic", ITEMS, FAMILY).numbers_allowed(0)
    assert g.numbers_allowed(1) - g.numbers_allowed(0) == {"13"} and g.numbers_allowed(2) - g.numbers_allowed(0) == {"7"}
    book = Item(id="b", domain="books", title="Half-Blood Prince (Book 6)", year=2005, extra={"isbn": "0439785960"})
    assert Grounding(LEXICON, "books", "a novel", [book], FAMILY).numbers_allowed(0) == {"6", "2005", "2000s"}  # no ISBN
    gump = Item(id="g", domain="movies", title="Forrest Gump", year=1994, extra={"tmdb_id": "13", "imdb_id": "tt0109830"})
    assert "13" not in Grounding(LEXICON, "movies", "a film", [gump], FAMILY).numbers_allowed(0)  # an id is no fact
    zh = Grounding(LEXICON, "movies", "推荐2010年以后的电影，适合5岁孩子", [gump], FAMILY, language="zh")
    assert zh.numbers_allowed(0) == {"1994年", "5", "1990年代", "90年代"}  # "智商只有1994" cannot be written
    assert "2010" not in Grounding(LEXICON, "movies", "nothing before 2010", [gump], FAMILY).numbers_allowed(0)  # not its year
    grammar = lines_grammar([g.numbers_allowed(i) for i in range(3)])
    assert grammar.startswith('root ::= "1. " t1 "\\n" "2. " t2 "\\n" "3. " t3')
    assert 'n2 ::= "12" | "13" | "1990s" | "1995" | "90s"\n' in grammar
    assert "c ::= [^0-9０-９\\n ]" in grammar
    named = lines_grammar([g.numbers_allowed(0), set()], names=[g.names_allowed(0), {"Se7en"}])
    assert "c ::= [^0-9０-９\\n A-Z]" in named and 'a2 ::= p? ("Se7en" | u u u? u?) (x c*)?\n' in named  # no capital but a name's, whole
    assert 't2 ::= (p? u c* | o2) s2\n' in named  # a sentence's first word may be any
    titled = lines_grammar([set()], ["Se7en"], names=[{"Se7en"}])  # an English line opens with its pick's title
    assert titled.startswith('root ::= "1. " "Se7en" t1') and 't1 ::= ("\'s" | ",")? " " o1 s1\n' in titled  # then a small word
    opened = lines_grammar([set(), set()], ["《玩具总动员》", '《"Se7en"》'], ends="。！？")
    assert opened.startswith('root ::= "1. " "《玩具总动员》" t1 "\\n" "2. " "《\\"Se7en\\"》" t2'), opened  # quotes escaped
    assert "t1 ::= c+ (\" \" c+)* [。！？]\n" in opened and grammar.count('" "?\n') == 3  # ends as a sentence; or anyhow
    assert "t1 ::= c+ (\" \" c+){0,4} [。！？]\n" in lines_grammar([set()], ["《x》"], ends="。！？", spaces=4)  # no English sentence
    chinese = lines_grammar([set()], ["《x》"], ends="。！？", spaces=4, english=False)  # a name or a quoted title, no English word
    assert 'c ::= [^0-9０-９\\n a-zA-Z《] | [A-Z] [a-z]* | "《" q (" " q){0,6} "》"\nq ::= [^》\\n0-9０-９ ]+\n' in chinese


@pytest.mark.parametrize(("chunks", "line"), [
    (["1", ". A fine", " pick.", "\n2. Not asked for."], "3. A fine pick."),  # the reply's number; one line only
    (["A pick with no", " number.\n", "More."], "3. A pick with no number."),  # an endpoint without the grammar
    (["1. Hi"], "3. Hi"),  # shorter than a number may take to arrive
    (["\n1. After a newline."], "3. After a newline."),
    ([], ""),
])  # fmt: skip
def test_a_call_about_one_pick_gives_that_picks_one_line(chunks: list[str], line: str) -> None:
    assert "".join(one_line(chunks, 3)) == line


def test_a_facts_number_written_as_a_count_is_no_fact() -> None:
    """"一个智商只有1994的男子" was in most of the model's Chinese lines about *Forrest Gump*, and "4.3 million viewers"
    of a film rated 4.3: each number is a fact of the pick, written as what it is not."""
    gump = Item(id="g", domain="movies", title="Forrest Gump", year=1994, genres=["Comedy", "Drama"], rating=4.3,
                description="The box office took 678.2 million dollars.", extra={"title_zh": "阿甘正传"})  # fmt: skip
    zh = Grounding(LEXICON, "movies", "推荐一部温情的电影", [gump], FAMILY, language="zh")
    assert zh.problems("《阿甘正传》讲述了一个智商只有1994的男孩阿甘的故事。", 0) == ["writes its year 1994 as no year"]
    assert zh.problems("《阿甘正传》讲述了一个智商只有1994年的阿甘的故事。", 0) == ["writes its year 1994 as no year"]  # after the grammar
    assert zh.problems("《阿甘正传》讲述了一个智商只有 七的男孩阿甘的故事。", 0) == ["writes a count '七', which the facts do not give"]
    for fine in ("《阿甘正传》是1994年的一部温情电影。", "《阿甘正传》（1994）是一部温情电影。", "这部电影的年份是1994，充满温情。",
                 "一部九十年代的温情电影，1990年代的经典。", "阿甘只有一个梦想，温情满满。"):
        assert not zh.problems(fine, 0), fine
    en = Grounding(LEXICON, "movies", "a warm film", [gump], FAMILY)
    assert en.problems("A warm comedy loved by 4.3 million viewers.", 0) == ["writes '4.3 million', which the facts do not"]
    assert en.problems("A warm comedy, rated 4.3 by 1994 percent of viewers.", 0)
    assert not en.problems("A warm comedy rated 4.3 that took 678.2 million at the box office.", 0)
    assert not Grounding(LEXICON, "movies", "a film that made 5 million", [gump], FAMILY).problems(
        "A warm comedy from 1994, for a film that made 5 million.", 0)  # the request's own


def test_a_sentence_of_the_facts_line_alone_is_no_reason_but_one_telling_the_plot_is() -> None:
    jackie = Item(id="7", domain="movies", title="Jackie Brown", year=1997, genres=["Crime", "Drama", "Thriller"],
                  description="Jackie Brown is a flight attendant who gets caught in the middle of smuggling cash.")
    g = Grounding(LEXICON, "movies", "a crime film", [jackie], FAMILY)
    assert g.problems("Jackie Brown is a crime thriller from 1997.", 0) == ["only repeats the facts"]
    assert not g.problems("Jackie Brown is a crime thriller about a flight attendant caught smuggling cash.", 0)
