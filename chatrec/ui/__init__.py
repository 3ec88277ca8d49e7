"""The web chat that ``app.py`` launches.

Start-up is arranged so the slow parts overlap: the catalog is opened, the local model's
server starts loading in a background thread and reads every prompt's static prefix into
its cache, and gradio is imported and launched meanwhile. A turn sent before the model is
up waits for it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import TYPE_CHECKING

from chatrec.settings import Settings, get_settings

if TYPE_CHECKING:
    from chatrec.pipeline.dialogue import ChatRec

log = logging.getLogger(__name__)


def _warm_up(bot: ChatRec) -> None:
    from chatrec.llm.client import LLMError

    started = time.monotonic()
    try:
        bot.warm_up()
    except LLMError as e:  # the chat still works without the model; say so, do not stop
        log.warning("language model unavailable, answering without it: %s", e)
        return
    if bot.llm is not None:
        log.info("language model ready, prompt prefixes cached, in %.1fs", time.monotonic() - started)


def logins(s: Settings) -> list[tuple[str, str]]:
    """Accepted logins: the chat login and the admin login, whichever are configured."""
    pairs = [(s.ui_username, s.ui_password), (s.admin_username, s.admin_password)]
    return [(user, pw.get_secret_value()) for user, pw in pairs if user and pw]


def main(settings: Settings | None = None) -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    started = time.monotonic()
    s = settings or get_settings()
    from chatrec.pipeline.dialogue import ChatRec

    bot = ChatRec(s)
    log.info("catalog ready in %.1fs: %s", time.monotonic() - started, ", ".join(f"{d} {bot.store.count(d)}" for d in bot.domains))  # type: ignore[attr-defined]
    threading.Thread(target=_warm_up, args=(bot,), name="warm-up", daemon=True).start()
    from chatrec.ui.app import CSS, build_app

    # Turns run side by side up to the admission limit; the model gate, sized to the server's slots, paces the model calls.
    app = build_app(bot).queue(default_concurrency_limit=s.max_active_turns)
    auth = logins(s) or None
    app.launch(server_name=s.host, server_port=s.port, show_error=False, prevent_thread_lock=True, auth=auth, css=CSS)
    log.info("web chat at http://%s:%s/ after %.1fs", s.host, s.port, time.monotonic() - started)
    try:
        app.block_thread()
    finally:
        from chatrec.llm.server import stop_all

        stop_all()
