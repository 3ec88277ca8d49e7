"""chatrec: a conversational recommender that runs on a laptop.

``from chatrec import ChatRec`` is the Python chat API; heavy imports happen on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["ChatRec", "Settings", "Reply", "Recommendation", "Intent", "Item"]

if TYPE_CHECKING:
    from chatrec.models import Intent, Item, Recommendation, Reply
    from chatrec.pipeline.dialogue import ChatRec
    from chatrec.settings import Settings


def __getattr__(name: str) -> Any:
    if name == "ChatRec":
        from chatrec.pipeline.dialogue import ChatRec

        return ChatRec
    if name == "Settings":
        from chatrec.settings import Settings

        return Settings
    if name in {"Intent", "Item", "Recommendation", "Reply"}:
        from chatrec import models

        return getattr(models, name)
    raise AttributeError(name)
