"""The lifecycle table and the one function that applies an action."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lapor.domain.errors import AlreadyRated, Forbidden, InvalidTransition, NotFound, ReopenNotAllowed
from lapor.domain.lifecycle import STATUS_LABELS, TRANSITIONS, Action, ClockKind, Role, Status, transition_for
from lapor.domain.models import Rating, Report
from tests.unit.builders import (
    COORDINATOR,
    OFFICIAL,
    OPERATOR,
    PUTR,
    REPORTER,
    SYSTEM,
    Actor,
    act,
    submitted,
    verified,
    wib,
)

DESIGN_TABLE = {
    Action.SUBMIT: ({None}, Status.SUBMITTED),
    Action.VERIFY: ({Status.SUBMITTED}, Status.DISPOSED),
    Action.SUSPEND: ({Status.SUBMITTED}, Status.PENDING),
    Action.COMPLETE: ({Status.PENDING}, Status.SUBMITTED),
    Action.ARCHIVE: ({Status.SUBMITTED, Status.PENDING}, Status.ARCHIVED),
    Action.REFER: ({Status.SUBMITTED}, Status.REFERRED),
    Action.RETURN: ({Status.DISPOSED}, Status.SUBMITTED),
    Action.FORWARD: ({Status.DISPOSED, Status.IN_PROGRESS}, Status.DISPOSED),
    Action.FOLLOWUP: ({Status.DISPOSED, Status.IN_PROGRESS}, Status.IN_PROGRESS),
    Action.REPLY: ({Status.SUBMITTED, Status.DISPOSED, Status.IN_PROGRESS}, None),
    Action.CLOSE: ({Status.IN_PROGRESS}, Status.DONE),
    Action.REOPEN: ({Status.DONE}, Status.IN_PROGRESS),
    Action.RATE: ({Status.DONE}, None),
}


@pytest.mark.parametrize(("action", "expected"), DESIGN_TABLE.items(), ids=[a.value for a in DESIGN_TABLE])
def test_the_table_is_the_designs(action: Action, expected: tuple[set[Status | None], Status | None]) -> None:
    sources, target = expected
    assert TRANSITIONS[action].sources == frozenset(sources)
    assert TRANSITIONS[action].target == target


def test_every_status_has_its_indonesian_label() -> None:
    assert set(STATUS_LABELS) == set(Status)
    assert STATUS_LABELS[Status.DISPOSED] == "Terdisposisi – Belum Ditindaklanjuti"


@pytest.mark.parametrize("status", list(Status))
def test_anything_outside_the_table_is_an_invalid_transition(status: Status) -> None:
    for action, transition in TRANSITIONS.items():
        role = next(iter(transition.roles))
        if status in transition.sources:
            assert transition_for(action, status, role) is transition
        else:
            with pytest.raises(InvalidTransition):
                transition_for(action, status, role)


def test_a_role_that_may_never_act_is_forbidden() -> None:
    with pytest.raises(Forbidden):
        transition_for(Action.VERIFY, Status.SUBMITTED, Role.OPERATOR)
    with pytest.raises(Forbidden):
        transition_for(Action.CLOSE, Status.IN_PROGRESS, Role.OPERATOR)
    with pytest.raises(Forbidden):
        transition_for(Action.FOLLOWUP, Status.DISPOSED, Role.LEADERSHIP)


def test_submit_starts_the_verify_clock() -> None:
    report = submitted(wib(2026, 11, 23, 10))
    assert report.status is Status.SUBMITTED
    assert report.version == 1
    assert set(report.clocks) == {ClockKind.VERIFY}
    assert report.clocks[ClockKind.VERIFY].deadline == wib(2026, 11, 27, 0)


def test_verify_stops_verify_and_starts_respond_and_resolve() -> None:
    report = submitted(wib(2026, 11, 23, 10))
    change = act(report, Action.VERIFY, COORDINATOR, wib(2026, 11, 24, 9), updates={"agency": PUTR})
    after = change.after
    assert after.status is Status.DISPOSED
    assert set(after.clocks) == {ClockKind.RESPOND, ClockKind.RESOLVE}
    assert [s.clock.kind for s in change.stopped] == [ClockKind.VERIFY]
    assert change.stopped[0].on_time
    assert after.clocks[ClockKind.RESPOND].deadline == wib(2026, 12, 2, 0)  # 5 HK
    assert after.clocks[ClockKind.RESOLVE].length == 14
    assert after.version == 2
    assert after.verified_at == wib(2026, 11, 24, 9)
    assert change.entry.seq == 2
    assert change.entry.from_status is Status.SUBMITTED
    assert change.entry.to_status is Status.DISPOSED


@pytest.mark.parametrize(
    ("report_type", "supervision", "length"),
    [
        ("aspiration", False, 5),
        ("information_request", False, 5),
        ("complaint", False, 14),
        ("complaint", True, 60),
    ],
)
def test_resolve_length_follows_the_final_type(report_type: str, supervision: bool, length: int) -> None:
    report = submitted()
    updates = {"agency": PUTR, "type": report_type, "requires_supervision": supervision}
    after = act(report, Action.VERIFY, COORDINATOR, wib(2026, 11, 24, 9), updates=updates).after
    assert after.clocks[ClockKind.RESOLVE].length == length


def test_suspend_runs_the_pending_clock_for_exactly_720_hours() -> None:
    at = wib(2026, 11, 24, 9)
    after = act(submitted(), Action.SUSPEND, COORDINATOR, at, note="Lokasi kurang jelas").after
    assert after.status is Status.PENDING
    assert after.clocks[ClockKind.PENDING].deadline == at + timedelta(hours=720)
    completed = act(after, Action.COMPLETE, REPORTER, wib(2026, 11, 25, 9)).after
    assert completed.status is Status.SUBMITTED
    assert set(completed.clocks) == {ClockKind.VERIFY}


def test_followup_stops_respond_and_starts_auto_close_and_a_reply_stops_it() -> None:
    disposed = verified()
    followed = act(disposed, Action.FOLLOWUP, OPERATOR, wib(2026, 11, 25, 9), note="Sedang ditinjau").after
    assert followed.status is Status.IN_PROGRESS
    assert set(followed.clocks) == {ClockKind.RESOLVE, ClockKind.AUTO_CLOSE}
    replied = act(followed, Action.REPLY, REPORTER, wib(2026, 11, 25, 12), note="Terima kasih").after
    assert replied.status is Status.IN_PROGRESS
    assert set(replied.clocks) == {ClockKind.RESOLVE}


def test_return_goes_back_to_the_coordinator_with_a_new_verify_clock() -> None:
    change = act(verified(), Action.RETURN, OFFICIAL, wib(2026, 11, 25, 9), note="Bukan wewenang")
    assert change.after.status is Status.SUBMITTED
    assert change.after.agency is None
    assert set(change.after.clocks) == {ClockKind.VERIFY}
    assert {s.clock.kind for s in change.stopped} == {ClockKind.RESPOND, ClockKind.RESOLVE}


def test_another_agencys_staff_cannot_act_and_the_report_does_not_exist_for_them() -> None:
    stranger = Actor(Role.OPERATOR, "op-9", "dlh")
    with pytest.raises(NotFound):
        act(verified(), Action.FOLLOWUP, stranger, wib(2026, 11, 25, 9))


def _closed() -> Report:
    followed = act(verified(), Action.FOLLOWUP, OPERATOR, wib(2026, 11, 25, 9)).after
    return act(followed, Action.CLOSE, OFFICIAL, wib(2026, 11, 26, 9), note="Sudah diperbaiki").after


def test_close_stops_every_clock_and_reopen_is_once_within_ten_working_days() -> None:
    closed = _closed()
    assert closed.status is Status.DONE
    assert closed.clocks == {}
    reopened = act(closed, Action.REOPEN, REPORTER, wib(2026, 12, 9, 9)).after
    assert reopened.status is Status.IN_PROGRESS
    assert set(reopened.clocks) == {ClockKind.RESPOND}
    again = act(reopened, Action.FOLLOWUP, OPERATOR, wib(2026, 12, 9, 10)).after
    closed_again = act(again, Action.CLOSE, COORDINATOR, wib(2026, 12, 9, 11)).after
    with pytest.raises(ReopenNotAllowed):
        act(closed_again, Action.REOPEN, REPORTER, wib(2026, 12, 9, 12))


def test_reopen_after_the_window_is_refused() -> None:
    closed = _closed()  # closed Thursday 26 November; 10 HK end on 10 December at 24:00 WIB
    with pytest.raises(ReopenNotAllowed):
        act(closed, Action.REOPEN, REPORTER, wib(2026, 12, 11, 0))
    assert act(closed, Action.REOPEN, REPORTER, wib(2026, 12, 10, 23)).after.reopen_count == 1


def test_a_report_is_rated_once() -> None:
    closed = _closed()
    rating = Rating(score=5, resolved=True, at=wib(2026, 11, 27, 9))
    rated = act(closed, Action.RATE, REPORTER, wib(2026, 11, 27, 9), rating=rating).after
    assert rated.rating == rating
    with pytest.raises(AlreadyRated):
        act(rated, Action.RATE, REPORTER, wib(2026, 11, 27, 10), rating=rating)


def test_rating_an_open_report_is_an_invalid_transition() -> None:
    with pytest.raises(InvalidTransition):
        act(submitted(), Action.RATE, REPORTER, wib(2026, 11, 27, 10))


def test_system_verifies_for_auto_dispose_rules() -> None:
    after = act(submitted(), Action.VERIFY, SYSTEM, wib(2026, 11, 23, 11), updates={"agency": PUTR}).after
    assert after.status is Status.DISPOSED
