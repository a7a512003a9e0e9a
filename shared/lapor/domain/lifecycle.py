"""The report lifecycle as data: statuses, actions, who may take them, and what each does to the clocks.

`TRANSITIONS` is the whole table of the design's lifecycle section; `transition_for` is the one place that
decides whether an action is allowed. Guards that need more than the status (one reopen within the window,
one rating) live in `lapor.domain.actions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from lapor.domain.errors import Forbidden, InvalidTransition


class Status(StrEnum):
    SUBMITTED = "SUBMITTED"
    PENDING = "PENDING"
    DISPOSED = "DISPOSED"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    ARCHIVED = "ARCHIVED"
    REFERRED = "REFERRED"


STATUS_LABELS: Mapping[Status, str] = {
    Status.SUBMITTED: "Belum Terverifikasi",
    Status.PENDING: "Tertunda",
    Status.DISPOSED: "Terdisposisi – Belum Ditindaklanjuti",
    Status.IN_PROGRESS: "Terdisposisi – Sedang Diproses",
    Status.DONE: "Selesai",
    Status.ARCHIVED: "Arsip",
    Status.REFERRED: "Diteruskan",
}


class Action(StrEnum):
    SUBMIT = "submit"
    VERIFY = "verify"
    SUSPEND = "suspend"
    COMPLETE = "complete"
    ARCHIVE = "archive"
    REFER = "refer"
    RETURN = "return"
    FORWARD = "forward"
    FOLLOWUP = "followup"
    NOTE = "note"
    REPLY = "reply"
    REOPEN = "reopen"
    CLOSE = "close"
    RATE = "rate"
    REMIND = "remind"
    BREACH = "breach"
    ESCALATE = "escalate"
    AUTO_CLOSE = "auto_close"
    EXPIRE = "expire"
    DEADLINE_RECOMPUTED = "deadline_recomputed"
    # Personal data (DESIGN.md §2): staff-visible timeline entries that change no status or clock.
    PRIVACY_TIGHTENED = "privacy_tightened"
    IDENTITY_ERASED = "identity_erased"
    REDACT = "redact"


class Role(StrEnum):
    REPORTER = "reporter"
    COORDINATOR = "coordinator"
    OPERATOR = "operator"
    OFFICIAL = "official"
    LEADERSHIP = "leadership"
    SYSTEM = "system"


class ClockKind(StrEnum):
    VERIFY = "verify"
    RESPOND = "respond"
    RESOLVE = "resolve"
    AUTO_CLOSE = "auto_close"
    PENDING = "pending"


# The statuses a running clock belongs to: it stops whenever its report leaves them.
CLOCK_STATUSES: Mapping[ClockKind, frozenset[Status]] = {
    ClockKind.VERIFY: frozenset({Status.SUBMITTED}),
    ClockKind.RESPOND: frozenset({Status.DISPOSED, Status.IN_PROGRESS}),
    ClockKind.RESOLVE: frozenset({Status.DISPOSED, Status.IN_PROGRESS}),
    ClockKind.AUTO_CLOSE: frozenset({Status.IN_PROGRESS}),
    ClockKind.PENDING: frozenset({Status.PENDING}),
}

# The reporter's own actions: their words may name them, so no public view and no event carries them.
REPORTER_WORDS = frozenset({Action.SUBMIT, Action.REPLY, Action.COMPLETE, Action.REOPEN, Action.RATE})
# The only words of staff the public reads (API.md, "Personal data"): a follow-up (not internal) and the
# resolution. A reason for suspend, archive, refer or return, or a system note, stays with staff and reporter.
PUBLIC_WORDS = frozenset({Action.FOLLOWUP, Action.CLOSE})
# Timeline entries only staff read (they record what was done to personal data, never the data).
STAFF_ONLY = frozenset({Action.PRIVACY_TIGHTENED, Action.IDENTITY_ERASED, Action.REDACT})

# Clocks whose breach climbs the escalation ladder; the others act when due.
LADDER_CLOCKS = frozenset({ClockKind.VERIFY, ClockKind.RESPOND, ClockKind.RESOLVE})

_AGENCY = frozenset({Role.OPERATOR, Role.OFFICIAL})
_OPEN: frozenset[Status | None] = frozenset({Status.SUBMITTED, Status.DISPOSED, Status.IN_PROGRESS})
_ANY: frozenset[Status | None] = frozenset(Status)


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status | None]
    target: Status | None  # None: the status does not change
    roles: frozenset[Role]
    starts: tuple[ClockKind, ...] = ()  # started, or restarted when already running
    stops: tuple[ClockKind, ...] = ()  # stopped explicitly (leaving a clock's statuses stops it too)
    assigned_agency_only: bool = False  # operator and official act only on their own agency's reports


def _t(
    action: Action,
    sources: set[Status | None],
    target: Status | None,
    roles: set[Role],
    starts: tuple[ClockKind, ...] = (),
    stops: tuple[ClockKind, ...] = (),
    *,
    agency: bool = False,
) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), starts, stops, agency)


_K = ClockKind
_S = Status
_R = Role

TRANSITIONS: Mapping[Action, Transition] = {
    t.action: t
    for t in (
        _t(Action.SUBMIT, {None}, _S.SUBMITTED, {_R.REPORTER}, starts=(_K.VERIFY,)),
        _t(
            Action.VERIFY,
            {_S.SUBMITTED},
            _S.DISPOSED,
            {_R.COORDINATOR, _R.SYSTEM},
            starts=(_K.RESPOND, _K.RESOLVE),
        ),
        _t(Action.SUSPEND, {_S.SUBMITTED}, _S.PENDING, {_R.COORDINATOR}, starts=(_K.PENDING,)),
        _t(Action.COMPLETE, {_S.PENDING}, _S.SUBMITTED, {_R.REPORTER}, starts=(_K.VERIFY,)),
        _t(Action.ARCHIVE, {_S.SUBMITTED, _S.PENDING}, _S.ARCHIVED, {_R.COORDINATOR}),
        _t(Action.EXPIRE, {_S.PENDING}, _S.ARCHIVED, {_R.SYSTEM}),
        _t(Action.REFER, {_S.SUBMITTED}, _S.REFERRED, {_R.COORDINATOR}),
        _t(Action.RETURN, {_S.DISPOSED}, _S.SUBMITTED, set(_AGENCY), starts=(_K.VERIFY,), agency=True),
        _t(
            Action.FORWARD,
            {_S.DISPOSED, _S.IN_PROGRESS},
            _S.DISPOSED,
            {_R.COORDINATOR},
            starts=(_K.RESPOND, _K.RESOLVE),
            stops=(_K.AUTO_CLOSE,),
        ),
        _t(
            Action.FOLLOWUP,
            {_S.DISPOSED, _S.IN_PROGRESS},
            _S.IN_PROGRESS,
            set(_AGENCY),
            starts=(_K.AUTO_CLOSE,),
            stops=(_K.RESPOND,),
            agency=True,
        ),
        _t(Action.NOTE, {_S.DISPOSED, _S.IN_PROGRESS}, None, set(_AGENCY), agency=True),
        _t(Action.REPLY, set(_OPEN), None, {_R.REPORTER}, stops=(_K.AUTO_CLOSE,)),
        _t(Action.REOPEN, {_S.DONE}, _S.IN_PROGRESS, {_R.REPORTER}, starts=(_K.RESPOND,)),
        _t(Action.CLOSE, {_S.IN_PROGRESS}, _S.DONE, {_R.OFFICIAL, _R.COORDINATOR}, agency=True),
        _t(Action.AUTO_CLOSE, {_S.IN_PROGRESS}, _S.DONE, {_R.SYSTEM}),
        _t(Action.RATE, {_S.DONE}, None, {_R.REPORTER}),
        _t(Action.REMIND, set(_OPEN) | {_S.PENDING}, None, {_R.SYSTEM}),
        _t(Action.BREACH, set(_OPEN), None, {_R.SYSTEM}),
        _t(Action.ESCALATE, set(_OPEN), None, {_R.SYSTEM}),
        _t(Action.DEADLINE_RECOMPUTED, set(_OPEN) | {_S.PENDING}, None, {_R.SYSTEM}),
        _t(Action.PRIVACY_TIGHTENED, set(_ANY), None, {_R.COORDINATOR}),
        _t(Action.IDENTITY_ERASED, set(_ANY), None, {_R.COORDINATOR}),
        _t(Action.REDACT, set(_ANY), None, {_R.COORDINATOR}),
    )
}


def ensure_allowed(action: Action, role: Role) -> None:
    """`Forbidden` (HTTP 403) when the role may never take the action, whatever the report's status."""
    if role not in TRANSITIONS[action].roles:
        raise Forbidden(f"{role} may not {action}")


def transition_for(action: Action, status: Status | None, role: Role) -> Transition:
    """The transition an action takes from a status, or the domain error that refuses it.

    A role that may never take the action is `Forbidden` (HTTP 403); a status the action does not leave
    from is an `InvalidTransition` (HTTP 409).
    """
    ensure_allowed(action, role)
    transition = TRANSITIONS[action]
    if status not in transition.sources:
        raise InvalidTransition(f"{action} is not possible from {status}")
    return transition


def resulting_status(transition: Transition, status: Status | None) -> Status:
    target = transition.target if transition.target is not None else status
    if target is None:  # only `submit` leaves from no status, and it has a target
        raise InvalidTransition(f"{transition.action} needs a report")
    return target
