"""The chat tab: the conversation, the cards (Like / Not for me on each), who you are, what was understood, "why these?".

Handlers return updates keyed by the component they change (:class:`ChatView`), never
tuples matched by position; the API's output order is :meth:`ChatView.outputs`.
"""

from __future__ import annotations

import collections
import itertools
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from functools import partial
from typing import Any

import gradio as gr

from chatrec.models import Cards, Done, Reranked, TextDelta, TurnEvent, Understood
from chatrec.pipeline.dialogue import ChatRec
from chatrec.ui.views import RERANKED_NOTE, SIGNAL_COLOURS, cards, history_of, legend, on_screen, signal_frame, status_line, understood

AUTO = "auto"
NOBODY = ("nobody in particular", "")
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
    cards: gr.HTML  # every card as one HTML block, for API clients (the screen renders ``shown``)
    understood: gr.Markdown
    status: gr.Markdown
    why: gr.BarPlot
    shown: gr.State  # the cards on screen, each with its Like / Not for me (see :func:`views.on_screen`)

    def outputs(self) -> list[Any]:
        return [getattr(self, f.name) for f in fields(self)]


def pick(value: str | None) -> str | None:
    """A picker's value, None for "auto" or nobody."""
    return None if value in (None, "", AUTO) else value


def redraw(plot: dict[str, Any] | None) -> gr.BarPlot:
    """The "why these?" chart's legend for the picks it now shows. The chart draws only the signals its legend was built
    with, so a turn whose picks rest on other signals (the first on popularity, the next on semantic) must rebuild it;
    a change of legend does. Run on the chart's own change, so the /chat API still returns a plain signal table."""
    column = plot["columns"].index("signal") if plot else 0
    return gr.BarPlot(colors_in_legend=legend({row[column] for row in plot["data"]} if plot else set()))


class ChatHandlers:
    """What the chat tab's buttons do, for one bot and one view."""

    def __init__(self, bot: ChatRec, view: ChatView, session: gr.State) -> None:
        self.bot = bot
        self.view = view
        self.session = session
        self.queued: dict[str, list[str]] = collections.defaultdict(list)  # session → messages waiting for its turn

    def shown(self, history: list[dict[str, Any]], session_id: str) -> list[dict[str, Any]]:
        """The conversation on screen: a turn's, then the messages sent while it is written, which wait for it."""
        return [*history, *({"role": "user", "content": m} for m in self.queued.get(session_id, ()))]

    def panel(self, session_id: str, status: str) -> Updates:
        """The side panel for the session's last reply."""
        v, reply = self.view, self.bot.last_reply(session_id)
        items = reply.items if reply else []
        return {v.cards: cards(items), v.understood: understood(reply.intent if reply else None, self.bot), v.status: status,
                v.why: signal_frame(items), v.shown: on_screen(session_id, items)}  # fmt: skip

    def run(self, events: Iterator[TurnEvent], message: str, session_id: str, before: Callable[[], list[dict[str, Any]]]) -> Iterator[Updates]:
        """``message``'s turn on screen. One sent while the last reply is still being written waits for it (the session
        answers one turn at a time), shown below it, and starts when it is done."""
        if self.bot.turn_running(session_id):
            self.queued[session_id].append(message)
            try:
                yield {self.view.status: "your message waits for the reply before it…"}
                first = next(events, None)  # the session's turn before it is over
            finally:
                self.queued[session_id].remove(message)
                if not self.queued[session_id]:
                    del self.queued[session_id]
            events = itertools.chain([first] if first else [], events)
        yield from self.turn(events, message, session_id, before())

    def turn(self, events: Iterator[TurnEvent], message: str, session_id: str, before: list[dict[str, Any]]) -> Iterator[Updates]:
        """The turn on screen as it happens, after the conversation ``before`` it: cards first, then the words."""
        v, started, note = self.view, time.monotonic(), ""
        history = [*before, {"role": "user", "content": message}, {"role": "assistant", "content": ""}]
        yield {v.chatbot: self.shown(history, session_id), v.cards: "", v.understood: "", v.status: "reading your request…",
               v.why: signal_frame([]), v.shown: on_screen(session_id, [])}  # fmt: skip
        for event in events:
            elapsed = f"{time.monotonic() - started:.0f}s"
            if isinstance(event, Understood):
                yield {v.understood: understood(event.intent, self.bot), v.status: "finding and ranking…"}
            elif isinstance(event, Cards | Reranked):
                note = RERANKED_NOTE if isinstance(event, Reranked) else ""
                stage = "ranking with the language model…" if isinstance(event, Cards) and event.rerank_pending else "writing…"
                yield {v.cards: cards(event.items, note), v.status: f"{stage} {elapsed}", v.why: signal_frame(event.items),
                       v.shown: on_screen(session_id, event.items, note)}  # fmt: skip
            elif isinstance(event, TextDelta):
                history[-1]["content"] += event.text
                yield {v.chatbot: self.shown(history, session_id), v.status: f"writing… {elapsed}"}
            elif isinstance(event, Done):
                reply = event.reply
                yield {v.chatbot: self.shown(history, session_id), v.cards: cards(reply.items, note), v.understood: understood(reply.intent, self.bot),
                       v.status: status_line(reply, time.monotonic() - started), v.why: signal_frame(reply.items),
                       v.shown: on_screen(session_id, reply.items, note)}  # fmt: skip

    def chat(self, message: str, history: list[dict[str, Any]], domain: str, scenario: str, user: str,
             state: str | None, request: gr.Request) -> Iterator[Updates]:  # fmt: skip
        """The /chat API: a turn after the ``history`` its client keeps."""
        session_id = session_of(state, request)
        events = self.bot.events(message, session_id, domain=pick(domain), scenario=pick(scenario), user_id=pick(user))
        yield from self.run(events, message, session_id, lambda: history)

    def send(self, message: str, domain: str, scenario: str, user: str, state: str | None, request: gr.Request) -> Iterator[Updates]:
        """The page's Send: a turn after the conversation as stored when the turn starts."""
        session_id = session_of(state, request)
        events = self.bot.events(message, session_id, domain=pick(domain), scenario=pick(scenario), user_id=pick(user))
        yield from self.run(events, message, session_id, lambda: history_of(self.bot, session_id))

    def retry(self, domain: str, scenario: str, user: str, state: str | None, request: gr.Request) -> Iterator[Updates]:
        session_id = session_of(state, request)
        message = self.bot.retry_message(session_id)
        if message is None:
            yield {self.view.chatbot: [], **self.panel(session_id, "nothing to retry")}
            return
        events = self.bot.events(message, session_id, domain=pick(domain), scenario=pick(scenario), user_id=pick(user))
        yield from self.run(events, message, session_id, lambda: history_of(self.bot, session_id))

    def undo(self, state: str | None, request: gr.Request) -> Updates:
        session_id = session_of(state, request)
        done = self.bot.undo(session_id)
        return {self.view.chatbot: history_of(self.bot, session_id), **self.panel(session_id, "last turn undone" if done else "nothing to undo")}

    def new_conversation(self, state: str | None, request: gr.Request) -> Updates:
        self.bot.reset(session_of(state, request))
        new_id = str(uuid.uuid4())
        return {self.view.chatbot: [], **self.panel(new_id, "new conversation"), self.session: new_id}

    def feedback_up(self, item_id: str | None, state: str | None, request: gr.Request) -> str:
        return feedback(self.bot, session_of(state, request), item_id, True) if item_id else "say which item"

    def feedback_down(self, item_id: str | None, state: str | None, request: gr.Request) -> str:
        return feedback(self.bot, session_of(state, request), item_id, False) if item_id else "say which item"

    def reply_feedback(self, data: gr.LikeData, state: str | None, request: gr.Request) -> str:
        """A thumb on a whole reply applies to every item that reply recommended."""
        session_id = session_of(state, request)
        reply = self.bot.last_reply(session_id)
        for r in reply.items if reply else []:
            self.bot.feedback(session_id, r.item_id, bool(data.liked))
        return f"noted: {'liked' if data.liked else 'disliked'} the last recommendations"


def chat_tab(bot: ChatRec, session: gr.State) -> gr.Dropdown:
    """Lay out the chat tab (inside a ``gr.Blocks``) and wire its events; returns the "you are" picker (filled on page load)."""
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
                user = gr.Dropdown([NOBODY], value="", label="you are (a person in the demo ratings)", elem_id="chatrec-user")
            gr.Examples(EXAMPLES, inputs=box)
        with gr.Column(scale=2):
            status = gr.Markdown(elem_id="chatrec-status")
            seen = gr.Markdown(elem_id="chatrec-understood")
            items = gr.HTML(visible=False, elem_id="chatrec-cards-html")
            shown = gr.State(on_screen("", []))
            with gr.Column(elem_id="chatrec-cards"):
                card_list(bot, shown, status)
            with gr.Accordion("Why these?", open=True):
                why = gr.BarPlot(signal_frame([]), x="item", y="contribution", color="signal", x_label_angle=-20, color_map=SIGNAL_COLOURS,
                                 title="what each pick's score is made of", y_title="share of the score",
                                 elem_id="chatrec-why")  # fmt: skip
    why.change(redraw, why, why, api_name=False, queue=False, show_progress="hidden")
    view = ChatView(chatbot=chatbot, cards=items, understood=seen, status=status, why=why, shown=shown)
    h = ChatHandlers(bot, view, session)
    outputs = view.outputs()
    # The box is cleared as a message is sent, so the next can be typed (and sent: it waits its turn) while this
    # turn's reply is written; each message goes through its own state on the way.
    pending = gr.State("")
    for sent in (box.submit, send.click):
        sent(lambda m: ("", m), box, [box, pending], queue=False, trigger_mode="multiple", api_name=False).then(
            h.send, [pending, domain, scenario, user, session], outputs, trigger_mode="multiple", api_name=False)
    api = gr.Button(visible=False)  # the /chat API, which takes the history its client keeps
    api.click(h.chat, [box, chatbot, domain, scenario, user, session], outputs, api_name="chat")
    retry.click(h.retry, [domain, scenario, user, session], outputs, api_name="retry")
    undo.click(h.undo, [session], outputs, api_name="undo")
    new.click(h.new_conversation, [session], [*outputs, session], api_name="new_conversation")
    item = gr.Textbox(visible=False)  # the API's feedback endpoints take an item id; the screen uses each card's buttons
    up, down = gr.Button(visible=False), gr.Button(visible=False)
    up.click(h.feedback_up, [item, session], status, api_name="feedback_up")
    down.click(h.feedback_down, [item, session], status, api_name="feedback_down")
    chatbot.like(h.reply_feedback, [session], status, api_name=False)
    return user


def card_list(bot: ChatRec, shown: gr.State, status: gr.Markdown) -> None:
    """The cards on screen, re-drawn whenever they change, each with its own Like / Not for me for the session they came from."""

    @gr.render(inputs=[shown], triggers=[shown.change])
    def draw(state: dict[str, Any]) -> None:
        if state["note"]:
            gr.HTML(state["note"])
        for item_id, html_card in state["cards"]:
            with gr.Group(elem_classes="chatrec-slot"):
                gr.HTML(html_card)
                with gr.Row():
                    like = gr.Button("Like", size="sm", elem_classes="chatrec-like")
                    nope = gr.Button("Not for me", size="sm", elem_classes="chatrec-nope")
            like.click(partial(feedback, bot, state["session"], item_id, True), None, status, api_name=False)
            nope.click(partial(feedback, bot, state["session"], item_id, False), None, status, api_name=False)


def session_of(state: str | None, request: gr.Request) -> str:
    """The conversation a page is in: the page's own id, until "New conversation" gives it a fresh one.

    Not a ``gr.State`` built by a factory: gradio sets that from a page-load event, which can land after
    the first turn has already run, so a later click would go to a new, empty conversation. A caller
    with no page (a bare HTTP call) gets a conversation of its own each time.
    """
    return state or request.session_hash or str(uuid.uuid4())


def feedback(bot: ChatRec, session_id: str, item_id: str, liked: bool) -> str:
    """Record a Like / Not for me and say what it does."""
    bot.feedback(session_id, item_id, liked)
    title = bot.session(session_id).titles.get(item_id, item_id)
    return f"noted: you like {title}" if liked else f"noted: you do not want {title}; it will not be suggested again"
