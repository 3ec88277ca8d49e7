"""The phrasing set (data/eval/phrasings.yaml, 350+ English and Chinese requests and refinements):
every hard constraint read right, by code alone and with the real model reading along."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatrec.catalog.store import ChromaStore
from chatrec.eval.phrasing import load_cases, run_phrasings
from tests.helpers import make_bot

CASES = load_cases()


def failures(results: list) -> list[str]:  # type: ignore[type-arg]
    return [f"{' → '.join(r.case.turns)}: {'; '.join(r.errors)}" for r in results if not r.passed]


def test_the_set_is_large_and_bilingual() -> None:
    from chatrec.pipeline.parse import is_chinese

    assert len(CASES) >= 300
    assert sum(is_chinese(c.turns[-1]) for c in CASES) >= 80 and sum(len(c.turns) > 1 for c in CASES) >= 40


def test_code_reads_every_case_right(demo_store: ChromaStore, tmp_path: Path) -> None:
    plain = make_bot(demo_store, None, tmp_path)
    report = run_phrasings(plain, CASES)
    assert not failures(report.code_only), "\n".join(failures(report.code_only))


@pytest.mark.llm
def test_refinements_keep_their_constraints_with_the_real_model_reading_too(demo_store: ChromaStore, local_server: object,
                                                                             tmp_path: Path) -> None:  # fmt: skip
    """Every refinement case, twice, read by code and the bundled model together: the model never loses a constraint."""
    from tests.conftest import TEST_MODEL

    plain = make_bot(demo_store, None, tmp_path / "plain")
    modelled = make_bot(demo_store, "default", tmp_path / "model", llm_backend="local", local_model=TEST_MODEL,
                        llm_understand=True)  # fmt: skip
    modelled.sessions = plain.sessions
    refinements = [c for c in CASES if len(c.turns) > 1]
    for _ in range(2):
        report = run_phrasings(plain, refinements, modelled)
        assert sum(r.used_model for r in report.with_model) >= 0.9 * len(refinements)  # the model did read them
        assert not failures(report.with_model), "\n".join(failures(report.with_model))
