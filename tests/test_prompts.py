"""Prompt templates and scenario profiles are data, validated on load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chatrec.prompts import PromptError, PromptLibrary, parse_prompt, validate_prompt
from chatrec.scenarios import DEFAULT_POOL, ScenarioError, load_scenarios, parse_scenario

PROMPTS = Path(__file__).parent.parent / "prompts"

GOOD = "name: t\nvariables: [a]\nsystem: 'Hello {a}'\nuser: 'literal {{braces}} are fine'\n"


def test_shipped_prompts_validate_and_render() -> None:
    lib = PromptLibrary(PROMPTS)
    msgs = lib.render("chitchat", language="English", domains="movies", message="hi")
    assert [m["role"] for m in msgs] == ["system", "user"] and msgs[1]["content"].strip().endswith("hi")
    again = lib.render("chitchat", language="Simplified Chinese", domains="movies", message="你好")
    assert again[0] == msgs[0]  # the system part is the same every turn: the server's prompt cache keeps it


def test_a_language_variant_is_used_for_its_language_and_checked_like_its_template(tmp_path: Path) -> None:
    lib = PromptLibrary(PROMPTS)
    assert lib.variant("explain", "zh") == "explain.zh" and lib.variant("explain", "en") == "explain"
    assert lib.variant("chitchat", "zh") == "chitchat"  # no variant file: the template itself
    zh = lib.render("explain.zh", language="简体中文", style="简短", request="爱情片", picks="推荐 1: Titanic")
    assert "只用简体中文" in zh[0]["content"] and "爱情片" in zh[-1]["content"]
    assert zh[0]["content"] in lib.system_texts()  # the leak guard knows the variant's system text too
    text = (PROMPTS / "explain.zh.yaml").read_text()
    with pytest.raises(PromptError, match="must use exactly the variables"):
        validate_prompt("explain.zh", text.replace("variables: [language, style, request, picks]", "variables: [language, style, request, picks, x]")
                        .replace("风格：{style}", "风格：{style} {x}"))  # fmt: skip
    with pytest.raises(PromptError, match="change every turn"):
        validate_prompt("explain.zh", text.replace("你是 chatrec", "你是 chatrec {request}"))
    with pytest.raises(PromptError, match="<template>.<language>"):
        validate_prompt("explain.fr", text.replace("name: explain.zh", "name: explain.fr"))


def test_a_per_turn_variable_in_a_system_part_is_refused() -> None:
    """What changes every turn must come after the cached static part."""
    text = (PROMPTS / "chitchat.yaml").read_text().replace("Reply in at most", "Reply in {language} in at most")
    with pytest.raises(PromptError, match=r"\['language'\] change every turn"):
        validate_prompt("chitchat", text)


@pytest.mark.parametrize(("text", "error"), [
    ("name: t\nvariables: [a]\nsystem: 'Hello {b}'\nuser: '{a}'", "unknown variable(s) ['b']"),
    ("name: t\nvariables: [a, c]\nsystem: 'Hello {a}'\nuser: 'x'", "never used"),
    ("name: t\nvariables: [a]\nsystem: '{a.__class__}'\nuser: 'x'", "not allowed"),
    ("name: t\nvariables: [a]\nsystem: '{a[0]}'\nuser: 'x'", "not allowed"),
    ("name: t\nvariables: [a]\nsystem: '{} {a}'\nuser: 'x'", "not allowed"),
    ("name: t\nvariables: [a]\nsystem: '{0} {a}'\nuser: 'x'", "not allowed"),
    ("name: t\nvariables: [a]\nsystem: 'Hello {a'\nuser: 'x'", "unbalanced braces"),
    ("name: t\nvariables: [a\nsystem: x", "broken YAML"),
    ("name: t\nvariables: []\nuser: 'x'", "system"),
    ("- just\n- a list", "YAML mapping"),
    ("name: t\nvariables: [a]\nsystem: '{a}'\nexamples: [{user: 'x {a}', assistant: 'y'}]\nuser: 'x'", "no {placeholders}"),
    ("name: t\nvariables: [a]\nsystem: '{a}'\nexamples: [{user: 'x'}]\nuser: 'x'", "assistant"),
    ("name: t\nvariables: [a]\nsystem: '{a}'\noptions: {temperature: 0.9}\nuser: 'x'", "options ['temperature'] are set by chatrec"),
    ("name: t\nvariables: [a]\nsystem: '{a}'\noptions: {dry_multiplier: {x: 1}}\nuser: 'x'", "options.dry_multiplier"),
])  # fmt: skip
def test_invalid_templates_are_refused_with_a_reason(text: str, error: str) -> None:
    with pytest.raises(PromptError, match=error.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(").replace(")", r"\)")):
        parse_prompt(text)


def test_an_example_is_an_earlier_exchange_between_the_system_part_and_the_request() -> None:
    """A worked example goes before the request, the same every turn, so the prompt cache keeps it with the system part;
    its answer lines are what the grounding check refuses as the model's own."""
    lib = PromptLibrary(PROMPTS)
    spec = lib.get("explain")
    assert spec.examples and len(spec.example_answers()) == 3
    first = lib.render("explain", language="English", style="Be brief.", request="a western", picks="Pick 1: Tom Horn")
    second = lib.render("explain", language="English", style="Be warm.", request="a comedy", picks="Pick 1: Elf")
    assert [m["role"] for m in first] == ["system", "user", "assistant", "user"] and first[:3] == second[:3]
    assert first[2]["content"] == spec.examples[0].assistant and "a western" in first[3]["content"]


def test_good_template_parses() -> None:
    assert parse_prompt(GOOD).variables == ["a"]
    assert parse_prompt(GOOD + "\noptions: {dry_multiplier: 0.8, dry_sequence_breakers: ['.']}").options == \
        {"dry_multiplier": 0.8, "dry_sequence_breakers": ["."]}  # fmt: skip


def test_render_requires_every_variable_and_no_more() -> None:
    lib = PromptLibrary(PROMPTS)
    with pytest.raises(PromptError, match="needs"):
        lib.render("chitchat", language="English", domains="movies")
    with pytest.raises(PromptError, match="does not take"):
        lib.render("chitchat", language="English", domains="movies", message="hi", extra="x")


def test_an_edit_on_disk_takes_effect_without_restart(tmp_path: Path) -> None:
    folder = tmp_path / "prompts"
    shutil.copytree(PROMPTS, folder)
    lib = PromptLibrary(folder)
    path = folder / "chitchat.yaml"
    path.write_text(path.read_text().replace("You are chatrec", "You are Robo"))
    import os

    os.utime(path, ns=(1, 1))  # a different mtime even on coarse clocks
    assert "You are Robo" in lib.render("chitchat", language="en", domains="m", message="x")[0]["content"]
    path.write_text("name: chitchat\nvariables: [language]\nsystem: '{language}'\nuser: 'x'\n")
    with pytest.raises(PromptError, match="must use exactly the variables"):
        lib.get("chitchat")


def test_shipped_scenarios_cover_three_domains() -> None:
    scenarios = load_scenarios(PROMPTS / "scenarios")
    assert len(scenarios) >= 6
    assert {s.domain for s in scenarios.values()} == {"movies", "books", "toys"}
    assert "Horror" in scenarios["family_movie_night"].constraints.exclude_genres


def test_invalid_scenarios_are_refused(tmp_path: Path) -> None:
    good = (PROMPTS / "scenarios" / "date_night.yaml").read_text()
    with pytest.raises(ScenarioError, match="unknown signal"):
        parse_scenario(good.replace("llm:", "magic:"))
    with pytest.raises(ScenarioError, match="examples"):
        parse_scenario(good.replace("examples:", "not_examples:"))
    with pytest.raises(ScenarioError, match="does not match the file name"):
        parse_scenario(good, "other_name")
    with pytest.raises(ScenarioError, match="no pool from signal"):
        parse_scenario(good + "pool: {semantic: 10}\n")
    with pytest.raises(ScenarioError, match="between 0 and 1000"):
        parse_scenario(good + "pool: {comention: -1}\n")
    assert parse_scenario(good + "pool: {neighbours: 30}\n").pool == {**DEFAULT_POOL, "neighbours": 30}
    (tmp_path / "broken.yaml").write_text("name: [")
    with pytest.raises(ScenarioError, match="broken.yaml: broken YAML"):
        load_scenarios(tmp_path)


def test_a_prompt_never_outgrows_its_token_budget() -> None:
    from chatrec.tokens import count_tokens

    lib = PromptLibrary(PROMPTS, budget_tokens=300)
    history = "User: tell me about films. " * 400
    msgs = lib.render("understand", history=history, message="a comedy", scenarios="a: b", domains="movies")
    assert sum(count_tokens(m["content"]) for m in msgs) <= 300
    assert "Latest message: a comedy" in msgs[1]["content"]  # the short variables survive; the longest was cut
    with pytest.raises(PromptError, match="alone exceeds"):
        PromptLibrary(PROMPTS, budget_tokens=20).render("chitchat", language="", domains="", message="")


def test_every_shipped_file_can_be_saved_unchanged_from_the_prompts_tab(tmp_path: Path) -> None:
    """Save checks a file as ``chatrec prompts validate`` does; the shipped lexicon had failed it (its bare ``yes`` is a
    YAML boolean, which only the loader turned back into the word), so no edit of it could be saved."""
    from chatrec.promptfiles import PromptFiles

    files = PromptFiles(PROMPTS, tmp_path)
    for key in files.keys():
        assert files.save(key, files.read(key)), key
    assert "lexicon" in files.keys()
