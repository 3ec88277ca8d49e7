"""The web chat's API, driven with gradio_client (scripted model, real Chroma and embedder)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatrec.catalog.store import ChromaStore
from chatrec.llm.server import free_port
from tests.fakes import ScriptedLLM
from tests.helpers import make_bot

PROMPTS = Path(__file__).parent.parent / "prompts"


@pytest.fixture
def ui(catalog_store: ChromaStore, tmp_path: Path) -> Iterator[tuple[object, object]]:
    from gradio_client import Client

    from chatrec.ui.app import build_app

    prompts = tmp_path / "shipped-prompts"  # edits go to tmp_path / "prompts", the override layer
    shutil.copytree(PROMPTS, prompts)
    llm = ScriptedLLM({"IntentProposal": {"action": "recommend", "scenario": "none", "domain": "any", "query": "", "include": [], "exclude": []}},
                      text="1. Here you are: a pick for tonight.\n2. Another one.\n3. And a third.")  # fmt: skip
    bot = make_bot(catalog_store, llm, tmp_path, prompts_dir=prompts)
    port = free_port()
    app = build_app(bot)
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield bot, Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        app.close()


def test_a_conversation_with_feedback_undo_and_retry(ui: tuple) -> None:  # type: ignore[type-arg]
    bot, client = ui
    history, cards, understood, status, why = client.predict("a comedy film about friendship but no horror", [], "auto", "auto", "", api_name="/chat")
    assert history[-1]["role"] == "assistant" and "Here you are: a pick for tonight." in str(history[-1]["content"])
    assert cards.count("chatrec-card") == 3 and "no Horror" in understood
    reply = bot.last_reply(bot.sessions.session_ids()[-1])
    for n, r in enumerate(reply.items, start=1):  # the chart shows each signal's share of each item's score
        shares = [row[2] for row in why["data"] if row[0].startswith(f"{n}. ")]
        assert shares and abs(sum(shares) - r.score) < 1e-3
    first_ids = [c.split("'")[0] for c in cards.split("data-item-id='")[1:]]
    assert client.predict(first_ids[0], api_name="/feedback_down").startswith("noted: you do not want")
    history, cards2, *_ = client.predict("another comedy film", history, "auto", "auto", "", api_name="/chat")
    assert first_ids[0] not in cards2
    session_id = bot.sessions.session_ids()[-1]  # the client's session
    assert first_ids[0] in bot.session(session_id).rejected
    assert [f["item_id"] for f in bot.sessions.feedback()].count(first_ids[0]) == 1
    turns = len(bot.session(session_id).turns)
    history, *_ = client.predict(api_name="/undo")
    assert len(bot.session(session_id).turns) == turns - 2 and len(history) == turns - 2
    history, cards3, *_ = client.predict("auto", "auto", "", api_name="/retry")
    assert len(bot.session(session_id).turns) == turns - 2  # retry with nothing after the undo point: nothing changes
    history, cards4, understood, *_ = client.predict("a puzzle", [], "toys", "auto", "", api_name="/chat")
    assert "toys" in understood  # the domain picker overrides detection


def test_the_cards_are_on_screen_before_the_words(ui: tuple) -> None:  # type: ignore[type-arg]
    """Each streamed update of /chat as a browser receives it: cards (and the stage) arrive while the reply is still empty."""
    _, client = ui
    def words(update: tuple) -> str:  # type: ignore[type-arg]
        if not isinstance(update[0], list):
            return ""  # this update left the conversation as it was
        content = update[0][-1]["content"]  # gradio 6 sends a message's content as a list of parts
        return "".join(part.get("text", "") for part in content) if isinstance(content, list) else str(content)

    updates = list(client.submit("a comedy film but no horror", [], "auto", "auto", "", api_name="/chat"))
    with_cards = [n for n, u in enumerate(updates) if "chatrec-card" in u[1]]
    with_words = [n for n, u in enumerate(updates) if words(u)]
    assert with_cards and with_words and with_cards[0] < with_words[0]
    assert "writing" in updates[with_cards[0]][3]
    assert updates[-1][1].count("chatrec-card") == 3 and "answered in" in updates[-1][3]


def test_prompt_editing_validates_saves_takes_effect_and_resets(ui: tuple) -> None:  # type: ignore[type-arg]
    bot, client = ui
    text, state = client.predict("chitchat", api_name="/prompt_read")
    assert "You are chatrec" in text and "shipped" in state
    broken = text.replace("{message}", "{message} {secret_env}")
    assert client.predict("chitchat", broken, api_name="/prompt_validate").startswith("❌")
    assert "unknown variable(s) ['secret_env']" in client.predict("chitchat", broken, api_name="/prompt_save")
    assert "You are chatrec" in bot.prompts.get("chitchat").system  # nothing was saved
    assert "[system]" in client.predict("chitchat", text, api_name="/prompt_preview")
    edited = text.replace("in at most two sentences", "in at most two sentences, starting with the word Ahoy")
    assert client.predict("chitchat", edited, api_name="/prompt_save").startswith("✅ saved")
    bot.chat("hello!", "s-edit")
    system = next(m for key, msgs in bot.llm.inner.calls if key == "complete" for m in msgs if m["role"] == "system")
    assert "Ahoy" in system["content"]  # the next turn used the saved template, without a restart
    text, state = client.predict("chitchat", api_name="/prompt_reset")
    assert "Ahoy" not in text and "shipped" in state
    scenario, _ = client.predict("scenarios/date_night", api_name="/prompt_read")
    assert "❌" in client.predict("scenarios/date_night", scenario.replace("domain: movies", ""), api_name="/prompt_save")


def test_prompt_editing_is_reserved_to_the_admin_login(catalog_store: ChromaStore, tmp_path: Path) -> None:
    from gradio_client import Client

    from chatrec.ui import logins
    from chatrec.ui.app import build_app

    bot = make_bot(catalog_store, None, tmp_path, ui_username="guest", ui_password="guest-pw",
                   admin_username="admin", admin_password="admin-pw")  # fmt: skip
    port = free_port()
    app = build_app(bot)
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, auth=logins(bot.settings))
    try:
        text = (PROMPTS / "chitchat.yaml").read_text()
        guest = Client(f"http://127.0.0.1:{port}/", auth=("guest", "guest-pw"), verbose=False)
        assert guest.predict("chitchat", text, api_name="/prompt_save") == "❌ not saved: prompt editing needs the admin login"
        assert "not reset" in guest.predict("chitchat", api_name="/prompt_reset")[1]
        assert not (bot.settings.prompt_overrides / "chitchat.yaml").exists()
        admin = Client(f"http://127.0.0.1:{port}/", auth=("admin", "admin-pw"), verbose=False)
        assert admin.predict("chitchat", text, api_name="/prompt_save").startswith("✅ saved")
        with pytest.raises(Exception):  # noqa: B017 - no login, no app
            Client(f"http://127.0.0.1:{port}/", verbose=False).predict("chitchat", api_name="/prompt_read")
        page = guest.predict("chitchat", api_name="/prompt_read")
        assert "admin-pw" not in str(page) and "guest-pw" not in str(page)
    finally:
        app.close()


def test_an_exposed_app_without_an_admin_login_refuses_prompt_edits(tmp_path: Path) -> None:
    from chatrec.settings import Settings
    from chatrec.ui.app import edit_refusal

    assert edit_refusal(Settings(_env_file=None, host="127.0.0.1"), None) is None  # type: ignore[call-arg]
    assert "disabled on an exposed app" in str(edit_refusal(Settings(_env_file=None, host="0.0.0.0"), None))  # type: ignore[call-arg]


def test_simultaneous_web_sessions_stay_apart(ui: tuple) -> None:  # type: ignore[type-arg]
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    bot, client = ui
    requests = ["a comedy film", "a horror film", "an animated film", "a board game"]

    def talk(message: str) -> str:
        own = Client(client.src, verbose=False)  # one browser tab each: its own session
        history, *_ = own.predict(message, [], "auto", "auto", "", api_name="/chat")
        content = history[0]["content"]
        return content[0]["text"] if isinstance(content, list) else str(content)

    with ThreadPoolExecutor(max_workers=4) as pool:
        asked = list(pool.map(talk, requests))
    assert asked == requests
    firsts = sorted(bot.session(sid).turns[0].text for sid in bot.sessions.session_ids())
    assert firsts == sorted(requests)  # four sessions, each with only its own message


def test_the_page_keeps_one_conversation_from_its_first_turn(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """No state is built by a factory: gradio fills such state from a page-load event, which can arrive after the
    first turn has run, and a Like pressed then went to a new, empty conversation (seen in CI under load)."""
    import gradio as gr

    from chatrec.ui.app import build_app

    app = build_app(make_bot(catalog_store, None, tmp_path))
    states = [b for b in app.blocks.values() if isinstance(b, gr.State)]
    assert states and not [s for s in states if callable(s.value)]


def test_new_conversation_forgets_the_old_one_and_the_next_turn_starts_afresh(ui: tuple) -> None:  # type: ignore[type-arg]
    bot, client = ui
    client.predict("a comedy film", [], "auto", "auto", "", api_name="/chat")
    client.predict(api_name="/new_conversation")
    history, *_ = client.predict("a board game", [], "auto", "auto", "", api_name="/chat")
    assert len(history) == 2  # the new conversation holds only its own turn
    firsts = sorted(bot.session(sid).turns[0].text for sid in bot.sessions.session_ids() if bot.session(sid).turns)
    assert firsts == ["a board game"]
