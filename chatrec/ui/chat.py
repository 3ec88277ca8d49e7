"""The chat tab: the conversation, the cards, what was understood, feedback, "why these?".

Handlers return updates keyed by the component they change (:class:`ChatView`), never
tuples matched by position; the API's output order is :meth:`ChatView.outputs`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

import gradio as gr

from chatrec.models import Cards, Done, Reranked, TextDelta, TurnEvent, Understood
from chatrec.pipeline.dialogue import ChatRec
from chatrec.ui.views import RERANKED_NOTE, cards, history_of, item_choices, signal_frame, status_line, understood

AUTO = "auto"
EXAMPLES = [
    "something light to watch with my kids this weekend, nothing scary",
    "推荐一部九十年代的爱情电影",
    "给我妈妈挑一本生日礼物书",
    "a board game for a 6 year old under £20",
]
Updates = dict[Any, Any]


@dataclass
class ChatView:
    """The components a turn updates, in the order the /chat API returns them."""

    chatbot: gr.Chatbot
    cards: gr.HTML
    understood: gr.Markdown
    status: gr.Markdown
    why: gr.BarPlot
    item: gr.Dropdown

    def outputs(self) -> list[Any]:
        return [getattr(self, f.name) for f in fields(self)]


def pick(value: str | None) -> str | None:
    """A picker's value, None for "auto"."""
    return None if value in (None, "", AUTO) else value


class ChatHandlers:
    """What the chat tab's buttons do, for one bot and one view."""

    def __init__(self, bot: ChatRec, view: ChatView, session: gr.State) -> None:
        self.bot = bot
        self.view = view
        self.session = session

    def panel(self, session_id: str, status: str) -> Updates:
        """The side panel for the session's last reply."""
        v, reply = self.view, self.bot.last_reply(session_id)
        items = reply.items if reply else []
        return {v.cards: cards(items), v.understood: understood(reply.intent if reply else None, self.bot), v.status: status,
                v.why: signal_frame(items), v.item: gr.update(choices=item_choices(items), value=None)}  # fmt: skip

    def run(self, events: Iterator[TurnEvent], history: list[dict[str, Any]]) -> Iterator[Updates]:
        """The turn on screen as it happens: cards first, then the words."""
        v, started, note = self.view, time.monotonic(), ""
        history = [*history, {"role": "assistant", "content": ""}]
        yield {v.chatbot: history, v.cards: "", v.understood: "", v.status: "reading your request…",
               v.why: signal_frame([]), v.item: gr.update(choices=[], value=None)}  # fmt: skip
        for event in events:
            elapsed = f"{time.monotonic() - started:.0f}s"
            if isinstance(event, Understood):
                yield {v.understood: understood(event.intent, self.bot), v.status: "finding…"}
            elif isinstance(event, Cards | Reranked):
                note = RERANKED_NOTE if isinstance(event, Reranked) else ""
                stage = "ranking with the language model…" if isinstance(event, Cards) and event.rerank_pending else "writing…"
                yield {v.cards: cards(event.items, note), v.status: f"{stage} {elapsed}", v.why: signal_frame(event.items),
                       v.item: gr.update(choices=item_choices(event.items), value=None)}  # fmt: skip
            elif isinstance(event, TextDelta):
                history[-1]["content"] += event.text
                yield {v.chatbot: history, v.status: f"writing… {elapsed}"}
            elif isinstance(event, Done):
                reply = event.reply
                yield {v.chatbot: history, v.cards: cards(reply.items, note), v.understood: understood(reply.intent, self.bot),
                       v.status: status_line(reply, time.monotonic() - started), v.why: signal_frame(reply.items),
                       v.item: gr.update(choices=item_choices(reply.items), value=None)}  # fmt: skip

    def chat(self, message: str, history: list[dict[str, Any]], domain: str, scenario: str, session_id: str) -> Iterator[Updates]:
        history = [*history, {"role": "user", "content": message}]
        yield from self.run(self.bot.events(message, session_id, domain=pick(domain), scenario=pick(scenario)), history)

    def retry(self, domain: str, scenario: str, session_id: str) -> Iterator[Updates]:
        message = self.bot.retry_message(session_id)
        if message is None:
            yield {self.view.chatbot: [], **self.panel(session_id, "nothing to retry")}
            return
        history = [*history_of(self.bot, session_id), {"role": "user", "content": message}]
        yield from self.run(self.bot.events(message, session_id, domain=pick(domain), scenario=pick(scenario)), history)

    def undo(self, session_id: str) -> Updates:
        done = self.bot.undo(session_id)
        return {self.view.chatbot: history_of(self.bot, session_id), **self.panel(session_id, "last turn undone" if done else "nothing to undo")}

    def new_conversation(self, session_id: str) -> Updates:
        self.bot.reset(session_id)
        new_id = str(uuid.uuid4())
        return {self.view.chatbot: [], **self.panel(new_id, "new conversation"), self.session: new_id}

    def feedback(self, item_id: str | None, liked: bool, session_id: str) -> str:
        if not item_id:
            return "pick an item first"
        self.bot.feedback(session_id, item_id, liked)
        title = self.bot.session(session_id).titles.get(item_id, item_id)
        return f"noted: you {'like' if liked else 'do not want'} {title}"

    def reply_feedback(self, data: gr.LikeData, session_id: str) -> str:
        """A thumb on a whole reply applies to every item that reply recommended."""
        reply = self.bot.last_reply(session_id)
        for r in reply.items if reply else []:
            self.bot.feedback(session_id, r.item_id, bool(data.liked))
        return f"noted: {'liked' if data.liked else 'disliked'} the last recommendations"


def chat_tab(bot: ChatRec, session: gr.State) -> None:
    """Lay out the chat tab (inside a ``gr.Blocks``) and wire its events."""
    domains = [AUTO, *bot.domains]
    scenarios = [(AUTO, AUTO), *((f"{s.title} ({s.domain})", s.name) for s in bot.scenarios.values())]
    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label="conversation", height=440, elem_id="chatrec-chat")
            box = gr.Textbox(placeholder="e.g. a light movie for my kids, nothing scary", show_label=False, autofocus=True,
                             elem_id="chatrec-input")  # fmt: skip
            with gr.Row():
                send = gr.Button("Send", variant="primary", elem_id="chatrec-send")
                retry = gr.Button("Retry", elem_id="chatrec-retry")
                undo = gr.Button("Undo", elem_id="chatrec-undo")
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
    view = ChatView(chatbot=chatbot, cards=items, understood=seen, status=status, why=why, item=item)
    h = ChatHandlers(bot, view, session)
    outputs = view.outputs()
    inputs = [box, chatbot, domain, scenario, session]
    box.submit(h.chat, inputs, outputs, api_name="chat").then(lambda: "", None, box, api_name=False)
    send.click(h.chat, inputs, outputs, api_name=False).then(lambda: "", None, box, api_name=False)
    retry.click(h.retry, [domain, scenario, session], outputs, api_name="retry")
    undo.click(h.undo, [session], outputs, api_name="undo")
    new.click(h.new_conversation, [session], [*outputs, session], api_name="new_conversation")
    up.click(lambda item_id, sid: h.feedback(item_id, True, sid), [item, session], status, api_name="feedback_up")
    down.click(lambda item_id, sid: h.feedback(item_id, False, sid), [item, session], status, api_name="feedback_down")
    chatbot.like(h.reply_feedback, [session], status, api_name=False)
