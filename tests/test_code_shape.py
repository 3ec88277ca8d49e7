"""The shape the code keeps: lint-clean, no function over 60 lines or 15 branches (ruff's C901 and
PLR0912 at 15, configured in pyproject.toml), so a turn stays readable as the code grows."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_ruff_passes_including_the_branch_limits() -> None:
    ruff = Path(sys.executable).parent / "ruff"
    got = subprocess.run([str(ruff), "check", "chatrec", "tests", "bench"], cwd=ROOT, capture_output=True, text=True)
    assert got.returncode == 0, got.stdout[-3000:]


def test_no_function_in_the_pipeline_runs_over_60_lines() -> None:
    long = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in sorted((ROOT / "chatrec" / "pipeline").glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (node.end_lineno or 0) - node.lineno + 1 > 60
    ]
    assert not long, long
