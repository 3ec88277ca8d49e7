"""What README and the package declare must be true of the code: settings, commands, endpoints, API names, dependencies."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions, requires
from pathlib import Path

import click
import typer.main
from packaging.requirements import Requirement

from chatrec.catalog.store import ChromaStore
from chatrec.cli import app as cli_app
from chatrec.pipeline.dialogue import ChatRec
from chatrec.settings import Settings
from tests.helpers import make_bot

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "") -> set[str]:
    """Every command path of the CLI ("eval run", "prompts list", …)."""
    out: set[str] = set()
    for name, cmd in group.commands.items():
        out.add(prefix + name)
        if isinstance(cmd, click.Group):
            out |= commands(cmd, f"{prefix}{name} ")
    return out


def test_every_setting_readme_names_exists() -> None:
    named = set(re.findall(r"CHATREC_([A-Z0-9_]+)", README))
    assert named, "README names no settings: the pattern is wrong"
    assert not {n for n in named if n.lower() not in Settings.model_fields}, "README names settings the code lacks"


def test_every_command_readme_runs_exists() -> None:
    cli = typer.main.get_command(cli_app)
    known = commands(cli)  # type: ignore[arg-type]
    used = re.findall(r"(?:^|`|\.venv/bin/)chatrec ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)", README, flags=re.M)
    assert len(used) > 5, "README runs no commands: the pattern is wrong"
    missing = [u for u in used if u not in known and u.split(" ")[0] not in known]
    assert not missing, f"README runs commands the CLI lacks: {missing}"
    groups = {name for name, cmd in cli.commands.items() if isinstance(cmd, click.Group)}  # type: ignore[attr-defined]
    half = [u for u in used if u.split(" ")[0] in groups and u not in known and " " in u]
    assert not half, f"README runs sub-commands a group lacks: {half}"


def test_every_endpoint_readme_lists_is_served(catalog_store: ChromaStore, tmp_path: Path) -> None:
    from chatrec.ui import app as ui_app

    served = {dep.get("api_name") for dep in ui_app.build_app(make_bot(catalog_store, None, tmp_path)).config["dependencies"]}
    table = README[README.index("| endpoint |") :].split("\n\n")[0]
    listed = set(re.findall(r"`/([a-z_]+)`", table))
    assert len(listed) > 5 and not listed - served, f"README lists endpoints the app lacks: {listed - served}"
    docstring = set(re.findall(r"/([a-z_]+)", ui_app.__doc__ or ""))
    assert docstring and not docstring - served, f"chatrec/ui/app.py's docstring names endpoints the app lacks: {docstring - served}"


def test_every_bot_method_readme_calls_exists() -> None:
    called = set(re.findall(r"\bbot\.([a-z_]+)\(", README))
    assert len(called) > 3 and not {c for c in called if not hasattr(ChatRec, c)}


def test_the_shipped_scenarios_are_the_ones_readme_counts() -> None:
    shipped = len(list((ROOT / "prompts" / "scenarios").glob("*.yaml")))
    assert f"Shipped ({shipped})" in README


def test_every_import_is_a_declared_dependency() -> None:
    """A third-party module imported anywhere in chatrec/ belongs to a distribution pyproject.toml declares."""
    declared = {Requirement(r).name.lower().replace("_", "-") for r in requires("chatrec") or [] if 'extra == "dev"' not in r}
    owners = packages_distributions()
    undeclared: dict[str, set[str]] = {}
    for path in (ROOT / "chatrec").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []  # fmt: skip
            for top in {n.split(".")[0] for n in names} - set(sys.stdlib_module_names) - {"chatrec"}:
                dists = {d.lower().replace("_", "-") for d in owners.get(top, [top])}
                if not dists & declared:
                    undeclared.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"
