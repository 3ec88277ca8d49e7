"""The deterministic parsers own numbers and genre words, in English and Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatrec.pipeline.parse import (
    Lexicon,
    parse_age,
    parse_prices,
    parse_recent,
    parse_references,
    parse_years,
    without_amounts,
    zh_number,
)

LEX = Lexicon.load(Path(__file__).parent.parent / "prompts" / "lexicon.yaml")


@pytest.mark.parametrize(("text", "years"), [
    ("推荐一部九十年代的爱情电影", (1990, 1999)),  # the 1.5B model said 1980-1990
    ("八十年代的老片", (1980, 1989)),
    ("90年代", (1990, 1999)),
    ("a comedy from the 90s", (1990, 1999)),
    ("something from the 1980s", (1980, 1989)),
    ("2000s action", (2000, 2009)),
    ("the nineties", (1990, 1999)),
    ("made after 2000", (2001, None)),
    ("since 2010", (2010, None)),
    ("before 1990", (None, 1989)),
    ("between 1995 and 2005", (1995, 2005)),
    ("2000年以后的动画", (2000, None)),
    ("2010年以前", (None, 2009)),
    ("a film for tonight", (None, None)),
    ("a thriller under 2010", (None, 2009)),  # read as 2010-2010 before
    ("films over 2015", (2016, None)),
    ("a laptop game under £2000", (None, None)),  # a price, not a year
    ("2000元以内的玩具", (None, None)),
    ("不要早于1995年的", (1995, None)),  # had been 1995-1995
    ("早于1995年的电影", (None, 1994)),
    ("不晚于2000年", (None, 2000)),
    ("晚于2010年的", (2011, None)),
    ("not older than 2000", (2000, None)),
])  # fmt: skip
def test_years(text: str, years: tuple[int | None, int | None]) -> None:
    assert parse_years(text) == years


@pytest.mark.parametrize(("text", "years", "rest"), [
    ("movies from the last 10 years", (2016, None), "movies"),  # had found *10 Years* and *The Last Five Years*
    ("a comedy from the past decade", (2016, None), "a comedy"),
    ("films no more than 5 years old", (2021, None), "films"),  # not someone aged 5
    ("movies not older than 10 years", (2016, None), "movies"),
    ("the best films of the past few years", (2023, None), "the best films"),
    ("a film from last year", (2025, None), "a film"),
    ("nothing from the last couple of years", (None, 2023), "nothing"),
    ("近十年的电影", (2016, None), "的电影"), ("最近几年的书", (2021, None), "的书"), ("5年内的电影", (2021, None), "的电影"),
    ("过去二十年", (2006, None), ""),
    ("I saw Inception last year", (None, None), "I saw Inception last year"),  # when it was seen, not made
    ("a toy for a 5 years old", (None, None), "a toy for"),  # an age
])  # fmt: skip
def test_recent_years_count_back_from_this_year(text: str, years: tuple[int | None, int | None], rest: str) -> None:
    assert parse_recent(text, 2026) == years and without_amounts(text) == rest
    assert LEX.parse(text, this_year=2026).age is None or years == (None, None)


def test_a_year_said_with_older_or_newer_is_no_relative_refinement() -> None:
    """"not older than 2000" after picks from the 80s had been "up to 1988": older than the picks shown."""
    assert "older" not in LEX.parse("not older than 2000").cues and "older" in LEX.parse("something older").cues
    assert "newer" not in LEX.parse("newer than 2010 please").cues


@pytest.mark.parametrize(("text", "prices"), [
    ("board game under 15 pounds", (None, 15.0)),
    ("under £20", (None, 20.0)),
    ("less than $9.99", (None, 9.99)),
    ("my budget is 30", (None, 30.0)),
    ("between £5 and £10", (5.0, 10.0)),
    ("over £50", (50.0, None)),
    ("100元以内", (None, 100.0)),
    ("不超过50块", (None, 50.0)),
    ("for a child under 5", (None, None)),  # an age, not a price
    ("5岁以下的孩子", (None, None)),
    ("a present for my dad, around 20 pounds", (15.0, 25.0)),  # read as no price before
    ("about £40", (30.0, 50.0)),
    ("100元左右的玩具", (75.0, 125.0)),
    ("a film about 2 hours long", (None, None)),
])  # fmt: skip
def test_prices(text: str, prices: tuple[float | None, float | None]) -> None:
    assert parse_prices(text) == prices


@pytest.mark.parametrize(("text", "currency"), [
    ("under £20", "GBP"), ("around 20 pounds", "GBP"), ("less than $9.99", "USD"), ("under 20 bucks", "USD"), ("under 50 euros", "EUR"),
    ("100元以内", "CNY"), ("不超过50块", "CNY"), ("50到100块", "CNY"), ("20美元以内", "USD"), ("30英镑以下", "GBP"),
    ("my budget is 30", None),  # no currency named: the catalog's
    ("a film from 1995 with a $100 million budget", None),  # no price asked
    ("5岁以下的孩子", None), ("一块积木", None),
])  # fmt: skip
def test_the_currency_a_price_names(text: str, currency: str | None) -> None:
    assert LEX.parse(text).currency == currency


@pytest.mark.parametrize(
    ("text", "age"), [("my 6 year old", 6), ("a 10-year-old", 10), ("aged 4", 4), ("五岁的侄子", 5), ("3岁", 3), ("adults", None),
                    ("a gift for my daughter, she is 7", 7), ("he's 10 next week", 10), ("my nephew who is 8", 8),
                    ("she turns 5 in May", 5), ("they are 12 and 9", 12), ("she is 7 feet tall", None), ("he's 10 minutes away", None),
                    ("turn 3 pages", None), ("my daughter is 7, a lego set", 7), ("our kids are 5 and 8", 5), ("my son's 10", 10),
                    ("my brother is 6 feet tall", None)]
)
def test_age(text: str, age: int | None) -> None:
    assert parse_age(text) == age


@pytest.mark.parametrize(("text", "ref"), [("more like the second one", 2), ("#3 please", 3), ("the last one", -1),
                                           ("像第二个那样的", 2), ("第三部", 3), ("something new", None)])  # fmt: skip
def test_reference(text: str, ref: int | None) -> None:
    assert LEX.parse(text).reference == ref


@pytest.mark.parametrize(("text", "refs"), [("is the first one cheaper than the last?", [1, -1]), ("#3 or number 1", [3, 1]),
                                            ("第一个比第二个便宜吗", [1, 2]), ("which is newer, the second or the first one?", [2, 1]),
                                            ("the first, the first", [1]), ("something new", [])])  # fmt: skip
def test_references_in_their_order(text: str, refs: list[int]) -> None:
    assert parse_references(text) == refs


def test_a_comparison_of_two_picks_says_how() -> None:
    assert LEX.parse("is the first one cheaper than the second?").compared == ["cheaper"]
    assert LEX.parse("第一个比第二个新吗").compared == ["newer"]  # 比…新: no cue word
    assert LEX.parse("something cheaper than the first one").compared == []  # one pick named: a refinement


def test_zh_numbers() -> None:
    assert [zh_number(x) for x in ["五", "十", "十二", "二十", "7", "abc"]] == [5, 10, 12, 20, 7, None]


def test_board_game_is_a_toy_not_every_movie_genre() -> None:
    p = LEX.parse("board game under 15 pounds")
    assert (p.domain, p.include, p.exclude, p.price_max) == ("toys", ["Board Games"], [], 15.0)


def test_negations_exclude_in_both_languages() -> None:
    en = LEX.parse("something light to watch with my kids this weekend, nothing scary")
    assert en.domain == "movies" and set(en.exclude) == {"Horror", "Thriller"} and en.children and not en.include
    zh = LEX.parse("不要恐怖片，想看2000年以后的动画电影")
    assert (zh.language, zh.include, zh.exclude, zh.year_min) == ("zh", ["Animation"], ["Horror"], 2000)
    mixed = LEX.parse("I hate romance, want a thriller")  # the negation does not cross the comma
    assert (mixed.include, mixed.exclude) == (["Thriller"], ["Romance"])


def test_genre_words_guess_the_domain_when_none_is_named() -> None:
    p = LEX.parse("a comedy from the 90s but no horror")
    assert (p.genre_domain, p.include, p.exclude) == ("movies", ["Comedy"], ["Horror"])


@pytest.mark.parametrize(("text", "blend"), [
    ("a horror comedy", True), ("a romantic comedy", True), ("a rom-com", True), ("a sci-fi/thriller", True), ("科幻惊悚片", True),
    ("horror or comedy?", False), ("I like horror and comedy", False), ("I like comedy. Also horror", False),
    ("a comedy, no horror", False), ("a horror film", False), ("something scary", False),  # horror or thriller
])  # fmt: skip
def test_genres_named_as_one_kind_are_a_blend(text: str, blend: bool) -> None:
    assert LEX.parse(text).blend is blend


def test_a_blend_lasts_until_new_genres_are_asked() -> None:
    from chatrec.models import Constraints

    blend = Constraints(include_genres=["Horror", "Comedy"], blend=True)
    assert blend.merged(Constraints(year_min=2000)).blend  # "something newer"
    assert blend.merged(Constraints(include_genres=["Drama"])).blend is None  # "a drama instead"


def test_things_ruled_out_by_name_accumulate_and_bar_items_that_name_them() -> None:
    from chatrec.models import Constraints, Item

    c = Constraints(exclude_words={"zombies": ["zombie", "zombies"]}).merged(Constraints(exclude_words={"丧尸": ["zombie"], "aliens": ["alien"]}))
    assert list(c.exclude_words) == ["zombies", "丧尸", "aliens"] and "no aliens" in c.describe()
    film = Item(id="d", domain="movies", title="Dawn of the Dead", description="Survivors hide in a mall from the walking dead.")
    assert c.admits(film)  # what its facts do not name cannot be checked
    assert not c.admits(film.model_copy(update={"description": "Survivors hide in a mall from flesh-eating zombies."}))
    assert not c.admits(film.model_copy(update={"tags": ["Alien"]})) and c.admits(film.model_copy(update={"tags": ["alienation"]}))


def test_a_new_bound_past_the_other_end_of_the_range_replaces_it() -> None:
    """"要2000年以后的" after a 90s request had asked for 2000–1999 and found nothing."""
    from chatrec.models import Constraints

    nineties = Constraints(year_min=1990, year_max=1999, price_min=5, price_max=10)
    assert (nineties.merged(Constraints(year_min=2000)).year_min, nineties.merged(Constraints(year_min=2000)).year_max) == (2000, None)
    assert nineties.merged(Constraints(year_max=1980)).model_dump(include={"year_min", "year_max"}) == {"year_min": None, "year_max": 1980}
    assert nineties.merged(Constraints(year_min=1995)).model_dump(include={"year_min", "year_max"}) == {"year_min": 1995, "year_max": 1999}
    assert nineties.merged(Constraints(price_max=3)).model_dump(include={"price_min", "price_max"}) == {"price_min": None, "price_max": 3}


def test_moods_ruled_out_accumulate_and_keep_tagged_items_out() -> None:
    from chatrec.models import Constraints, Item

    sad = Constraints(exclude_moods={"sad": ["tragic love"]}).merged(Constraints(year_min=2000))
    both = sad.merged(Constraints(exclude_moods={"dark": ["dark"]}))
    assert list(both.exclude_moods) == ["sad", "dark"] and sad.year_min == 2000 and both.describe()[:2] == ["not sad", "not dark"]
    titanic = Item(id="t", domain="movies", title="Titanic", year=1997, tags=["Tragic Love", "ship"])
    assert not both.admits(titanic) and Constraints(exclude_moods={"dark": ["dark"]}).admits(titanic)


def test_a_mood_asked_for_is_a_preference_and_yields_to_the_same_mood_ruled_out() -> None:
    from chatrec.models import Constraints, Item

    sad = Constraints(want_moods={"sad": ["tragic love"], "dark": ["dark"]})
    titanic = Item(id="t", domain="movies", title="Titanic", year=1997, tags=["Tragic Love"])
    assert sad.admits(titanic) and sad.admits(Item(id="u", domain="movies", title="Up")) and sad.mood_share(titanic) == 0.5
    ruled_out = sad.merged(Constraints(exclude_moods={"sad": ["tragic love"]}))  # "actually, nothing too sad"
    assert list(ruled_out.want_moods) == ["dark"] and list(ruled_out.exclude_moods) == ["sad"] and not ruled_out.admits(titanic)
    assert list(ruled_out.merged(Constraints(want_moods={"sad": ["tragic love"]})).exclude_moods) == []  # and back


@pytest.mark.parametrize(("text", "moods"), [
    ("a sad film to cry to", ["sad"]), ("something dark and depressing", ["sad", "dark"]), ("推荐一部催泪的电影", ["sad"]),
    ("nothing too sad", []), ("a comedy, nothing dark", []), ("不要太悲伤的", []), ("a funny film", []),
])  # fmt: skip
def test_moods_wanted(text: str, moods: list[str]) -> None:
    assert LEX.moods_wanted(text) == moods
    stripped = LEX.without_moods(text, moods)
    assert len(stripped) == len(text) and not LEX.moods_wanted(stripped)  # the same length: positions hold


def test_cues() -> None:
    assert "cheaper" in LEX.parse("something cheaper").cues
    assert "more_like" in LEX.parse("more like the second one").cues
    assert "reject" in LEX.parse("不喜欢这个，换一个").cues
    assert "less_violent" in LEX.parse("less violent please").cues
    assert all("reject" in LEX.parse(t).cues for t in ["no, I've seen those", "we watched them already", "这些都看过了"])


@pytest.mark.parametrize(("text", "adds"), [
    ("with aliens", True), ("set in space", True), ("about boxing", True), ("要有狗的", True), ("关于时间旅行的", True),
    ("something newer", False), ("only from the 80s", False), ("not so violent", False), ("something shorter", False),
    ("不要太悲伤的", False), ("cheaper please", False), ("换一个", False), ("nothing with vampires", False),
    ("no, I've seen those", False), ("we've watched those already", False), ("这些都看过了", False),  # "ve" had been a taste
])  # fmt: skip
def test_a_follow_up_adds_a_taste_only_with_words_of_its_own(text: str, adds: bool) -> None:
    assert LEX.adds_taste(text) is adds


@pytest.mark.parametrize(("text", "domain", "adds"), [
    ("with dinosaurs", "movies", True), ("with dinosaurs", "toys", False), ("要有恐龙的", "movies", True), ("恐龙的", "toys", False),
    ("about trains", "books", True), ("a horror one", "movies", False),
])  # fmt: skip
def test_only_the_domains_genre_words_are_no_taste_in_a_follow_up(text: str, domain: str, adds: bool) -> None:
    """"with dinosaurs" names a toy shelf, but after "a movie for my kids" it is what to search for."""
    assert LEX.adds_taste(text, domain) is adds


@pytest.mark.parametrize(("text", "searched"), [
    ("a book for my dad, he loves trains", "a book  , he loves trains"),  # had found Dreams from My Father
    ("a novel for my wife's birthday", "a novel   birthday"), ("给我妈妈挑一本历史书", "挑一本历史书"),
    ("a film about a father and son", "a film about a father and son"),
    ("a film for my kids about high school", "a film for my kids about high school"),  # children's items say so
])  # fmt: skip
def test_the_grown_up_an_item_is_for_is_no_taste_to_search(text: str, searched: str) -> None:
    assert LEX.without_grown_ups(text) == searched


def test_a_phrase_that_holds_a_genre_word_may_name_none() -> None:
    assert LEX.parse("a sci-fi novel about time travel").include == ["Fiction"]  # not the Travel shelf
    assert LEX.parse("关于时间旅行的书").include == []
    assert not LEX.states_no_taste("a novel about time travel", beyond_constraints=True)  # a theme to search for
    assert LEX.parse("a travel book").include == ["Travel"]


def test_only_the_domains_own_genre_words_are_constraints() -> None:
    """"sci-fi" is a film genre but no shelf of the book catalog: "a sci-fi novel" states a taste to search (it had gone
    to the well-loved books: The Fellowship of the Ring)."""
    assert LEX.states_no_taste("a sci-fi movie", beyond_constraints=True, domain="movies")
    assert not LEX.states_no_taste("a sci-fi novel", beyond_constraints=True, domain="books")
    assert not LEX.states_no_taste("a horror novel", beyond_constraints=True, domain="books")
    assert LEX.states_no_taste("a history book", beyond_constraints=True, domain="books")


@pytest.mark.parametrize("text", ["推荐一部动作片", "来一部科幻片", "推荐几部爱情片", "不要恐怖片，来一部喜剧"])
def test_a_genre_and_pian_is_a_film_and_states_no_taste(text: str) -> None:
    """"推荐一部动作片" (an action film) had left 片 to search for by meaning: *Yojimbo*, *RoboCop 2*, *The Punisher*,
    where "推荐一部动作电影" gave the well-loved *The Matrix* and *Die Hard*."""
    assert LEX.parse(text).domain == "movies" and LEX.states_no_taste(text, beyond_constraints=True, domain="movies")


@pytest.mark.parametrize(("text", "include", "exclude"), [
    ("给我推荐一本推理小说", ["Fiction", "Detective and mystery stories"], []),
    ("no mystery novels", [], ["Detective and mystery stories"]),  # had ruled out all fiction
    ("不要爱情小说", [], []), ("no long novels please", [], []),
    ("no novels", [], ["Fiction"]), ("I do not want a novel", [], ["Fiction"]), ("别推荐小说", [], ["Fiction"]),
])  # fmt: skip
def test_a_novel_ruled_out_after_a_taste_is_the_kind_that_taste_narrows(text: str, include: list[str], exclude: list[str]) -> None:
    assert (LEX.parse(text).include, LEX.parse(text).exclude) == (include, exclude)


def test_less_violent_leaves_its_genres_out_of_one_list_only() -> None:
    """The genres "less violent" leaves out pass with the list; "no horror" beside it is ruled out."""
    assert set(LEX.parse("something less violent").passing) == {"Action", "War", "Crime", "Horror"}
    assert LEX.parse("something less violent, and no horror").passing == ["Action", "War", "Crime"]
    assert not LEX.parse("nothing violent").passing


@pytest.mark.parametrize(("text", "moods"), [
    ("nothing too sad", ["sad"]), ("not sad", ["sad"]), ("no tearjerkers", ["sad"]), ("不要太悲伤的", ["sad"]),
    ("别太伤感", ["sad"]), ("nothing that's too dark or depressing", ["sad", "dark"]), ("a sad film", []),
    ("a dark thriller", []), ("no horror, something sad", []), ("悲伤的爱情片", []),
])  # fmt: skip
def test_what_a_message_rules_out_as_a_mood(text: str, moods: list[str]) -> None:
    assert LEX.moods_ruled_out(text) == moods


def test_a_mood_with_words_in_one_language_is_ruled_out_only_in_that_one() -> None:
    import yaml

    data = yaml.safe_load((Path(__file__).parent.parent / "prompts" / "lexicon.yaml").read_text(encoding="utf-8"))
    data["tagged_moods"] = {"sad": {"words": ["sad"], "tags": ["sad"]}, "dark": {"words": ["黑暗"], "tags": ["dark"]}}
    lexicon = Lexicon(data)
    assert lexicon.moods_ruled_out("不要恐怖片") == [] and lexicon.moods_ruled_out("no horror") == []
    assert lexicon.moods_ruled_out("nothing sad, nothing 黑暗, 不要太黑暗") == ["sad", "dark"]


@pytest.mark.parametrize(("text", "left"), [
    ("a building toy for my nephew, he's 8, under £30", "a building toy for my nephew, ,"),
    ("a board game for a 6 year old under £20", "a board game for"),
    ("给五岁的侄子买个100元以内的拼图", "给 侄子买个 的拼图"),
    ("a present around 20 pounds", "a present"),
    ("a film from 1990 about 2 hours", "a film from 1990 about 2 hours"),  # years and lengths stay: no price or age
])  # fmt: skip
def test_prices_and_ages_leave_the_search(text: str, left: str) -> None:
    assert without_amounts(text) == left
