"""The web chat: streamed replies, item cards with reasons, what chatrec understood, a status line."""

from __future__ import annotations

import html
import logging
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from chatrec.models import Reply  # noqa: E402
from chatrec.pipeline.dialogue import ChatRec  # noqa: E402

log = logging.getLogger(__name__)

EXAMPLES = [
    "something light to watch with my kids this weekend, nothing scary",
    "推荐一部九十年代的爱情电影",
    "给我妈妈挑一本生日礼物书",
    "a board game for a 6 year old under £20",
]


def understood(reply: Reply, bot: ChatRec) -> str:
    """'family movie night · movies · no Horror · 1990–1999': what chatrec took the message to mean."""
    intent = reply.intent
    chips = []
    if intent.scenario and intent.scenario in bot.scenarios:
        chips.append(bot.scenarios[intent.scenario].title)
    if intent.domain:
        chips.append(intent.domain)
    chips += intent.constraints.describe()
    return " · ".join(chips)


def cards(reply: Reply | None) -> str:
    if reply is None or not reply.items:
        return ""
    out = []
    for n, r in enumerate(reply.items, start=1):
        m = r.metadata
        facts = [str(m["year"])] if m.get("year") else []
        facts += [", ".join(m.get("genres", [])[:3])] if m.get("genres") else []
        facts += [", ".join(m.get("authors", [])[:2])] if m.get("authors") else []
        facts += [str(m["price_text"])] if m.get("price_text") else []
        out.append(
            f"<div class='chatrec-card'><b>{n}. {html.escape(r.title)}</b> "
            f"<span class='chatrec-domain'>{html.escape(r.domain)}</span><br>"
            f"<small>{html.escape(' · '.join(facts))}</small><br><i>{html.escape(r.reason)}</i></div>"
        )
    return "\n".join(out)


def build_app(bot: ChatRec) -> gr.Blocks:
    def chat(message: str, history: list[dict[str, Any]], session_id: str) -> Iterator[tuple[Any, ...]]:
        history = [*history, {"role": "user", "content": message}, {"role": "assistant", "content": ""}]
        started = time.monotonic()
        yield history, "", "", "thinking…", session_id
        for chunk in bot.stream(message, session_id):
            history[-1]["content"] += chunk
            yield history, "", "", f"writing… {time.monotonic() - started:.0f}s", session_id
        reply = bot.last_reply(session_id)
        status = " ".join(reply.notices) if reply and reply.notices else f"answered in {time.monotonic() - started:.0f}s"
        yield history, cards(reply), understood(reply, bot) if reply else "", status, session_id

    def new_conversation(session_id: str) -> tuple[Any, ...]:
        bot.reset(session_id)
        return [], "", "", "new conversation", str(uuid.uuid4())

    with gr.Blocks(title="chatrec", analytics_enabled=False) as app:
        session = gr.State(lambda: str(uuid.uuid4()))
        gr.Markdown("## chatrec\nTell me what you are looking for: movies, books or toys, in English or 中文.")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="conversation", height=460)
                box = gr.Textbox(placeholder="e.g. a light movie for my kids, nothing scary", show_label=False, autofocus=True)
                with gr.Row():
                    send = gr.Button("Send", variant="primary")
                    new = gr.Button("New conversation")
                gr.Examples(EXAMPLES, inputs=box)
            with gr.Column(scale=2):
                seen = gr.Markdown(label="understood")
                items = gr.HTML(label="recommendations")
                status = gr.Markdown()
        outputs = [chatbot, items, seen, status, session]
        for trigger in (box.submit, send.click):
            trigger(chat, [box, chatbot, session], outputs, api_name="chat" if trigger == box.submit else False).then(
                lambda: "", None, box, api_name=False
            )
        new.click(new_conversation, [session], outputs, api_name="new_conversation")
    return app
