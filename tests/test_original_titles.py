"""Films named by their Chinese titles: the model proposes the originals, code keeps what it can check."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatrec.catalog.store import ChromaStore
from chatrec.llm.client import LLMUnavailable
from tests.fakes import ScriptedLLM
from tests.helpers import make_bot


def test_a_chinese_title_the_model_knows_is_the_catalog_item_it_names(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """Kept: pairs whose Chinese title is in the message and whose original is a catalog item. Dropped: a title
    the message does not hold (the prompt's example), a kind of item ("爱情片"), an original the catalog lacks."""
    llm = ScriptedLLM(text="玩具总动员 => Toy Story (1995)\n海底总动员 => Finding Nemo (2003)\n小王子 => The Little Prince (1943)\n"
                           "爱情片 => Notting Hill (1999)\n星际穿越 => Gravity (2013)")  # fmt: skip
    bot = make_bot(catalog_store, llm, tmp_path)
    intent = bot.understand("孩子很喜欢玩具总动员和海底总动员，星际穿越也不错，再推荐几部爱情片")
    assert (intent.domain, set(intent.liked_ids), intent.rejected_ids) == ("movies", {"m1", "m5"}, [])
    assert [key for key, _ in llm.calls] == ["complete"]
    reply = bot.chat("孩子很喜欢玩具总动员和海底总动员，再推荐几部", "s")
    assert not {"m1", "m5"} & {r.item_id for r in reply.items}  # what they named is not recommended back


def test_the_words_around_a_chinese_title_say_whether_it_was_liked(catalog_store: ChromaStore, tmp_path: Path) -> None:
    bot = make_bot(catalog_store, ScriptedLLM(text="闪灵 => The Shining (1980)"), tmp_path)
    assert bot.understand("《闪灵》太吓人了，不喜欢，换个轻松的").rejected_ids == ["m8"]
    assert bot.understand("我不喜欢闪灵").rejected_ids == ["m8"]
    assert bot.understand("我喜欢《闪灵》，不喜欢太长的").liked_ids == ["m8"]  # the later 不喜欢 is about length


@pytest.mark.parametrize("message", ["推荐一部九十年代的爱情电影", "I loved Toy Story", "我喜欢《Toy Story (1995)》"])
def test_the_model_is_asked_only_about_a_chinese_message_that_may_name_a_work_the_catalog_misses(
    catalog_store: ChromaStore, tmp_path: Path, message: str
) -> None:
    llm = ScriptedLLM(text="星际穿越 => Interstellar (2014)")
    make_bot(catalog_store, llm, tmp_path).understand(message)
    assert llm.calls == []


def test_a_model_that_fails_leaves_the_message_as_it_was(catalog_store: ChromaStore, tmp_path: Path) -> None:
    bot = make_bot(catalog_store, ScriptedLLM(text=LLMUnavailable("down")), tmp_path)
    intent = bot.understand("我喜欢《星际穿越》，推荐类似的电影")
    assert (intent.domain, intent.liked_ids) == ("movies", [])


@pytest.mark.llm
def test_the_real_model_names_the_original_of_a_chinese_title(catalog_store: ChromaStore, local_server: object, tmp_path: Path) -> None:
    """Through the bundled (test) model: 玩具总动员 is Toy Story; whatever else it names must be checked catalog items."""
    from chatrec.llm.client import OpenAIChat
    from chatrec.llm.server import MODEL_ALIAS

    llm = OpenAIChat(base_url=local_server.ensure_running, api_key="x", model=MODEL_ALIAS, timeout_s=180, local=True)  # type: ignore[attr-defined]
    intent = make_bot(catalog_store, llm, tmp_path).understand("孩子很喜欢玩具总动员，再推荐几部")
    assert intent.liked_ids == ["m1"] and intent.domain == "movies"


@pytest.mark.parametrize(("message", "liked"), [
    ("我喜欢《玩具总动员》和海底总动员，推荐类似的", {"1", "6377"}),  # quoted, and unquoted (four characters or more)
    ("孩子很喜欢《英雄》", {"7090"}),  # a short title only in 《》, or (three characters) after a cue or in a list
    ("我喜欢看侏罗纪公园和大白鲨，推荐刺激一点的", {"480", "1387"}),
    ("我读过《了不起的盖茨比》，想找类似的小说", {"9780891906797"}),  # the novel, in a request for books
    ("我喜欢英雄片", set()),  # 英雄 is a word too
    ("我喜欢僵尸之地，推荐几部类似的喜剧电影", {"71535"}),  # the model had said The Walking Dead (1995), a catalog film
    ("我喜欢黑客帝国4", set()),  # not The Matrix: the start of a longer title
    ("我喜欢《玩具总动员4》", set()),  # a title the catalog does not carry is not a part of one it does
])  # fmt: skip
def test_the_chinese_titles_a_catalog_carries_are_read_without_the_model(demo_store: ChromaStore, tmp_path: Path,
                                                                       message: str, liked: set[str]) -> None:  # fmt: skip
    """The demo films carry their Chinese titles (data/demo/movies-titles-zh.csv): code reads them, and the model is
    asked only when none is found (here it names nothing)."""
    llm = ScriptedLLM(text="")
    intent = make_bot(demo_store, llm, tmp_path).understand(message)
    assert set(intent.liked_ids) == liked
    assert not (liked and llm.calls)


@pytest.mark.parametrize(("answer", "liked"), [
    ("越战行尸 => The Dark Knight (2008)", []),  # 蝙蝠侠：黑暗骑士 in the catalog: the model named the wrong film
    ("越战行尸 => The Walking Dead (1995)", ["336"]),  # a film with no Chinese title of its own to contradict
])  # fmt: skip
def test_a_film_with_chinese_titles_of_its_own_is_no_answer_for_another(demo_store: ChromaStore, tmp_path: Path, answer: str,
                                                                      liked: list[str]) -> None:  # fmt: skip
    """Asked for the films of 60 Chinese titles it was not told, the model had named another catalog film for 17 (The
    Dark Knight for three of them); code knows those films' Chinese titles, and 越战行尸 is none of them."""
    assert make_bot(demo_store, ScriptedLLM(text=answer), tmp_path).understand("我喜欢《越战行尸》，推荐几部类似的电影").liked_ids == liked


@pytest.mark.parametrize("variant", ["肖申克救赎", "蝙蝠侠黑暗骑士崛起"])
def test_a_variant_of_a_films_chinese_title_is_the_film(demo_store: ChromaStore, tmp_path: Path, variant: str) -> None:
    """A variant the table lacks ("肖申克救赎" for 肖申克的救赎; a title that holds one of its own) is not contradicted."""
    answers = {"肖申克救赎": "肖申克救赎 => The Shawshank Redemption (1994)", "蝙蝠侠黑暗骑士崛起": "蝙蝠侠黑暗骑士崛起 => The Dark Knight Rises (2012)"}
    intent = make_bot(demo_store, ScriptedLLM(text=answers[variant]), tmp_path).understand(f"我喜欢《{variant}》，推荐几部类似的电影")
    assert len(intent.liked_ids) == 1


def test_every_chinese_title_shipped_is_a_demo_film_and_names_one() -> None:
    """The shipped table matches the catalog it is merged into (scripts/build_demo_data.py stops otherwise)."""
    import csv
    import json

    demo = Path(__file__).resolve().parent.parent / "data" / "demo"
    films = {(r := json.loads(line))["id"]: r for line in (demo / "movies.jsonl").open()}
    rows = list(csv.DictReader((demo / "movies-titles-zh.csv").open()))
    assert all(films[r["id"]]["title"] == r["title"] and films[r["id"]]["extra"]["title_zh"] == r["title_zh"] for r in rows)
    names = [n for r in rows for n in r["title_zh"].split("/")]
    assert len(names) == len(set(names)) and len(rows) > 600
