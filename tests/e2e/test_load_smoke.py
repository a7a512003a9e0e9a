"""The load test (`bench/load.py`) in small: five seconds of reporters and staff at once on a stack of its
own (a fresh data folder, so that the coordinator's final list must hold exactly the reports filed here),
then a one-second bare-write baseline. Nothing may answer 5xx, and no report may be lost or filed twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bench.load import LoadSettings, run

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.e2e

SMOKE = LoadSettings(seconds=5, reporters=3, staff=2, baseline_seconds=1, timeout=30)


def test_five_seconds_of_load_answer_no_5xx_and_lose_or_duplicate_no_report(tmp_path: Path) -> None:
    outcome = run(SMOKE, tmp_path)
    printout = outcome.render()
    print(printout)  # shown with -s, or when the test fails

    recorders = outcome.recorders
    assert sum(r.count(lambda route, answer: answer.startswith("5")) for r in recorders) == 0, printout
    books = outcome.books
    assert books.first_submissions > 0, printout
    assert len(set(books.ids_answered)) == books.first_submissions, printout
    assert books.retries_agreeing == books.retries, printout
    assert outcome.listing is not None, printout
    assert outcome.listing.complete, printout
    assert sorted(outcome.listing.ids) == sorted(set(books.ids_answered)), printout
    assert outcome.failures() == [], printout
