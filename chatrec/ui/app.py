"""The web chat (Gradio): item cards as soon as they are ranked, then the streamed reply, what
was understood, Like / Not for me on each card, who you are (a person in the demo ratings), the "why these?" chart (:mod:`chatrec.ui.chat`), and a tab to edit
prompts, scenarios and the lexicon (:mod:`chatrec.ui.prompts_tab`).

API endpoints (``gradio_client``): /chat, /feedback_up, /feedback_down, /undo, /retry,
/new_conversation, /prompt_read, /prompt_validate, /prompt_preview, /prompt_save, /prompt_reset.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from chatrec.pipeline.dialogue import ChatRec  # noqa: E402
from chatrec.ui.chat import NOBODY, chat_tab  # noqa: E402
from chatrec.ui.prompts_tab import edit_refusal, prompts_tab  # noqa: E402
from chatrec.ui.views import CSS  # noqa: E402

__all__ = ["CSS", "build_app", "edit_refusal"]


def build_app(bot: ChatRec) -> gr.Blocks:
    with gr.Blocks(title="chatrec", analytics_enabled=False) as app:
        session = gr.State(None)  # a conversation id once "New conversation" is pressed; before that, the page's own
        gr.Markdown("## chatrec\nTell me what you are looking for (movies, books or toys) in English or 中文.")
        with gr.Tab("Chat"):
            user = chat_tab(bot, session)
        with gr.Tab("Prompts"):
            prompts_tab(bot, app)
        # Filled when a page loads, not at build time: fitting the interaction models must not delay start-up.
        app.load(lambda: gr.update(choices=[NOBODY, *bot.known_users()]), None, user, api_name=False)
    return app
