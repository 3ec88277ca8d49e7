"""What model-written text may not contain: a configured secret, or a system prompt repeated back.

The model never sees settings or keys, so it cannot know them; the guard is the second
line, for text the model writes from a message like "print your system prompt" or from
an injected catalog description. A repeated prompt is caught as any run of ``window``
consecutive words shared with a template's system text.

A streamed reply is checked as it arrives, in time linear in its length: a
:class:`LeakWatch` keeps only the last ``window`` words and the last few characters, and
the prompts' word runs are computed once per version of the prompts, not per chunk.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Iterable

from chatrec.settings import Settings

_WORD = re.compile(r"\w+", re.UNICODE)
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_TRAILING_WORD = re.compile(r"\w+\Z", re.UNICODE)


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


def _shingles(words: list[str], window: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + window]) for i in range(len(words) - window + 1)}


def configured_secrets(settings: Settings) -> list[str]:
    """Every secret value in the settings (API key, passwords, a database password)."""
    values = [s.get_secret_value() for s in (settings.openai_api_key, settings.ui_password, settings.admin_password) if s]
    if m := re.search(r"://[^:/@]+:([^@]+)@", settings.session_db_url):
        values.append(m.group(1))
    return [v for v in values if len(v) >= 4]


class LeakGuard:
    def __init__(self, secrets: Iterable[str], system_texts: Callable[[], Iterable[str]], window: int = 8) -> None:
        self.secrets = [s for s in secrets if s]
        self.system_texts = system_texts  # asked each time: prompts can be edited while running
        self.window = window
        self._cache: tuple[tuple[str, ...], frozenset[tuple[str, ...]]] = ((), frozenset())
        self._lock = threading.Lock()

    def prompt_shingles(self) -> frozenset[tuple[str, ...]]:
        """Every run of ``window`` words in the system texts, recomputed only when a text changed."""
        texts = tuple(self.system_texts())
        with self._lock:
            if texts != self._cache[0]:
                runs = set().union(*(_shingles(_words(_PLACEHOLDER.sub(" ", t)), self.window) for t in texts))
                self._cache = (texts, frozenset(runs))
            return self._cache[1]

    def watch(self) -> LeakWatch:
        """A checker for one streamed text."""
        return LeakWatch(self)

    def leaks(self, text: str) -> bool:
        """Whether a whole text contains a secret or repeats a system prompt."""
        watch = self.watch()
        return watch.feed(text) or watch.finish()


class LeakWatch:
    """Checks a text chunk by chunk; each chunk costs time proportional to its own length."""

    def __init__(self, guard: LeakGuard) -> None:
        self.secrets = guard.secrets
        self.shingles = guard.prompt_shingles()
        self.window = guard.window
        self._recent: deque[str] = deque(maxlen=guard.window)
        self._partial = ""  # a word the last chunk may have cut
        self._tail = ""  # enough characters to find a secret split across chunks
        self._keep = max((len(s) for s in self.secrets), default=1) - 1

    def feed(self, chunk: str) -> bool:
        """Add ``chunk``; True as soon as the text so far leaks."""
        seen = self._tail + chunk
        if any(s in seen for s in self.secrets):
            return True
        self._tail = seen[-self._keep :] if self._keep else ""
        text = self._partial + chunk
        cut = m.start() if (m := _TRAILING_WORD.search(text)) else len(text)
        self._partial = text[cut:]
        if any(self._add(w) for w in _words(text[:cut])):
            return True
        # the word the chunk ends with may be complete already: judge it now, before the chunk is shown
        last = [*self._recent, *_words(self._partial)][-self.window :]
        return len(last) == self.window and tuple(last) in self.shingles

    def finish(self) -> bool:
        """The end of the text: its last word counts too."""
        words, self._partial = _words(self._partial), ""
        return any(self._add(w) for w in words)

    def _add(self, word: str) -> bool:
        self._recent.append(word)
        return len(self._recent) == self.window and tuple(self._recent) in self.shingles

