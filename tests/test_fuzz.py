"""A seeded slice of the reader fuzzing in ``benchmarks/fuzz.py``, run in every test suite.

The benchmark feeds 100,000 generated hostile inputs to each reader; here every reader
gets a few hundred from a fixed seed, so a regression in any reader (a crash, a file whose
rows do not balance, a control character in a published value, a script in rendered
handbook text) fails the suite with the failing input in hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from fuzz import BATCH, READERS, run_reader

SLICE = {"csv": 2 * BATCH, "xlsx": BATCH}
"""Whole files cost a validation each; the value readers are cheap."""


@pytest.mark.parametrize("reader", READERS)
def test_reader_survives_a_seeded_slice_of_hostile_inputs(reader: str, tmp_path: Path) -> None:
    done, failures = run_reader(reader, SLICE.get(reader, 1000), seed_value=18, keep=tmp_path)
    assert done == SLICE.get(reader, 1000)
    assert not failures, "\n".join(failures[:3])
