"""IntakeService's own rules on the fakes: one write a filing, idempotent replays by the derived id, the
reporter's token, the access link's rate limit and its release, replies and ratings."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lapor.domain.errors import BadToken, InvalidInput, InvalidTransition, NotFound
from lapor.domain.identifiers import derived_access_token, token_hash
from lapor.domain.lifecycle import Status
from lapor.domain.models import RatingInput, Reply
from lapor.domain.staff_inputs import CloseInput, FollowupInput, ReasonInput, VerifyInput
from lapor.ports import PublicFilter
from lapor.services.casework import CaseworkService
from lapor.services.intake import IntakeService
from tests.fakes import InMemoryTable
from tests.unit.services.conftest import COORDINATOR, DISHUB_OFFICIAL, DISHUB_OPERATOR, new_report

SECRET = b"unit-secret"
VERIFY = VerifyInput(type="complaint", requires_supervision=False, category="pju", agency_id="dishub")


def test_a_filing_is_one_write_with_its_identity_and_token_hash(
    intake: IntakeService, table: InMemoryTable
) -> None:
    submitted = intake.submit(new_report(), lambda report_id: f"token-{report_id}")
    report = submitted.change.after
    assert (report.status, report.version, table.writes) == (Status.SUBMITTED, 1, 1)
    assert table.identities[report.id].name == "Dewi Lestari"
    assert table.tokens[report.id] == token_hash(f"token-{report.id}")
    assert [r["action"] for r in next(iter(table.metric_records.values()))] == ["submit"]


def test_a_replay_with_the_same_derived_id_and_token_answers_the_first_report(
    intake: IntakeService, table: InMemoryTable
) -> None:
    def token_for(report_id: str) -> str:
        return derived_access_token(SECRET, report_id, "key-1")

    first = intake.submit(new_report(), token_for, first_id="LPR-AAAA-BBBB")
    again = intake.submit(new_report(), token_for, first_id="LPR-AAAA-BBBB")
    assert again.change.after.id == first.change.after.id == "LPR-AAAA-BBBB"
    assert again.access_token == first.access_token
    assert list(table.reports) == ["LPR-AAAA-BBBB"]
    assert table.writes == 1


def test_an_id_taken_by_another_request_draws_a_new_one(intake: IntakeService, table: InMemoryTable) -> None:
    intake.submit(new_report(), lambda _id: "someone-else", first_id="LPR-AAAA-BBBB")
    mine = intake.submit(new_report(), lambda _id: "mine", first_id="LPR-AAAA-BBBB")
    assert mine.change.after.id != "LPR-AAAA-BBBB"
    assert len(table.reports) == 2


def test_an_unknown_category_is_refused_and_nothing_is_written(
    intake: IntakeService, table: InMemoryTable
) -> None:
    with pytest.raises(InvalidInput) as refused:
        intake.submit(new_report(category="no-such"), lambda _id: "t")
    assert [p.field for p in refused.value.problems] == ["category"]
    assert table.writes == 0


def test_the_token_opens_the_reporters_view_and_nothing_else(
    intake: IntakeService, file: Callable[..., str], casework: CaseworkService
) -> None:
    report_id = file()
    own = intake.read(report_id, f"token-{report_id}")
    assert own.id == report_id
    for wrong in ("token-LPR-0000-0000", "", None):
        with pytest.raises((BadToken, NotFound)):
            intake.reply(report_id, wrong, Reply(message="Tambahan informasi."))
    with pytest.raises(NotFound):  # not verified yet: not public
        intake.read(report_id, None)
    casework.verify(COORDINATOR, report_id, VERIFY, None)
    assert intake.read(report_id, None).id == report_id
    assert [s.id for s in intake.list_public(PublicFilter(), 20, None).items] == [report_id]


def test_a_reply_completes_a_pending_report_and_reopen_needs_a_closed_one(
    intake: IntakeService, casework: CaseworkService, file: Callable[..., str]
) -> None:
    report_id = file()
    token = f"token-{report_id}"
    casework.suspend(COORDINATOR, report_id, ReasonInput(reason="Mohon lengkapi lokasi."), None)
    completed = intake.reply(report_id, token, Reply(message="Di depan Balai Kota."))
    assert completed.status is Status.SUBMITTED
    with pytest.raises(InvalidTransition):
        intake.reply(report_id, token, Reply(message="Buka lagi.", reopen=True))


def test_a_rating_once_a_closed_report_is_rated(
    intake: IntakeService, casework: CaseworkService, file: Callable[..., str]
) -> None:
    report_id = file()
    token = f"token-{report_id}"
    with pytest.raises(InvalidTransition):
        intake.rate(report_id, token, RatingInput(score=5, resolved=True))
    casework.verify(COORDINATOR, report_id, VERIFY, None)
    casework.follow_up(DISHUB_OPERATOR, report_id, FollowupInput(message="Sedang diperbaiki."), None)
    casework.close(DISHUB_OFFICIAL, report_id, CloseInput(resolution="Lampu sudah menyala."), None)
    rated = intake.rate(report_id, token, RatingInput(score=4, resolved=True, comment="Cepat"))
    assert rated.rating is not None
    assert rated.rating.score == 4
