"""The prompts tab: every template, scenario and the lexicon, edited, validated, previewed, saved or reset."""

from __future__ import annotations

import gradio as gr

from chatrec.memory import Session, Turn
from chatrec.pipeline.dialogue import ChatRec
from chatrec.promptfiles import kind_of, validate_text
from chatrec.prompts import PromptError
from chatrec.scenarios import parse_scenario
from chatrec.settings import Settings
from chatrec.ui.chat import EXAMPLES

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SAMPLE = Session(
    id="preview", turns=[Turn(role="user", text="a funny film for tonight"), Turn(role="assistant", text="How about a comedy?")]
)


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


class PromptHandlers:
    """What the prompts tab's buttons do."""

    def __init__(self, bot: ChatRec) -> None:
        self.bot = bot

    def read(self, key: str) -> tuple[str, str]:
        try:
            files = {f.key: f for f in self.bot.files.list()}
            state = "edited" if files[key].overridden and files[key].shipped else "added" if files[key].overridden else "shipped"
            return self.bot.files.read(key), f"{key}: {state} version"
        except (PromptError, KeyError) as e:
            return "", f"⚠️ {e}"

    @staticmethod
    def validate(key: str, text: str) -> str:
        try:
            return f"✅ {validate_text(key, text)}"
        except PromptError as e:
            return f"❌ not valid: {e}"

    def preview(self, key: str, text: str) -> str:
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
            return self._rendered(key, text)
        except PromptError as e:
            return f"❌ not valid: {e}"

    def _rendered(self, key: str, text: str) -> str:
        from chatrec.prompts import render_spec, validate_prompt

        bot, spec = self.bot, validate_prompt(key, text)
        sample = {"history": SAMPLE.history(400), "message": EXAMPLES[0], "domains": ", ".join(bot.domains),
                  "scenarios": "\n".join(f"  {s.name}: {s.description}" for s in bot.scenarios.values()),
                  "request": EXAMPLES[0], "scenario": "Family movie night", "count": "3", "language": "English",
                  "style": "Be brief.", "candidates": "1. Toy Story (1995) — Animation\n2. Paddington (2014) — Children",
                  "picks": "1. Toy Story — Animation · 1995\n2. Paddington — Children · 2014"}  # fmt: skip
        messages = render_spec(spec, bot.settings.context_tokens, **{v: sample.get(v, f"<{v}>") for v in spec.variables})
        return "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in messages)

    def save(self, key: str, text: str, request: gr.Request) -> str:
        if refusal := edit_refusal(self.bot.settings, request):
            return f"❌ not saved: {refusal}"
        try:
            return f"✅ saved: {self.bot.files.save(key, text)}. It takes effect on the next turn."
        except PromptError as e:
            return f"❌ not saved: {e}"

    def reset(self, key: str, request: gr.Request) -> tuple[str, str]:
        if refusal := edit_refusal(self.bot.settings, request):
            return self.read(key)[0], f"❌ not reset: {refusal}"
        self.bot.files.reset(key)
        return self.read(key)[0], f"{key}: back to the shipped version"


def prompts_tab(bot: ChatRec, app: gr.Blocks) -> None:
    """Lay out the prompts tab (inside a ``gr.Blocks``) and wire its events."""
    h = PromptHandlers(bot)
    keys = bot.files.keys()
    with gr.Row():
        key = gr.Dropdown(keys, value=keys[0], label="file", elem_id="chatrec-prompt-key")
        load = gr.Button("Load", elem_id="chatrec-prompt-load")
    editor = gr.Code(language="yaml", label="contents", lines=18, elem_id="chatrec-prompt-editor")
    with gr.Row():
        validate = gr.Button("Validate", elem_id="chatrec-prompt-validate")
        preview = gr.Button("Preview", elem_id="chatrec-prompt-preview")
        save = gr.Button("Save", variant="primary", elem_id="chatrec-prompt-save")
        reset = gr.Button("Reset to shipped", elem_id="chatrec-prompt-reset")
    message = gr.Markdown(elem_id="chatrec-prompt-message")
    rendered = gr.Textbox(label="preview (sample conversation)", lines=12, elem_id="chatrec-prompt-preview-text")
    key.change(h.read, key, [editor, message], api_name=False)
    load.click(h.read, key, [editor, message], api_name="prompt_read")
    validate.click(h.validate, [key, editor], message, api_name="prompt_validate")
    preview.click(h.preview, [key, editor], rendered, api_name="prompt_preview")
    save.click(h.save, [key, editor], message, api_name="prompt_save")
    reset.click(h.reset, key, [editor, message], api_name="prompt_reset")
    app.load(h.read, key, [editor, message], api_name=False)
