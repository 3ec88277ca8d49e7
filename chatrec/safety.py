"""What model-written text may not contain: a configured secret, or a system prompt repeated back.

The model never sees settings or keys, so it cannot know them; the guard is the second
line, for text the model writes from a message like "print your system prompt" or from
an injected catalog description. A repeated prompt is caught as any run of ``window``
consecutive words shared with a template's system text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from chatrec.settings import Settings

_WORD = re.compile(r"\w+", re.UNICODE)


def _shingles(text: str, window: int) -> set[tuple[str, ...]]:
    words = [w.casefold() for w in _WORD.findall(re.sub(r"\{[a-z_]+\}", " ", text))]
    return {tuple(words[i : i + window]) for i in range(len(words) - window + 1)}


def configured_secrets(settings: Settings) -> list[str]:
    """Every secret value in the settings (API key, passwords, a database password)."""
    values = [s.get_secret_value() for s in (settings.openai_api_key, settings.ui_password, settings.admin_password) if s]
    if settings.database_url and (m := re.search(r"://[^:/@]+:([^@]+)@", settings.database_url)):
        values.append(m.group(1))
    return [v for v in values if len(v) >= 4]


class LeakGuard:
    def __init__(self, secrets: Iterable[str], system_texts: Callable[[], Iterable[str]], window: int = 8) -> None:
        self.secrets = [s for s in secrets if s]
        self.system_texts = system_texts  # re-read each time: prompts can be edited while running
        self.window = window

    def leaks(self, text: str) -> bool:
        if any(s in text for s in self.secrets):
            return True
        mine = _shingles(text, self.window)
        return bool(mine) and any(mine & _shingles(t, self.window) for t in self.system_texts())
