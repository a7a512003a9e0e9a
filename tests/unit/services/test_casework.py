"""CaseworkService's own rules on the fakes: the order of its checks (scope, role, the body's references,
If-Match), what each action writes, the inbox's scope, and the audited identity read."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lapor.domain.errors import Forbidden, InvalidInput, InvalidTransition, NotFound, VersionConflict
from lapor.domain.lifecycle import Action, Status
from lapor.domain.staff_inputs import CloseInput, FollowupInput, ForwardInput, ReasonInput, VerifyInput
from lapor.services.casework import CaseworkService, StaffQuery
from tests.fakes import InMemoryTable
from tests.unit.services.conftest import (
    COORDINATOR,
    DISHUB_OFFICIAL,
    DISHUB_OPERATOR,
    LEADERSHIP,
    PUTR_OPERATOR,
)

VERIFY = VerifyInput(type="complaint", requires_supervision=False, category="pju", agency_id="dishub")
UNKNOWN_CATEGORY = VerifyInput(
    type="complaint", requires_supervision=False, category="nope", agency_id="dishub"
)
UNKNOWN_AGENCY = ForwardInput(agency_id="no-such-agency")
FilePlease = Callable[..., str]


def disposed(casework: CaseworkService, file: FilePlease) -> str:
    report_id = file()
    casework.verify(COORDINATOR, report_id, VERIFY, None)
    return report_id


# --- the order of the checks: scope (404), role (403), the body's references (422), If-Match (409) --------


def test_another_agencys_operator_gets_not_found_before_the_body_is_read(
    casework: CaseworkService, file: FilePlease, table: InMemoryTable
) -> None:
    report_id = disposed(casework, file)
    writes = table.writes
    with pytest.raises(NotFound):
        casework.forward(PUTR_OPERATOR, report_id, UNKNOWN_AGENCY, None)
    assert table.writes == writes


def test_a_role_that_may_not_act_gets_forbidden_before_the_body_is_read(
    casework: CaseworkService, file: FilePlease, table: InMemoryTable
) -> None:
    waiting = file()
    with pytest.raises(Forbidden):  # leadership sees every report but verifies none
        casework.verify(LEADERSHIP, waiting, UNKNOWN_CATEGORY, None)
    report_id = disposed(casework, file)
    writes = table.writes
    with pytest.raises(Forbidden):  # the assigned agency's operator sees it but may not forward it
        casework.forward(DISHUB_OPERATOR, report_id, UNKNOWN_AGENCY, None)
    assert table.writes == writes


def test_the_coordinator_gets_the_invalid_field_and_nothing_is_written(
    casework: CaseworkService, file: FilePlease, table: InMemoryTable
) -> None:
    report_id = file()
    writes = table.writes
    with pytest.raises(InvalidInput) as refused:
        casework.verify(COORDINATOR, report_id, UNKNOWN_CATEGORY, None)
    assert [p.field for p in refused.value.problems] == ["category"]
    with pytest.raises(InvalidInput) as refused:
        casework.verify(COORDINATOR, report_id, UNKNOWN_CATEGORY, '"99"')  # stale too: the body comes first
    assert [p.field for p in refused.value.problems] == ["category"]
    assert table.writes == writes
    assert table.reports[report_id].status is Status.SUBMITTED


def test_if_match_a_stale_version_is_a_conflict_the_current_one_applies(
    casework: CaseworkService, file: FilePlease, table: InMemoryTable
) -> None:
    report_id = file()
    with pytest.raises(VersionConflict):
        casework.verify(COORDINATOR, report_id, VERIFY, '"7"')
    with pytest.raises(InvalidInput) as unreadable:
        casework.verify(COORDINATOR, report_id, VERIFY, "soon")
    assert [p.field for p in unreadable.value.problems] == ["if-match"]
    view = casework.verify(COORDINATOR, report_id, VERIFY, 'W/"1"')
    assert (view.version, view.status, view.agency and view.agency.id) == (2, Status.DISPOSED, "dishub")
    assert table.writes == 2  # the filing and the verification


def test_a_status_the_action_does_not_leave_from_is_an_invalid_transition(
    casework: CaseworkService, file: FilePlease
) -> None:
    report_id = file()
    with pytest.raises(InvalidTransition):
        casework.close(COORDINATOR, report_id, CloseInput(resolution="Selesai ditangani."), None)


# --- what the actions do ---------------------------------------------------------------------------------


def test_follow_up_then_note_then_close(
    casework: CaseworkService, file: FilePlease, table: InMemoryTable
) -> None:
    report_id = disposed(casework, file)
    view = casework.follow_up(DISHUB_OPERATOR, report_id, FollowupInput(message="Petugas ke lokasi."), None)
    assert view.status is Status.IN_PROGRESS
    noted = casework.follow_up(
        DISHUB_OPERATOR, report_id, FollowupInput(message="Butuh tangga.", internal=True), None
    )
    assert noted.status is Status.IN_PROGRESS
    assert noted.version == view.version + 1
    assert [e.action for e in noted.timeline][-1] is Action.NOTE
    with pytest.raises(Forbidden):  # an operator may not close
        casework.close(DISHUB_OPERATOR, report_id, CloseInput(resolution="Lampu sudah diganti."), None)
    closed = casework.close(DISHUB_OFFICIAL, report_id, CloseInput(resolution="Lampu sudah diganti."), None)
    assert closed.status is Status.DONE
    assert [e.action.value for e in table.timelines[report_id]] == [
        "submit",
        "verify",
        "followup",
        "note",
        "close",
    ]


def test_return_sends_it_back_and_the_agency_no_longer_sees_it(
    casework: CaseworkService, file: FilePlease
) -> None:
    report_id = disposed(casework, file)
    back = casework.return_to_coordinator(
        DISHUB_OPERATOR, report_id, ReasonInput(reason="Bukan wewenang kami."), None
    )
    assert (back.status, back.agency) == (Status.SUBMITTED, None)
    with pytest.raises(NotFound):
        casework.read(DISHUB_OPERATOR, report_id)


# --- reads ------------------------------------------------------------------------------------------------


def test_an_agencys_inbox_holds_its_own_reports_whatever_the_filter(
    casework: CaseworkService, file: FilePlease
) -> None:
    ours = disposed(casework, file)
    theirs = file(category="jalan")
    casework.verify(
        COORDINATOR,
        theirs,
        VerifyInput(type="complaint", requires_supervision=False, category="jalan", agency_id="dinas-putr"),
        None,
    )
    asked_for_theirs = StaffQuery(agency_id="dinas-putr")
    assert [s.id for s in casework.inbox(DISHUB_OPERATOR, asked_for_theirs, 20, None).items] == [ours]
    assert {s.id for s in casework.inbox(COORDINATOR, StaffQuery(), 20, None).items} == {ours, theirs}
    assert [s.id for s in casework.inbox(COORDINATOR, asked_for_theirs, 20, None).items] == [theirs]


def test_the_identity_is_read_by_who_may_and_every_read_is_logged(
    casework: CaseworkService, file: FilePlease, table: InMemoryTable
) -> None:
    report_id = disposed(casework, file)
    assert casework.reporter(DISHUB_OPERATOR, report_id, "req-1").name == "Dewi Lestari"
    assert casework.reporter(COORDINATOR, report_id, "req-2").name == "Dewi Lestari"
    with pytest.raises(Forbidden):
        casework.reporter(LEADERSHIP, report_id, "req-3")
    log = casework.access_log(COORDINATOR, report_id)
    assert [(r.actor_role, r.request_id) for r in log] == [("operator", "req-1"), ("coordinator", "req-2")]
    with pytest.raises(Forbidden):
        casework.access_log(DISHUB_OPERATOR, report_id)
    anonymous = file(anonymous=True)
    casework.verify(COORDINATOR, anonymous, VERIFY, None)
    with pytest.raises(Forbidden):  # an anonymous reporter is the coordinator's to know only
        casework.reporter(DISHUB_OPERATOR, anonymous, "req-4")
    assert table.access_log.get(anonymous) is None


def test_privacy_flags_only_tighten_and_tightening_is_its_own_entry(
    casework: CaseworkService, file: FilePlease, table: InMemoryTable
) -> None:
    from lapor.domain.errors import CannotRelaxPrivacy

    chosen = file(anonymous=True)
    relax = VERIFY.model_copy(update={"anonymous": False})
    writes = table.writes
    with pytest.raises(CannotRelaxPrivacy) as refused:
        casework.verify(COORDINATOR, chosen, relax, None)
    assert [p.field for p in refused.value.problems] == ["anonymous"]
    assert table.writes == writes

    plain = file()
    tighten = VERIFY.model_copy(update={"confidential": True, "anonymous": True})
    view = casework.verify(COORDINATOR, plain, tighten, '"1"')
    report = table.reports[plain]
    assert (report.anonymous, report.confidential, report.status) == (True, True, Status.DISPOSED)
    entries = [(e.action.value, e.note) for e in table.timelines[plain]]
    assert entries == [("submit", None), ("privacy_tightened", "anonim, rahasia"), ("verify", None)]
    assert [e.action for e in view.timeline][-2:] == [Action.PRIVACY_TIGHTENED, Action.VERIFY]
    assert view.version == 3


def test_erasure_leaves_a_record_and_a_second_call_changes_nothing(
    casework: CaseworkService, file: FilePlease, table: InMemoryTable
) -> None:
    from lapor.domain.errors import IdentityErased
    from lapor.domain.staff_inputs import ReasonInput

    report_id = disposed(casework, file)
    assert casework.reporter(COORDINATOR, report_id, "req-1").name == "Dewi Lestari"
    reason = ReasonInput(reason="Permintaan pelapor (UU PDP).")
    with pytest.raises(Forbidden):
        casework.erase_identity(DISHUB_OFFICIAL, report_id, reason, None)
    erased = casework.erase_identity(COORDINATOR, report_id, reason, None)
    assert erased.timeline[-1].action is Action.IDENTITY_ERASED
    writes = table.writes
    again = casework.erase_identity(COORDINATOR, report_id, reason, None)
    assert (again.version, table.writes) == (erased.version, writes)
    with pytest.raises(IdentityErased):
        casework.reporter(COORDINATOR, report_id, "req-2")
    assert report_id not in table.tokens
    assert len(casework.access_log(COORDINATOR, report_id)) == 1  # the log stays


def test_a_redaction_rewrites_one_entry_in_the_store_and_adds_a_staff_only_entry(
    casework: CaseworkService, file: FilePlease, table: InMemoryTable
) -> None:
    from lapor.domain.staff_inputs import RedactionInput

    report_id = disposed(casework, file)
    casework.follow_up(DISHUB_OPERATOR, report_id, FollowupInput(message="Dicek oleh Pak Joko."), None)
    with pytest.raises(Forbidden):
        casework.redact(DISHUB_OPERATOR, report_id, RedactionInput(field="entry", seq=3, text="Dicek."), None)
    view = casework.redact(COORDINATOR, report_id, RedactionInput(field="entry", seq=3, text="Dicek."), None)
    stored = table.timelines[report_id]
    assert [(e.seq, e.note, e.redacted) for e in stored if e.seq == 3] == [(3, "Dicek.", True)]
    assert stored[-1].action is Action.REDACT
    assert [e.seq for e in stored] == [1, 2, 3, 4]
    assert view.timeline[2].redacted
    assert view.timeline[-1].action is Action.REDACT
    assert table.reports[report_id].status is Status.IN_PROGRESS
