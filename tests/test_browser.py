"""The web chat in a real browser (headless Chromium via Playwright) with the real local model
and the demo catalogs. Screenshots go to test-artifacts/screenshots/ (CI lists them)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatrec.llm.client import OpenAIChat
from chatrec.llm.server import MODEL_ALIAS, LocalLLMServer, free_port
from chatrec.settings import Settings

pytestmark = pytest.mark.llm
ROOT = Path(__file__).parent.parent
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WAIT_MS = 240_000
DONE = re.compile(r"answered in|language model")


@pytest.fixture(scope="module")
def live(local_server: LocalLLMServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    from chatrec.pipeline.dialogue import ChatRec
    from chatrec.ui.app import CSS, build_app

    data = tmp_path_factory.mktemp("browser")
    shipped = data / "shipped-prompts"
    shutil.copytree(ROOT / "prompts", shipped)
    settings = Settings(_env_file=None, data_dir=data, prompts_dir=shipped)  # type: ignore[call-arg]
    llm = OpenAIChat(base_url=local_server.ensure_running, api_key="x", model=MODEL_ALIAS, timeout_s=180, local=True)
    bot = ChatRec(settings, llm=llm)  # the demo catalogs, from their shipped vectors
    port = free_port()
    app = build_app(bot)
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, css=CSS)
    try:
        yield f"http://127.0.0.1:{port}/", bot
    finally:
        app.close()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])  # a fresh profile: Playwright makes one  # fmt: skip
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield page
        browser.close()


def send(page, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Type a message, wait for the streamed reply to finish, return the card titles."""
    from playwright.sync_api import expect

    box = page.locator("#chatrec-input textarea")
    box.fill(text)
    box.press("Enter")
    expect(page.locator("#chatrec-status")).to_contain_text(re.compile("reading|finding|ranking|writing"), timeout=30_000)
    expect(page.locator("#chatrec-status")).to_contain_text(DONE, timeout=WAIT_MS)
    return [t.split(". ", 1)[1] for t in page.locator("#chatrec-cards .chatrec-card b").all_inner_texts()]


def assert_chart_shows(page, reply) -> None:  # type: ignore[no-untyped-def]
    """The "why these?" chart's legend names every signal the shown picks rest on, and no other."""
    from playwright.sync_api import expect

    signals = {s for r in reply.items for s in r.signals}
    labels = page.locator("#chatrec-why g.role-legend-label text")
    expect(labels).to_have_count(len(signals), timeout=10_000)  # the legend is redrawn a moment after the bars change
    assert set(labels.evaluate_all("ts => ts.map(t => t.textContent)")) == signals


def test_chat_feedback_and_refinement_in_the_browser(live: tuple, page) -> None:  # type: ignore[no-untyped-def, type-arg]
    from playwright.sync_api import expect

    url, bot = live
    page.goto(url, wait_until="load")
    page.locator("#chatrec-input textarea").wait_for(timeout=60_000)
    first = send(page, "something light to watch with my kids this weekend, nothing scary")
    assert len(first) == 3
    ids = page.locator("#chatrec-cards .chatrec-card").evaluate_all("cards => cards.map(c => c.dataset.itemId)")
    catalog = {it.id: it.title for it in bot.store.get("movies", ids)}
    assert [catalog.get(i) for i in ids] == first  # each card is the catalog item with that id, under its catalog title
    for title in first:  # and the streamed reply lists them
        assert title in page.locator("#chatrec-chat").inner_text()
    expect(page.locator("#chatrec-understood")).to_contain_text("Family movie night")
    expect(page.locator("#chatrec-understood")).to_contain_text("no Horror")
    page.screenshot(path=str(SHOTS / "chat.png"), full_page=True)

    cards = page.locator("#chatrec-cards .chatrec-card")
    assert cards.locator("a[href^='https://www.imdb.com/title/']").count() == 3  # a link where the catalog has an id
    assert page.locator("#chatrec-cards .chatrec-like").count() == 3 and page.locator("#chatrec-cards .chatrec-nope").count() == 3
    page.locator("#chatrec-cards .chatrec-nope").first.click()  # "Not for me" on the first card
    expect(page.locator("#chatrec-status")).to_contain_text(f"do not want {first[0]}", timeout=30_000)
    sid = next(i for i in bot.sessions.session_ids() if bot.session(i).turns and bot.session(i).turns[0].text.startswith("something light"))
    assert bot.session(sid).rejected == [ids[0]]

    assert_chart_shows(page, bot.last_reply(sid))
    second = send(page, "something newer please")
    assert second and first[0] not in second and second != first
    assert_chart_shows(page, bot.last_reply(sid))
    page.screenshot(path=str(SHOTS / "refined.png"), full_page=True)


def test_a_message_sent_while_a_reply_is_written_waits_its_turn(live: tuple, page) -> None:  # type: ignore[no-untyped-def, type-arg]
    """The box clears as a message is sent, so the next can be typed and sent at once: it shows below the reply being
    written and is answered after it (it had been dropped, and the box cleared of it when the first reply ended)."""
    from playwright.sync_api import expect

    url, bot = live
    page.goto(url, wait_until="load")
    box = page.locator("#chatrec-input textarea")
    box.wait_for(timeout=60_000)
    box.fill("a funny film for the whole family")
    box.press("Enter")
    expect(page.locator("#chatrec-status")).to_contain_text(re.compile("reading|finding|ranking|writing"), timeout=30_000)
    expect(box).to_have_value("")
    box.fill("something older please")
    box.press("Enter")
    expect(box).to_have_value("")
    expect(page.locator("#chatrec-chat")).to_contain_text("something older please", timeout=30_000)
    expect(page.locator("#chatrec-status")).to_contain_text(DONE, timeout=WAIT_MS)
    sid = next(i for i in bot.sessions.session_ids() if bot.session(i).turns[0].text == "a funny film for the whole family")
    for _ in range(WAIT_MS // 1000):  # the first reply's "answered" may show before the second turn has ended
        if len(bot.session(sid).turns) == 4:
            break
        page.wait_for_timeout(1000)
    expect(page.locator("#chatrec-status")).to_contain_text(DONE, timeout=WAIT_MS)
    turns = bot.session(sid).turns
    assert [t.role for t in turns] == ["user", "assistant", "user", "assistant"] and turns[2].text == "something older please"
    shown = page.locator("#chatrec-chat").inner_text()
    assert shown.index("a funny film") < shown.index(turns[1].text[:30]) < shown.index("something older") < shown.rindex(turns[3].text[:30])
    assert bot.last_reply(sid).intent.constraints.year_max is not None  # read as a refinement of the first request
    page.screenshot(path=str(SHOTS / "queued.png"), full_page=True)


def test_who_you_are_personalises_and_chinese_shows(live: tuple, page) -> None:  # type: ignore[no-untyped-def, type-arg]
    """Pick a person from the demo ratings: their history drives the collaborative signals. Chinese text renders (CJK fonts)."""
    from playwright.sync_api import expect

    url, bot = live
    page.goto(url, wait_until="load")
    page.locator("#chatrec-user input").click()
    option = page.get_by_role("option", name=re.compile(r"^user \d+ \(movies")).first
    user_id = re.search(r"user (\d+)", option.inner_text()).group(1)  # type: ignore[union-attr]
    option.click()
    send(page, "what should I watch tonight?")
    sid = next(i for i in bot.sessions.session_ids() if bot.session(i).user_id == user_id)
    reply = bot.last_reply(sid)
    assert reply.items and all(r.signals.get("collaborative", 0) > 0 for r in reply.items)
    assert not {r.item_id for r in reply.items} & set(bot.collaborative("movies").history(user_id))  # nothing they rated
    assert_chart_shows(page, reply)
    send(page, "推荐一部九十年代的爱情电影")
    expect(page.locator("#chatrec-understood")).to_contain_text("1990")
    assert_chart_shows(page, bot.last_reply(sid))  # a new turn on other signals redraws the legend (it had kept the first's)
    page.screenshot(path=str(SHOTS / "chinese.png"), full_page=True)


def test_editing_prompts_in_the_browser(live: tuple, page) -> None:  # type: ignore[no-untyped-def, type-arg]
    from playwright.sync_api import expect

    url, bot = live
    page.goto(url, wait_until="load")
    page.get_by_role("tab", name="Prompts").click()

    def open_file(key: str) -> None:
        page.locator("#chatrec-prompt-key input").click()
        page.get_by_role("option", name=key, exact=True).click()
        expect(page.locator("#chatrec-prompt-message")).to_contain_text(key, timeout=30_000)

    def replace_editor(text: str) -> None:
        editor = page.locator("#chatrec-prompt-editor .cm-content")
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.insert_text(text)

    # An invalid template is refused with a message, and nothing changes.
    open_file("explain")
    original = bot.files.read("explain")
    replace_editor(original.replace("{request}", "{request} {api_key}"))
    page.locator("#chatrec-prompt-save").click()
    expect(page.locator("#chatrec-prompt-message")).to_contain_text("not saved", timeout=30_000)
    expect(page.locator("#chatrec-prompt-message")).to_contain_text("api_key")
    page.screenshot(path=str(SHOTS / "prompt-refused.png"), full_page=True)
    assert bot.files.read("explain") == original

    # A valid edit is saved and shapes the next reply: family movie night now also rules out animation.
    open_file("scenarios/family_movie_night")
    scenario = bot.files.read("scenarios/family_movie_night")
    replace_editor(scenario.replace("exclude_genres: [Horror,", "exclude_genres: [Animation, Horror,"))
    page.locator("#chatrec-prompt-save").click()
    expect(page.locator("#chatrec-prompt-message")).to_contain_text("saved", timeout=30_000)
    page.get_by_role("tab", name="Chat").click()
    titles = send(page, "a film to watch with my kids tonight")
    expect(page.locator("#chatrec-understood")).to_contain_text("no Animation")
    sid = next(i for i in bot.sessions.session_ids() if any(t.text == "a film to watch with my kids tonight" for t in bot.session(i).turns))
    reply = bot.last_reply(sid)
    assert [r.title for r in reply.items] == titles and all("Animation" not in r.metadata["genres"] for r in reply.items)
    page.screenshot(path=str(SHOTS / "prompt-edited.png"), full_page=True)
    bot.files.reset("scenarios/family_movie_night")
