"""The editable data files (prompt templates, scenario profiles, the lexicon), in two layers.

The shipped files live in ``prompts/``; edits made through the UI or ``chatrec prompts``
are validated and saved to an override folder (``<data_dir>/prompts``) that takes
precedence file by file, so "reset to the shipped default" is deleting the override. A file
that fails validation is never saved; the message says what is wrong.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from chatrec.datafiles import parse_yaml_model
from chatrec.prompts import PromptError, validate_prompt
from chatrec.scenarios import ScenarioError, parse_scenario

Kind = Literal["prompt", "scenario", "lexicon"]
LEXICON = "lexicon"


class PromptFile(BaseModel):
    key: str
    kind: Kind
    overridden: bool
    shipped: bool


def kind_of(key: str) -> Kind:
    if key == LEXICON:
        return "lexicon"
    return "scenario" if key.startswith("scenarios/") else "prompt"


def validate_text(key: str, text: str) -> str:
    """A one-line summary if ``text`` is a valid file for ``key``; raises PromptError otherwise."""
    kind = kind_of(key)
    if kind == "prompt":
        spec = validate_prompt(key, text)
        return f"valid prompt; variables: {', '.join(spec.variables)}"
    if kind == "scenario":
        try:
            scenario = parse_scenario(text, key.split("/", 1)[1])
        except ScenarioError as e:
            raise PromptError(str(e)) from e
        return f"valid scenario {scenario.title!r} for {scenario.domain}"
    from chatrec.pipeline.parse import LexiconData

    data = parse_yaml_model(text, LexiconData, PromptError)
    return f"valid lexicon; domains: {', '.join(data.domains)}"


class PromptFiles:
    def __init__(self, shipped: Path, override: Path) -> None:
        self.shipped = shipped
        self.override = override

    def _rel(self, key: str) -> str:
        if not key or ".." in key or key.startswith("/") or key.count("/") > 1:
            raise PromptError(f"no such prompt file: {key!r}")
        return f"{key}.yaml"

    def resolve(self, key: str) -> Path:
        """The file in effect for ``key``: the override if there is one, else the shipped one."""
        rel = self._rel(key)
        return self.override / rel if (self.override / rel).is_file() else self.shipped / rel

    def keys(self) -> list[str]:
        found: set[str] = set()
        for root in (self.shipped, self.override):
            found |= {p.stem for p in root.glob("*.yaml")}
            found |= {f"scenarios/{p.stem}" for p in (root / "scenarios").glob("*.yaml")}
        return sorted(found, key=lambda k: (kind_of(k) != "prompt", k))

    def list(self) -> list[PromptFile]:
        return [
            PromptFile(
                key=k, kind=kind_of(k), overridden=(self.override / self._rel(k)).is_file(), shipped=(self.shipped / self._rel(k)).is_file()
            )
            for k in self.keys()
        ]

    def read(self, key: str) -> str:
        path = self.resolve(key)
        if not path.is_file():
            raise PromptError(f"no such prompt file: {key!r}")
        return path.read_text(encoding="utf-8")

    def shipped_text(self, key: str) -> str | None:
        path = self.shipped / self._rel(key)
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def save(self, key: str, text: str) -> str:
        """Validate, then write to the override layer; takes effect on the next turn."""
        summary = validate_text(key, text)
        path = self.override / self._rel(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".partial")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        return summary

    def reset(self, key: str) -> None:
        """Back to the shipped file (an override-only file, e.g. a new scenario, is removed)."""
        path = self.override / self._rel(key)
        if path.is_file():
            path.unlink()

    def scenario_paths(self) -> list[Path]:
        return [self.resolve(k) for k in self.keys() if kind_of(k) == "scenario"]

    def version(self) -> tuple[tuple[str, int], ...]:
        """Changes whenever any file in effect changes (for reloading scenarios and the lexicon)."""
        return tuple((str(p), p.stat().st_mtime_ns) for p in (self.resolve(k) for k in self.keys()) if p.is_file())
