"""Helpers the tests share (a module of its own, so that every test sees one registry of bots)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from chatrec.catalog.store import ChromaStore
from chatrec.settings import Settings

if TYPE_CHECKING:
    from chatrec.pipeline.dialogue import ChatRec

_BOTS: list["ChatRec"] = []


def make_bot(store: ChromaStore, llm: object, tmp_path: Path, **settings: object) -> "ChatRec":
    """A bot on ``store`` with test settings; closed after the test (see :func:`no_threads_left`)."""
    from chatrec.pipeline.dialogue import ChatRec

    s = Settings(_env_file=None, data_dir=tmp_path, load_demo=False, **settings)  # type: ignore[call-arg, arg-type]
    bot = ChatRec(s, llm=llm, store=store)  # type: ignore[arg-type]
    _BOTS.append(bot)
    return bot


def close_bots() -> None:
    """Close every bot made since the last call (their recovery probes stop)."""
    while _BOTS:
        _BOTS.pop().close()


def enable_rerank(bot: "ChatRec", weight: float = 0.15) -> "ChatRec":
    """Give the model's re-rank weight in every scenario and by default (the shipped files turn it off)."""
    return enable_signal(bot, "llm", weight)


def enable_signal(bot: "ChatRec", signal: str, weight: float) -> "ChatRec":
    """Give ``signal`` weight in every scenario and by default, as a scenario file could."""
    return bot.with_weight(signal, weight)
