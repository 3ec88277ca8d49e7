"""The web chat (Gradio): item cards as soon as they are ranked, then the streamed reply, what
was understood, feedback, the "why these?" chart, and a tab to edit prompts, scenarios and
the lexicon.

API endpoints (``gradio_client``): /chat, /feedback_up, /feedback_down, /undo, /retry,
/new_conversation, /prompt_read, /prompt_validate, /prompt_preview, /prompt_save, /prompt_reset.
"""

from __future__ import annotations

import html
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import pandas as pd  # noqa: E402

from chatrec.memory import Session, Turn  # noqa: E402
from chatrec.models import Cards, Done, Intent, Recommendation, Reply, Reranked, TextDelta, TurnEvent, Understood  # noqa: E402
from chatrec.pipeline.dialogue import ChatRec  # noqa: E402
from chatrec.present import card_facts  # noqa: E402
from chatrec.promptfiles import kind_of, validate_text  # noqa: E402
from chatrec.prompts import PromptError  # noqa: E402
from chatrec.scenarios import parse_scenario  # noqa: E402
from chatrec.settings import Settings  # noqa: E402

AUTO = "auto"
EXAMPLES = [
    "something light to watch with my kids this weekend, nothing scary",
    "推荐一部九十年代的爱情电影",
    "给我妈妈挑一本生日礼物书",
    "a board game for a 6 year old under £20",
]
SAMPLE = Session(
    id="preview", turns=[Turn(role="user", text="a funny film for tonight"), Turn(role="assistant", text="How about a comedy?")]
)
CSS = """
.chatrec-card {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin: 6px 0;}
.chatrec-domain {font-size: 0.8em; opacity: 0.7; margin-left: 6px;}
.chatrec-note {font-size: 0.85em; opacity: 0.8; margin: 2px 0;}
"""


def understood(intent: Intent | None, bot: ChatRec) -> str:
    """'Family movie night · movies · no Horror · 1990–1999': what chatrec took the message to mean."""
    if intent is None:
        return ""
    chips = [bot.scenarios[intent.scenario].title] if intent.scenario in bot.scenarios else []
    chips += [intent.domain] if intent.domain else []
    chips += intent.constraints.describe()
    return "**Understood:** " + " · ".join(chips) if chips else ""


RERANKED_NOTE = "<p class='chatrec-note' id='chatrec-reranked'>Reordered by the language model.</p>"


def cards(items: list[Recommendation], note: str = "") -> str:
    if not items:
        return ""
    out = [note] if note else []
    for n, r in enumerate(items, start=1):
        facts = card_facts(r.item)
        out.append(
            f"<div class='chatrec-card' data-item-id='{html.escape(r.item_id)}'><b>{n}. {html.escape(r.title)}</b>"
            f"<span class='chatrec-domain'>{html.escape(r.domain)}</span><br>"
            f"<small>{html.escape(' · '.join(facts))}</small><br><i>{html.escape(r.reason)}</i></div>"
        )
    return "\n".join(out)


def signal_frame(items: list[Recommendation]) -> pd.DataFrame:
    """One row per (item, signal): each signal's weighted contribution to the item's score."""
    rows = [
        {"item": f"{n}. {r.title[:28]}", "signal": signal, "contribution": value}
        for n, r in enumerate(items, start=1)
        for signal, value in r.signals.items()
    ]
    return pd.DataFrame(rows, columns=["item", "signal", "contribution"])


def item_choices(items: list[Recommendation]) -> list[tuple[str, str]]:
    return [(f"{n}. {r.title}", r.item_id) for n, r in enumerate(items, start=1)]


def status_line(reply: Reply, seconds: float) -> str:
    """The notices of a reply, or how long it took and where the time went."""
    if reply.notices:
        return " ".join(reply.notices)
    cards_s = reply.timings.get("cards")
    return f"answered in {seconds:.0f}s" + (f" (cards after {cards_s:.1f}s)" if cards_s is not None else "")


def history_of(bot: ChatRec, session_id: str) -> list[dict[str, str]]:
    return [{"role": t.role, "content": t.text} for t in bot.session(session_id).turns]


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def edit_refusal(settings: Settings, request: gr.Request | None) -> str | None:
    """Why this caller may not change prompts, or None if they may.

    With an admin login configured, only that login edits; without one, editing is allowed
    only while the app listens on loopback (a single local user)."""
    if settings.admin_username and settings.admin_password:
        user = getattr(request, "username", None)
        return None if user == settings.admin_username else "prompt editing needs the admin login"
    if settings.host not in LOOPBACK:
        return "prompt editing is disabled on an exposed app until CHATREC_ADMIN_USERNAME/PASSWORD are set"
    return None


def build_app(bot: ChatRec) -> gr.Blocks:
    domains = [AUTO, *bot.domains]
    scenarios = [(AUTO, AUTO), *((f"{s.title} ({s.domain})", s.name) for s in bot.scenarios.values())]

    def pick(value: str | None) -> str | None:
        return None if value in (None, "", AUTO) else value

    def panel(session_id: str, status: str) -> tuple[Any, ...]:
        reply = bot.last_reply(session_id)
        items = reply.items if reply else []
        return (cards(items), understood(reply.intent if reply else None, bot), status, signal_frame(items),
                gr.update(choices=item_choices(items), value=None))  # fmt: skip

    def run(events: Iterator[TurnEvent], history: list[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
        """The turn on screen as it happens: cards first, then the words."""
        started = time.monotonic()
        history = [*history, {"role": "assistant", "content": ""}]
        shown, seen, note = "", "", ""
        yield history, shown, seen, "reading your request…", signal_frame([]), gr.update(choices=[], value=None)
        for event in events:
            elapsed = f"{time.monotonic() - started:.0f}s"
            if isinstance(event, Understood):
                seen = understood(event.intent, bot)
                yield history, shown, seen, "finding…", gr.update(), gr.update()
            elif isinstance(event, Cards | Reranked):
                note = RERANKED_NOTE if isinstance(event, Reranked) else ""
                shown = cards(event.items, note)
                stage = "ranking with the language model…" if isinstance(event, Cards) and event.rerank_pending else "writing…"
                yield (history, shown, seen, f"{stage} {elapsed}", signal_frame(event.items),
                       gr.update(choices=item_choices(event.items), value=None))  # fmt: skip
            elif isinstance(event, TextDelta):
                history[-1]["content"] += event.text
                yield history, shown, seen, f"writing… {elapsed}", gr.update(), gr.update()
            elif isinstance(event, Done):
                reply = event.reply
                yield (history, cards(reply.items, note), understood(reply.intent, bot), status_line(reply, time.monotonic() - started),
                       signal_frame(reply.items), gr.update(choices=item_choices(reply.items), value=None))  # fmt: skip

    def chat(message: str, history: list[dict[str, Any]], domain: str, scenario: str, session_id: str) -> Iterator[tuple[Any, ...]]:
        history = [*history, {"role": "user", "content": message}]
        yield from run(bot.events(message, session_id, domain=pick(domain), scenario=pick(scenario)), history)

    def retry(domain: str, scenario: str, session_id: str) -> Iterator[tuple[Any, ...]]:
        message = bot.retry_message(session_id)
        if message is None:
            yield ([], *panel(session_id, "nothing to retry"))
            return
        history = [*history_of(bot, session_id), {"role": "user", "content": message}]
        yield from run(bot.events(message, session_id, domain=pick(domain), scenario=pick(scenario)), history)

    def undo(session_id: str) -> tuple[Any, ...]:
        done = bot.undo(session_id)
        return (history_of(bot, session_id), *panel(session_id, "last turn undone" if done else "nothing to undo"))

    def feedback(item_id: str | None, liked: bool, session_id: str) -> str:
        if not item_id:
            return "pick an item first"
        bot.feedback(session_id, item_id, liked)
        title = bot.session(session_id).titles.get(item_id, item_id)
        return f"noted: you {'like' if liked else 'do not want'} {title}"

    def thumbs_up(item_id: str | None, session_id: str) -> str:
        return feedback(item_id, True, session_id)

    def thumbs_down(item_id: str | None, session_id: str) -> str:
        return feedback(item_id, False, session_id)

    def reply_feedback(data: gr.LikeData, session_id: str) -> str:
        """A thumb on a whole reply applies to every item that reply recommended."""
        reply = bot.last_reply(session_id)
        for r in reply.items if reply else []:
            bot.feedback(session_id, r.item_id, bool(data.liked))
        return f"noted: {'liked' if data.liked else 'disliked'} the last recommendations"

    def new_conversation(session_id: str) -> tuple[Any, ...]:
        bot.reset(session_id)
        new_id = str(uuid.uuid4())
        return ([], *panel(new_id, "new conversation"), new_id)

    # ---- prompt editing --------------------------------------------------------------
    def prompt_read(key: str) -> tuple[str, str]:
        try:
            files = {f.key: f for f in bot.files.list()}
            state = "edited" if files[key].overridden and files[key].shipped else "added" if files[key].overridden else "shipped"
            return bot.files.read(key), f"{key}: {state} version"
        except (PromptError, KeyError) as e:
            return "", f"⚠️ {e}"

    def prompt_validate(key: str, text: str) -> str:
        try:
            return f"✅ {validate_text(key, text)}"
        except PromptError as e:
            return f"❌ not valid: {e}"

    def prompt_preview(key: str, text: str) -> str:
        """The file as chatrec would use it, on a sample conversation."""
        try:
            validate_text(key, text)
            kind = kind_of(key)
            if kind == "scenario":
                s = parse_scenario(text, key.split("/", 1)[1])
                return f"{s.title} ({s.domain})\nconstraints: {', '.join(s.constraints.describe()) or 'none'}\nweights: {s.weights}"
            if kind == "lexicon":
                import yaml

                from chatrec.pipeline.parse import Lexicon

                lex = Lexicon(yaml.safe_load(text))
                return "\n".join(f"{m!r} → {lex.parse(m).model_dump(exclude_defaults=True)}" for m in EXAMPLES)
            from chatrec.prompts import render_spec, validate_prompt

            spec = validate_prompt(key, text)
            sample = {"history": SAMPLE.history(400), "message": EXAMPLES[0], "domains": ", ".join(bot.domains),
                      "scenarios": "\n".join(f"  {s.name}: {s.description}" for s in bot.scenarios.values()),
                      "request": EXAMPLES[0], "scenario": "Family movie night", "count": "3", "language": "English",
                      "style": "Be brief.", "candidates": "1. Toy Story (1995) — Animation\n2. Paddington (2014) — Children",
                      "picks": "1. Toy Story — Animation · 1995\n2. Paddington — Children · 2014"}  # fmt: skip
            messages = render_spec(spec, bot.settings.context_tokens, **{v: sample.get(v, f"<{v}>") for v in spec.variables})
            return "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in messages)
        except PromptError as e:
            return f"❌ not valid: {e}"

    def prompt_save(key: str, text: str, request: gr.Request) -> str:
        if refusal := edit_refusal(bot.settings, request):
            return f"❌ not saved: {refusal}"
        try:
            return f"✅ saved: {bot.files.save(key, text)}. It takes effect on the next turn."
        except PromptError as e:
            return f"❌ not saved: {e}"

    def prompt_reset(key: str, request: gr.Request) -> tuple[str, str]:
        if refusal := edit_refusal(bot.settings, request):
            return prompt_read(key)[0], f"❌ not reset: {refusal}"
        bot.files.reset(key)
        text, _ = prompt_read(key)
        return text, f"{key}: back to the shipped version"

    with gr.Blocks(title="chatrec", analytics_enabled=False) as app:
        session = gr.State(lambda: str(uuid.uuid4()))
        gr.Markdown("## chatrec\nTell me what you are looking for (movies, books or toys) in English or 中文.")
        with gr.Tab("Chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="conversation", height=440, elem_id="chatrec-chat")
                    box = gr.Textbox(
                        placeholder="e.g. a light movie for my kids, nothing scary",
                        show_label=False,
                        autofocus=True,
                        elem_id="chatrec-input",
                    )
                    with gr.Row():
                        send = gr.Button("Send", variant="primary", elem_id="chatrec-send")
                        retry_btn = gr.Button("Retry", elem_id="chatrec-retry")
                        undo_btn = gr.Button("Undo", elem_id="chatrec-undo")
                        new = gr.Button("New conversation", elem_id="chatrec-new")
                    with gr.Row():
                        domain = gr.Dropdown(domains, value=AUTO, label="domain", elem_id="chatrec-domain")
                        scenario = gr.Dropdown(scenarios, value=AUTO, label="scenario", elem_id="chatrec-scenario")
                    gr.Examples(EXAMPLES, inputs=box)
                with gr.Column(scale=2):
                    seen = gr.Markdown(elem_id="chatrec-understood")
                    items = gr.HTML(elem_id="chatrec-cards")
                    with gr.Row():
                        item = gr.Dropdown([], label="rate an item", elem_id="chatrec-item")
                        up = gr.Button("Like", elem_id="chatrec-up", min_width=60)
                        down = gr.Button("Not for me", elem_id="chatrec-down", min_width=60)
                    status = gr.Markdown(elem_id="chatrec-status")
                    with gr.Accordion("Why these?", open=False):
                        why = gr.BarPlot(signal_frame([]), x="item", y="contribution", color="signal",
                                         title="each signal's share of the score", elem_id="chatrec-why")  # fmt: skip
        with gr.Tab("Prompts"):
            keys = bot.files.keys()
            with gr.Row():
                key = gr.Dropdown(keys, value=keys[0], label="file", elem_id="chatrec-prompt-key")
                load = gr.Button("Load", elem_id="chatrec-prompt-load")
            editor = gr.Code(language="yaml", label="contents", lines=18, elem_id="chatrec-prompt-editor")
            with gr.Row():
                validate_btn = gr.Button("Validate", elem_id="chatrec-prompt-validate")
                preview_btn = gr.Button("Preview", elem_id="chatrec-prompt-preview")
                save_btn = gr.Button("Save", variant="primary", elem_id="chatrec-prompt-save")
                reset_btn = gr.Button("Reset to shipped", elem_id="chatrec-prompt-reset")
            message = gr.Markdown(elem_id="chatrec-prompt-message")
            preview = gr.Textbox(label="preview (sample conversation)", lines=12, elem_id="chatrec-prompt-preview-text")

        outputs = [chatbot, items, seen, status, why, item]
        box.submit(chat, [box, chatbot, domain, scenario, session], outputs, api_name="chat").then(lambda: "", None, box, api_name=False)
        send.click(chat, [box, chatbot, domain, scenario, session], outputs, api_name=False).then(lambda: "", None, box, api_name=False)
        retry_btn.click(retry, [domain, scenario, session], outputs, api_name="retry")
        undo_btn.click(undo, [session], outputs, api_name="undo")
        new.click(new_conversation, [session], [*outputs, session], api_name="new_conversation")
        up.click(thumbs_up, [item, session], status, api_name="feedback_up")
        down.click(thumbs_down, [item, session], status, api_name="feedback_down")
        chatbot.like(reply_feedback, [session], status, api_name=False)
        key.change(prompt_read, key, [editor, message], api_name=False)
        load.click(prompt_read, key, [editor, message], api_name="prompt_read")
        validate_btn.click(prompt_validate, [key, editor], message, api_name="prompt_validate")
        preview_btn.click(prompt_preview, [key, editor], preview, api_name="prompt_preview")
        save_btn.click(prompt_save, [key, editor], message, api_name="prompt_save")
        reset_btn.click(prompt_reset, key, [editor, message], api_name="prompt_reset")
        app.load(prompt_read, key, [editor, message], api_name=False)
    return app
