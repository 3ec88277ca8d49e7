"""Dialogue control flow with a scripted model over a real Chroma store and the real embedder.

The model here is scripted to misbehave in the ways small models do (over-filled lists,
echoed orders, numbers that are not candidates, garbage, time-outs); code must hold.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chatrec.catalog.store import ChromaStore
from chatrec.llm.client import AVOID, LLMUnavailable
from chatrec.pipeline.dialogue import LOOSENED
from chatrec.pipeline.titles import spoken_title
from chatrec.ui.views import understood
from tests.fakes import ScriptedLLM, proposal
from tests.helpers import enable_rerank, make_bot

ALL_MOVIE_GENRES = ["Drama", "Comedy", "Thriller", "Action", "Romance", "Adventure", "Horror", "Animation"]


def genres_of(reply) -> set[str]:  # type: ignore[no-untyped-def]
    return {g for r in reply.items for g in r.metadata.get("genres", [])}


def test_family_request_excludes_horror_even_if_the_model_wants_it(catalog_store: ChromaStore, tmp_path: Path) -> None:
    llm = ScriptedLLM({"IntentProposal": proposal(scenario="thriller_night", domain="movies", query="scary horror", include=["Horror"]),
                       "Ranking": {"ranking": [1, 2, 3]}})  # fmt: skip
    bot = make_bot(catalog_store, llm, tmp_path, llm_understand=True)
    reply = bot.chat("something light to watch with my kids this weekend, nothing scary", "s1")
    assert reply.intent.scenario == "family_movie_night" and reply.intent.domain == "movies"
    assert reply.items and not genres_of(reply) & {"Horror", "Thriller"}
    assert "Horror" in reply.intent.constraints.exclude_genres and "Horror" not in reply.intent.constraints.include_genres


def test_a_model_scenario_that_leaves_out_the_genre_asked_for_is_refused(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """The bundled model had read "a classic crime film from the 70s" as family movie night: "for children", no Thriller."""
    llm = ScriptedLLM({"IntentProposal": proposal(scenario="family_movie_night", domain="movies", query="crime", include=["Crime"])})
    bot = make_bot(catalog_store, llm, tmp_path, llm_understand=True)
    intent = bot.chat("a classic crime film from the 70s", "s1").intent
    assert intent.used_llm and intent.scenario != "family_movie_night" and intent.constraints.audience is None
    assert intent.constraints.include_genres == ["Crime"] and not intent.constraints.exclude_genres
    assert bot.chat("a film to watch with the whole family", "s2").intent.scenario == "family_movie_night"  # it fits here


def test_over_filled_model_genres_are_ignored_and_numbers_come_from_the_parser(catalog_store: ChromaStore, tmp_path: Path) -> None:
    llm = ScriptedLLM({"IntentProposal": proposal(domain="movies", query="board game", include=ALL_MOVIE_GENRES)})
    reply = make_bot(catalog_store, llm, tmp_path, llm_understand=True).chat("board game under 15 pounds", "s1")
    c = reply.intent.constraints
    assert reply.intent.domain == "toys" and c.include_genres == ["Board Games"] and c.price_max == 15.0
    assert reply.items and all(r.metadata["price"] <= 15 and "Board Games" in r.metadata["genres"] for r in reply.items)


def test_rerank_keeps_only_candidates_and_ignores_an_echo(catalog_store: ChromaStore, tmp_path: Path) -> None:
    echo = ScriptedLLM({"IntentProposal": proposal(domain="movies", query="a film"), "Ranking": {"ranking": [1, 2, 3, 4]}})
    reply = enable_rerank(make_bot(catalog_store, echo, tmp_path)).chat("a good film", "s1")
    assert [c.label for c in reply.llm_calls] == ["rerank", *["explain"] * len(reply.items)]  # a reason's call per pick
    assert reply.items and all("llm" not in r.signals for r in reply.items)  # the echo carried no judgement

    bogus = ScriptedLLM({"IntentProposal": proposal(domain="movies", query="a film"), "Ranking": {"ranking": [99, -1, 3, 3]}})
    reply = enable_rerank(make_bot(catalog_store, bogus, tmp_path)).chat("a good film", "s2")
    ids = {i.id for i in catalog_store.get("movies", [f"m{n}" for n in range(1, 11)])}
    assert reply.items and {r.item_id for r in reply.items} <= ids
    assert sum(1 for r in reply.items if r.signals.get("llm", 0) > 0) <= 1  # only "3" was a real candidate


@pytest.mark.parametrize("failure", [LLMUnavailable("timed out"), "this is not JSON {", '{"action": "dance"}'])
def test_a_failing_model_still_yields_an_answer_with_a_notice(catalog_store: ChromaStore, tmp_path: Path, failure: object) -> None:
    llm = ScriptedLLM({"IntentProposal": failure, "Ranking": failure}, text=LLMUnavailable("down"))  # type: ignore[dict-item]
    reply = enable_rerank(make_bot(catalog_store, llm, tmp_path, llm_understand=True)).chat("a funny animated film for my kids", "s1")
    assert reply.items and len(reply.notices) >= 2  # the reading, the order and the words each fell back
    assert reply.text.startswith("Here are my picks for family movie night")
    assert all(r.reason for r in reply.items) and not genres_of(reply) & {"Horror"}


def test_a_price_in_another_currency_is_read_in_the_catalogs_and_told(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """"100元以内" of toys priced in pounds had been read as £100."""
    bot = make_bot(catalog_store, None, tmp_path, exchange_rates={"USD": 1.0, "GBP": 0.8, "CNY": 8.0})
    reply = bot.chat("一款桌游，200元以内", "s1")
    x, c = reply.intent.exchange, reply.intent.constraints
    assert x is not None and (x.asked, x.catalog, x.price_max, x.rate) == ("CNY", "GBP", 200.0, 0.1) and c.price_max == 20.0
    assert reply.items and all(r.item.price is not None and r.item.price <= 20 for r in reply.items)
    assert "这里的价格以英镑计，¥200按£20算（按£1≈¥10的设定汇率，不是实时汇率）。" in reply.notices
    again = bot.chat("something for two players", "s1")  # a follow-up keeps the reading, told once
    assert again.intent.constraints.price_max == 20.0 and again.intent.exchange is not None
    assert not [n for n in again.notices if "rate" in n or "汇率" in n]
    assert bot.chat("a board game under £25", "s2").intent.exchange is None  # the catalog's own currency
    dollars = make_bot(catalog_store, None, tmp_path / "no-rate", exchange_rates={"GBP": 1.0}).chat("a board game under 30 dollars", "s3")
    assert dollars.intent.constraints.price_max == 30.0
    assert "Prices here are in pounds and I have no rate for USD, so I read $30 as £30." in dollars.notices


def test_an_old_film_is_older_than_three_quarters_of_the_catalog(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """"一部老电影" (an old film) had been *The Matrix*: "old" named no year and the best-loved films came first."""
    bot = make_bot(catalog_store, None, tmp_path)
    until = bot.catalog_facts("movies").old_until
    years = sorted(it.year for it in catalog_store.items("movies") if it.year is not None)
    assert until is not None and sum(y <= until for y in years) >= len(years) / 4 > sum(y < until for y in years)
    for message in ("an old movie", "推荐一部老电影"):
        reply = bot.chat(message, message)
        assert reply.intent.constraints.year_max == until and reply.items and all(r.item.year <= until for r in reply.items)  # type: ignore[operator]
    assert bot.chat("an old movie from the 90s", "s").intent.constraints.year_max == 1999  # a year said wins
    assert bot.chat("recommend some classic movies", "c").intent.constraints.year_max is None  # a classic is of any year


def test_years_the_catalog_has_none_of_move_to_its_edge_and_are_told(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """"movies from 2022" of films that end earlier had found nothing ("Could you loosen one of them?")."""
    bot = make_bot(catalog_store, None, tmp_path)
    assert (span := bot.catalog_facts("movies").years) is not None
    oldest, newest = span
    reply = bot.chat(f"movies from {newest + 4}", "s1")
    c, edge = reply.intent.constraints, reply.intent.edge
    assert edge is not None and edge.newest and edge.year == newest and edge.asked == (newest + 4, newest + 4)
    assert (c.year_min, c.year_max) == (newest - 2, None) and reply.items and all(r.item.year >= newest - 2 for r in reply.items)  # type: ignore[operator]
    assert f"The newest films I have are from {newest}, so these are from {newest - 2} on." in reply.notices
    zh = bot.chat(f"推荐{oldest - 10}年以前的电影", "s2")
    assert zh.intent.constraints.year_max == oldest + 2 and f"我这里最早的电影是{oldest}年的，下面是{oldest + 2}年以前的。" in zh.notices
    assert bot.chat(f"movies from {newest}", "s3").intent.edge is None  # years the catalog has stand


def test_refine_cheaper_lowers_prices(catalog_store: ChromaStore, tmp_path: Path) -> None:
    bot = make_bot(catalog_store, None, tmp_path)
    first = bot.chat("a family board game", "s1")
    second = bot.chat("something cheaper", "s1")
    assert second.intent.action == "refine" and second.items
    assert max(r.metadata["price"] for r in second.items) < min(r.metadata["price"] for r in first.items)
    assert not {r.item_id for r in second.items} & {r.item_id for r in first.items}
    assert not second.intent.loosened


def test_cheaper_than_the_cheapest_shown_falls_back_to_cheaper_than_the_dearest(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """The cheapest board game was among the picks, so nothing is cheaper than all of them: the reply says so and
    shows board games cheaper than the dearest pick instead of finding nothing."""
    bot = make_bot(catalog_store, None, tmp_path)
    bot.chat("a board game", "s1")
    session = bot.session("s1")
    games = [r for r in bot.rank("board game", domain="toys", k=20) if "Board Games" in r.item.genres]
    shown = [min(games, key=lambda r: r.item.price or 0), max(games, key=lambda r: r.item.price or 0)]
    session.last_items, session.shown = shown, [r.item_id for r in shown]
    bot.sessions.save(session)
    reply = bot.chat("something cheaper", "s1")
    assert reply.items and reply.intent.loosened == ["cheaper"] and LOOSENED["cheaper"]["en"] in reply.text
    assert all(shown[0].item.price < r.item.price < shown[1].item.price for r in reply.items)  # type: ignore[operator]
    assert reply.intent.constraints.include_genres == ["Board Games"]
    session = bot.session("s1")
    session.last_items, session.shown = shown, [r.item_id for r in games]  # every board game shown: nothing either way
    bot.sessions.save(session)
    nothing = bot.chat("something cheaper", "s1")
    assert not nothing.items and not nothing.intent.loosened and LOOSENED["cheaper"]["en"] not in nothing.text
    assert nothing.intent.constraints.price_max == round(shown[0].item.price * 0.9, 2)  # type: ignore[operator]  # as asked


def test_more_like_the_second_one_uses_that_item(catalog_store: ChromaStore, tmp_path: Path) -> None:
    bot = make_bot(catalog_store, None, tmp_path)
    first = bot.chat("a space adventure film", "s1")
    second_item = first.items[1]
    reply = bot.chat("more like the second one", "s1")
    assert reply.intent.action == "more_like" and reply.intent.reference == 2
    assert second_item.item_id in bot.session("s1").liked
    assert reply.items and second_item.item_id not in {r.item_id for r in reply.items}


def test_the_reasons_prompt_names_the_pick_a_refinement_points_at(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """Told only "more like the second one", the small model had copied its example's plot under each new pick."""
    llm = ScriptedLLM(text="1. A fine pick.")
    bot = make_bot(catalog_store, llm, tmp_path)
    second = bot.chat("a space adventure film", "s1").items[1]
    llm.calls.clear()
    reply = bot.chat("more like the second one", "s1")
    asked = [messages[-1]["content"] for key, messages in llm.calls if key == "stream"]
    assert asked and all(f"more like the second one ({second.title})" in text for text in asked)
    assert second.title.casefold() in bot.grounding(reply.intent, "more like the second one", reply.items).request  # a re-check too
    first = reply.items[0]
    llm.calls.clear()
    bot.chat("I don't like the first one", "s1")  # one rejected is not named: the model would write of it
    asked = [messages[-1]["content"] for key, messages in llm.calls if key == "stream"]
    assert asked and not any(first.title in text for text in asked)
    bot.chat("推荐几部太空冒险电影", "s2")
    zh = bot.session("s2").last_items[0]
    llm.calls.clear()
    bot.chat("再来几部像第一部那样的", "s2")
    asked = [messages[-1]["content"] for key, messages in llm.calls if key == "stream"]
    assert asked and all(f"像第一部那样的（《{spoken_title(zh.item, 'zh')}》）" in text for text in asked)


def test_a_follow_ups_reasons_answer_the_request_it_refines(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """Told only "要2000年以后的" after "有反转结局的惊悚片", the model had written "…是2012年的，不是2000年的"."""
    llm = ScriptedLLM(text="1. A fine pick.")
    bot = make_bot(catalog_store, llm, tmp_path)
    bot.chat("a film", "s1")
    llm.calls.clear()
    reply = bot.chat("no comedies", "s1")
    asked = [messages[-1]["content"] for key, messages in llm.calls if key == "stream"]
    assert reply.intent.earlier == ["a film"] and asked and all("a film; no comedies" in t for t in asked), asked
    assert bot.chat("nothing animated", "s1").intent.earlier == ["a film", "no comedies"]
    assert bot.chat("no horror", "s1").intent.earlier == ["no comedies", "nothing animated"]  # the last two
    assert not bot.chat("a board game", "s1").intent.earlier  # a new request starts again
    assert not bot.chat("more like the first one", "s1").intent.earlier  # "more like X": X is the request
    assert bot.chat("cheaper", "s1").intent.earlier == ["more like the first one"]
    bot.chat("a comedy " + "with lots of jokes " * 30, "s2")  # too long to repeat (a pasted conversation)
    assert not bot.chat("something newer", "s2").intent.earlier


def test_not_that_one_rejects_and_never_shows_it_again(catalog_store: ChromaStore, tmp_path: Path) -> None:
    bot = make_bot(catalog_store, None, tmp_path)
    first = bot.chat("a comedy film", "s1")
    reply = bot.chat("I don't like the first one", "s1")
    assert reply.intent.action == "feedback" and first.items[0].item_id in bot.session("s1").rejected
    for _ in range(2):
        assert first.items[0].item_id not in {r.item_id for r in bot.chat("another comedy film", "s1").items}


def test_sessions_do_not_share_state(catalog_store: ChromaStore, tmp_path: Path) -> None:
    bot = make_bot(catalog_store, None, tmp_path)
    bot.chat("a horror film", "a")
    other = bot.chat("something light to watch with my kids", "b")
    assert bot.session("a").domain == "movies" and "Horror" not in bot.session("a").constraints.exclude_genres
    assert "Horror" in other.intent.constraints.exclude_genres


def test_ask_about_an_item_answers_from_the_catalog(catalog_store: ChromaStore, tmp_path: Path) -> None:
    bot = make_bot(catalog_store, None, tmp_path)
    first = bot.chat("a film about space", "s1")
    reply = bot.chat("tell me more about the first one", "s1")
    assert reply.intent.action == "ask_item" and reply.items[0].item_id == first.items[0].item_id
    assert first.items[0].title in reply.text and first.items[0].reason in reply.text and "All I know" not in reply.text
    # a question the catalog may not answer is one about the pick all the same, told plainly that this is all there is
    question = bot.chat("does the second one have subtitles?", "s1")  # had been read as a refinement: new cards
    assert question.intent.action == "ask_item" and question.items[0].item_id == first.items[1].item_id
    assert question.text.splitlines()[1] == "All I know of it is what the catalog says:"


def test_a_question_comparing_two_picks_is_answered_from_the_catalog(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """"is the first one cheaper than the second?" compares the two picks' prices (it had told the first pick's facts
    alone); "which is newer, the first or the third?" is a question too, not a request for newer picks."""
    bot = make_bot(catalog_store, None, tmp_path)
    first = bot.chat("a board game under 20 pounds", "s")
    a, b = (r.item for r in first.items[:2])
    assert a.price is not None and b.price is not None and a.price != b.price
    reply = bot.chat("is the first one cheaper than the second?", "s")
    assert reply.intent.action == "ask_item" and [r.item_id for r in reply.items] == [r.item_id for r in first.items[:2]]
    cheap, dear = sorted((a, b), key=lambda i: i.price or 0)
    assert reply.text == f"{'Yes' if cheap is a else 'No'}: **{cheap.title}** (£{cheap.price:.2f}) is cheaper than **{dear.title}** (£{dear.price:.2f})."
    films = bot.chat("a comedy film", "f")
    newest = max(films.items[0], films.items[2], key=lambda r: r.item.year or 0)
    which = bot.chat("which is newer, the first or the third?", "f")
    assert which.intent.action == "ask_item" and which.text.startswith(f"**{newest.item.title}** ({newest.item.year}) is newer than")
    zh = bot.chat("第二个比第一个便宜吗？", "s")
    assert zh.text.startswith("是的，" if b.price < a.price else "不是，") and zh.text.endswith("便宜。")
    older = bot.chat("第一个比第三个新吗？", "f")  # no cue word: 比 and 新 say it
    assert older.intent.comparison is not None and older.intent.comparison.by == "newer" and older.text.endswith("新。")


def test_when_nothing_new_meets_the_conditions_the_reply_names_what_was_shown(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """"loosen one of them" is not the only answer when the picks shown before meet the conditions."""
    bot = make_bot(catalog_store, None, tmp_path)
    first = bot.chat("a board game under 13 pounds", "s")
    assert first.items and all(r.item.price is not None and r.item.price <= 13 for r in first.items)
    again = bot.chat("a board game under 13 pounds", "s")
    assert not again.items and any(f"I have shown you already: {first.items[0].title}" in n for n in again.notices)
    assert not any("shown you already" in n for n in bot.chat("a board game under 3 pounds", "t").notices)  # none ever met them


def test_stream_yields_text_then_stores_the_reply(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """One call for all picks' reasons: its lines go to the picks in order, its options carry every pick's numbers."""
    text = "1. A fine pick for a night in. It keeps you watching.\n2. Another good one for tonight.\n3. A third to round it off."
    llm = ScriptedLLM(text=text)
    bot = make_bot(catalog_store, llm, tmp_path, reasons_per_pick=False)
    chunks = list(bot.stream("a space film", "s1"))
    reply = bot.last_reply("s1")
    assert reply is not None and reply.items and reply.text == "".join(chunks).strip()
    assert [r.reason for r in reply.items] == ["A fine pick for a night in. It keeps you watching.", "Another good one for tonight.",
                                                "A third to round it off."]  # the model's reasons, checked, on the picks too
    lines = [line for line in reply.text.splitlines() if line[:1].isdigit()]
    assert [line.split("**")[1] for line in lines] == [r.title for r in reply.items]  # in order, under catalog titles
    assert reply.sentences == {"checked": 4, "dropped": 0, "cut": 0, "shown": 4, "retitled": 0}
    options = llm.options[0]
    assert len(llm.options) == 1 and {k: v for k, v in options.items() if k not in (AVOID, "grammar")} == bot.prompts.get("explain").options != {}
    assert " documentary" in options[AVOID] and "纪录片" in options[AVOID]  # a genre no pick has: words to avoid
    years = [f'"{r.item.year}"' for r in reply.items]  # each line may write its own pick's year
    numbers = [line for line in options["grammar"].split("\n") if re.match(r"n\d ::=", line)]  # each line's numbers, in order
    assert [y in line for y, line in zip(years, numbers, strict=True)] == [True] * 3


def test_a_reason_per_pick_is_asked_of_that_pick_alone(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """With ``reasons_per_pick`` each call sees one pick (as "Pick 1") and writes "1. …": its line is that pick's."""
    texts = ["1. A fine pick for a night in.", "1. Another good one for tonight.", "1. A third to round it off."]
    llm = ScriptedLLM(text=texts)
    bot = make_bot(catalog_store, llm, tmp_path, reasons_per_pick=True)
    reply = bot.chat("a space film", "s1")
    assert [r.reason for r in reply.items] == [t[3:] for t in texts]
    assert [line.split("**")[1] for line in reply.text.splitlines() if line[:1].isdigit()] == [r.title for r in reply.items]
    prompts = [messages[-1]["content"] for label, messages in llm.calls if label == "stream"]
    assert len(prompts) == 3 and all("Pick 1:" in p and "Pick 2:" not in p for p in prompts)
    assert all(r.title in p for r, p in zip(reply.items, prompts, strict=True))
    assert reply.sentences["shown"] == 3 and reply.sentences["dropped"] == 0
    # each call is asked to avoid the wording of the lines shown before it, so two picks do not get one sentence
    avoided = [set(o.get(AVOID, [])) for o in llm.options]
    assert not {" fine", " night", " another"} & avoided[0]
    assert {" fine", " Fine", " night"} <= avoided[1] and " another" not in avoided[1]
    assert {" fine", " night", " another", " tonight"} <= avoided[2] and " for" not in avoided[2]  # not grammar words


def test_a_reason_opens_with_its_picks_title(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """Code writes the opening of each line, the pick's title, so it is about the pick and not about a famous film the
    request calls to mind, nor the request itself ("A space film is…"); a Chinese line ends with a full stop and has at
    most four spaces (a name, never an English sentence)."""
    llm = ScriptedLLM(text=["1. 讲的是太空里的冒险。"] * 3)
    bot = make_bot(catalog_store, llm, tmp_path, reasons_per_pick=True)
    reply = bot.chat("推荐一部太空电影", "s1")
    openings = [o["grammar"].split("\n")[0] for o in llm.options]
    assert openings == [f'root ::= "1. " "《{spoken_title(r.item, "zh")}》" t1 "\\n"?' for r in reply.items]
    assert all("){0,4} [。！？]" in o["grammar"] for o in llm.options)  # ends with a full stop, has no room for English
    english = bot.chat("a space film", "s2")
    assert [o["grammar"].split("\n")[0] for o in llm.options[3:]] == [f'root ::= "1. " "{spoken_title(r.item, "en")}" t1 "\\n"?'
                                                                     for r in english.items]  # fmt: skip


@pytest.mark.parametrize("message", ["", "   \n\t ", "\x00\x07\u202e"])
def test_empty_messages_get_a_prompt_not_an_error(catalog_store: ChromaStore, tmp_path: Path, message: str) -> None:
    reply = make_bot(catalog_store, None, tmp_path).chat(message, "s1")
    assert reply.intent.action == "chitchat" and not reply.items and "looking for" in reply.text


def test_long_history_is_folded_into_a_summary(catalog_store: ChromaStore, tmp_path: Path) -> None:
    bot = make_bot(catalog_store, None, tmp_path)
    bot.chat("a comedy film but no horror", "s1")
    for _ in range(6):
        bot.chat("another comedy film, please show me something different " * 3, "s1")
    session = bot.session("s1")
    history = session.history(120)
    assert history.startswith("(Earlier: looking for movies") and "no Horror" in history
    from chatrec.tokens import count_tokens

    assert count_tokens(history) < 120 + 60  # the summary line plus what fits


def test_a_long_message_is_trimmed_with_a_notice(catalog_store: ChromaStore, tmp_path: Path) -> None:
    reply = make_bot(catalog_store, None, tmp_path).chat("a comedy film " * 2000, "s1")
    assert any("long" in n for n in reply.notices) and reply.items


def test_a_named_liked_title_anchors_the_search(catalog_store: ChromaStore, tmp_path: Path) -> None:
    bot = make_bot(catalog_store, None, tmp_path)
    reply = bot.chat("I loved Toy Story, recommend a film like it", "s1")
    assert reply.intent.action == "more_like" and reply.intent.anchor_id == "m1"
    assert "m1" in bot.session("s1").liked and reply.items and "m1" not in {r.item_id for r in reply.items}
    assert "liked: Toy Story" in understood(reply.intent, bot) and "liked: Toy Story" in bot.session("s1").summary()
    # searched from Toy Story itself, not from the words: over the whole pool, the semantic signal orders
    # candidates exactly as their cosine to Toy Story's vector does
    ranked = bot.rank("I loved Toy Story, recommend a film like it", k=50)
    anchor = catalog_store.vectors("movies", ["m1"])["m1"]
    vectors = catalog_store.vectors("movies", [r.item_id for r in ranked])
    by_signal = sorted(ranked, key=lambda r: -r.signals.get("semantic", 0.0))
    by_cosine = sorted(ranked, key=lambda r: -float(vectors[r.item_id] @ anchor))
    assert len(ranked) >= 5 and [r.item_id for r in by_signal] == [r.item_id for r in by_cosine]


def test_a_named_disliked_title_is_ruled_out(catalog_store: ChromaStore, tmp_path: Path) -> None:
    bot = make_bot(catalog_store, None, tmp_path)
    reply = bot.chat("I didn't like The Shining. Another horror film please", "s1")
    assert "m8" in reply.intent.rejected_ids and "m8" not in {r.item_id for r in reply.items}
    assert "not: The Shining" in understood(reply.intent, bot) and "rejected: The Shining" in bot.session("s1").summary()
    assert reply.items and all("Horror" in r.item.genres for r in reply.items)  # still the horror films asked for


def test_title_matching_only_trusts_the_catalog(catalog_store: ChromaStore) -> None:
    from chatrec.pipeline.titles import TitleIndex

    index = TitleIndex(catalog_store)
    assert [(m.item_id, m.liked) for m in index.find("我很喜欢《流浪地球》", "movies")] == [("m7", True)]
    assert index.find("I loved Jurassic Park", "movies") == []  # not in this catalog: not a fact
    assert index.find("a light comedy for tonight", "movies") == []


def ratings_file(tmp_path: Path) -> Path:
    """Two taste groups over the tiny catalog; Apollo 13 (m2) and others stay cold (never rated)."""
    lines = ["userId,movieId,rating,timestamp"]
    for n in range(10):
        lines += [f"s{n},m3,5,1", f"s{n},m8,5,2", f"s{n},m10,4,3", f"f{n},m1,5,1", f"f{n},m5,5,2", f"f{n},m9,4,3"]
    lines += ["fan,m3,5,9", "kid,m1,5,9"]
    path = tmp_path / "ratings.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_user_id_personalises_picks_from_stored_interactions(catalog_store: ChromaStore, tmp_path: Path) -> None:
    bot = make_bot(catalog_store, None, tmp_path, interactions={"movies": ratings_file(tmp_path)})
    fan = bot.chat("what should I watch next?", "a", domain="movies", user_id="fan")
    kid = bot.chat("what should I watch next?", "b", domain="movies", user_id="kid")
    assert fan.intent.scenario == "personal_picks"
    assert fan.items[0].item_id in {"m8", "m10"} and kid.items[0].item_id in {"m5", "m9"}
    assert "m3" not in {r.item_id for r in fan.items}  # already seen
    assert all("collaborative" in r.signals for r in fan.items)
    assert bot.session("a").user_id == "fan"  # kept for the following turns
    anonymous = bot.chat("what should I watch next?", "c", domain="movies")
    assert not any("collaborative" in r.signals for r in anonymous.items)


def test_cold_items_still_reach_a_personalised_list_through_content(catalog_store: ChromaStore, tmp_path: Path) -> None:
    bot = make_bot(catalog_store, None, tmp_path, interactions={"movies": ratings_file(tmp_path)})
    reply = bot.chat("a film about astronauts whose oxygen tank explodes on the way to the Moon", "a", domain="movies", user_id="fan")
    apollo = next((r for r in reply.items if r.item_id == "m2"), None)  # Apollo 13: nobody rated it
    assert apollo is not None and apollo.signals.get("semantic", 0) > 0 and not apollo.signals.get("collaborative")


def test_a_turn_shows_the_cards_before_any_model_text(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """events(): Understood, then Cards before the first TextDelta, then Done carrying the same picks and every call
    (here with every optional model call switched on)."""
    llm = ScriptedLLM({"IntentProposal": proposal(domain="movies", query="a family film"), "Ranking": {"ranking": [1, 2, 3]}},
                      text="These are warm, funny picks.")  # fmt: skip
    bot = enable_rerank(make_bot(catalog_store, llm, tmp_path, llm_understand=True))
    events = list(bot.events("a funny film for the whole family", "s1"))
    kinds = [e.kind for e in events]
    assert kinds[0] == "understood" and kinds[-1] == "done" and kinds.count("cards") == 1
    assert kinds.index("cards") < kinds.index("text")
    cards, done = events[kinds.index("cards")], events[-1]
    assert cards.items and [r.item_id for r in done.reply.items] == [r.item_id for r in cards.items]  # an echo reorders nothing
    assert "reranked" not in kinds and cards.rerank_pending
    assert "".join(e.text for e in events if e.kind == "text").strip() == done.reply.text
    labels = ["understand", "rerank", *["explain"] * len(done.reply.items)]  # a reason's call per pick
    assert [c.label for c in done.reply.llm_calls] == labels and all(c.ok for c in done.reply.llm_calls)
    t = done.reply.timings
    assert t["understood"] <= t["cards"] <= t["first_text"] <= t["done"]


def test_the_models_order_replaces_the_cards_once(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """With weights that let the model decide, it puts the fused third pick first: one Reranked event,
    and the reply keeps that order."""

    def third_first(messages: list[dict[str, str]]) -> dict:
        shown = [line for line in messages[-1]["content"].splitlines() if line[:2].rstrip(".").isdigit()]
        fused_third = cards_seen[0].items[2].title
        n = next(int(line.split(".")[0]) for line in shown if fused_third in line)
        return {"ranking": [n]}

    cards_seen: list = []  # type: ignore[type-arg]
    llm = ScriptedLLM({"IntentProposal": proposal(domain="movies", query="a film"), "Ranking": third_first})
    bot = make_bot(catalog_store, llm, tmp_path, llm_concurrency=1)
    bot.scenarios = {}  # no scenario: the default weights, here ones that let the model decide
    bot.ranker.default_weights = {"semantic": 0.2, "llm": 0.8}
    events = []
    for event in bot.events("a good film", "s1"):
        if event.kind == "cards":
            cards_seen.append(event)
        events.append(event)
    kinds = [e.kind for e in events]
    assert kinds.count("reranked") == 1 and kinds.index("cards") < kinds.index("reranked") < kinds.index("text")
    reranked = events[kinds.index("reranked")]
    assert reranked.items[0].item_id == cards_seen[0].items[2].item_id
    assert [r.item_id for r in events[-1].reply.items] == [r.item_id for r in reranked.items]


def test_a_bot_without_a_model_gives_no_model_notice(catalog_store: ChromaStore, tmp_path: Path) -> None:
    reply = make_bot(catalog_store, None, tmp_path).chat("a funny film for the whole family", "s1")
    assert reply.items and not reply.notices and not reply.llm_calls


def test_by_default_the_model_only_writes(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """The shipped configuration: code reads the message and ranks; the model writes the words, a call per pick."""
    llm = ScriptedLLM({"IntentProposal": proposal(domain="movies"), "Ranking": {"ranking": [3, 2, 1]}}, text="Warm picks.")
    events = list(make_bot(catalog_store, llm, tmp_path).events("a funny film for the whole family", "s1"))
    reply = events[-1].reply
    assert [c.label for c in reply.llm_calls] == ["explain"] * len(reply.items) and not reply.intent.used_llm
    assert not events[1].rerank_pending and "reranked" not in [e.kind for e in events]


def test_a_chinese_reply_is_headed_with_the_scenarios_chinese_title(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """It had read "为你推荐（Well-loved films）"."""
    bot = make_bot(catalog_store, None, tmp_path)
    reply = bot.chat("推荐几部喜剧电影", "s1")
    scenario = bot.scenarios[reply.intent.scenario or ""]
    assert scenario.title_zh and reply.text.startswith(f"为你推荐（{scenario.title_zh}）：")
