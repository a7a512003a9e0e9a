"""One contract, two stores: the in-memory fake the service unit tests use (`tests/fakes`) and the DynamoDB
adapter on moto answer every port call the same way. A behaviour the fake gets wrong fails here, not in a
service test that trusted it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from lapor.adapters.dynamodb.attachments import DynamoAttachmentRecords
from lapor.adapters.dynamodb.contacts import DynamoContactBook
from lapor.adapters.dynamodb.deliveries import DynamoDeliveryLog
from lapor.adapters.dynamodb.items import DUE_SHARDS
from lapor.adapters.dynamodb.open311 import DynamoOpen311Store
from lapor.domain.actions import Actor, Change, Command, apply_action, submit
from lapor.domain.attachments import Attachment, AttachmentStatus
from lapor.domain.calendar import WIB, WorkingCalendar, local_date
from lapor.domain.errors import Unparseable, VersionConflict
from lapor.domain.lifecycle import Action, Role
from lapor.domain.models import AgencyRef, CategoryRef, IdentityOnFile, NewReport, Report, ReporterIdentity
from lapor.domain.open311 import ApiKey
from lapor.domain.roster import Decree, Officer
from lapor.domain.sla import policy_in_force
from lapor.ports import IdCollision, IdentityRead, PublicFilter, StaffFilter, StoredSnapshot
from tests.fakes import InMemoryRoster, InMemoryTable

CALENDAR = WorkingCalendar()
START = datetime(2026, 3, 17, 10, tzinfo=WIB)
COORDINATOR = Actor(Role.COORDINATOR, "coord-1")
GIVEN = ReporterIdentity(name="Dewi Lestari", email="dewi@example.id", nik="3202011234569012")
IDENTITY = IdentityOnFile.of(GIVEN, "sealed-nik")
PJU = CategoryRef(code="pju", name="Penerangan jalan umum")
DISHUB = AgencyRef(id="dishub", name="Dinas Perhubungan")
IDS = [f"LPR-TEST-{n:04d}" for n in range(1, 13)]


class DynamoTable(DynamoOpen311Store, DynamoAttachmentRecords, DynamoContactBook, DynamoDeliveryLog):
    """The adapter's classes together: the store every function's wiring builds one part of."""


@pytest.fixture(params=["fake", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield InMemoryTable(due_shards=DUE_SHARDS)
        return
    request.getfixturevalue("aws")
    from lapor.adapters.dynamodb.client import dynamodb_client

    yield DynamoTable(dynamodb_client(), "AppTable")


def filed(report_id: str, at: datetime, title: str = "Lampu PJU padam di Jalan Siliwangi") -> Change:
    new = NewReport.model_validate(
        {
            "type": "complaint",
            "title": title,
            "description": "Sudah tiga malam lampu penerangan jalan umum padam, jalan gelap.",
            "category": "pju",
            "reporter": GIVEN.model_dump(),
        }
    )
    return submit(
        new, report_id=report_id, category=PJU, at=at, calendar=CALENDAR, policy=policy_in_force(at)
    )


def acted(report: Report, action: Action, at: datetime, **updates: Any) -> Change:
    command = Command(action, COORDINATOR, at, note="Catatan.", updates=updates)
    return apply_action(report, command, calendar=CALENDAR, policy=policy_in_force(at))


def create(store: Any, report_id: str, at: datetime, **kwargs: Any) -> Report:
    change = filed(report_id, at, **kwargs)
    store.create(change, IDENTITY, f"hash-{report_id}")
    return change.after


def verify(store: Any, report: Report, at: datetime) -> Report:
    change = acted(report, Action.VERIFY, at, agency=DISHUB)
    store.save(change)
    return change.after


def test_create_get_and_a_taken_id(store: Any) -> None:
    create(store, IDS[0], START)
    plain = store.get(IDS[0])
    assert (plain.report.id, plain.identity, plain.token_hash) == (IDS[0], None, None)
    assert [e.action for e in plain.timeline] == [Action.SUBMIT]
    assert store.get(IDS[0], with_token=True).token_hash == f"hash-{IDS[0]}"
    on_file = store.get(IDS[0], with_identity=True).identity
    assert on_file == IDENTITY
    assert (on_file.nik_masked, on_file.nik_sealed) == ("3202********9012", "sealed-nik")  # never the NIK
    assert store.get(IDS[1]) is None
    with pytest.raises(IdCollision):
        create(store, IDS[0], START)


def test_save_is_conditional_on_the_version(store: Any) -> None:
    report = create(store, IDS[0], START)
    change = acted(report, Action.VERIFY, START + timedelta(hours=1), agency=DISHUB)
    store.save(change)
    with pytest.raises(VersionConflict):
        store.save(change)  # the same change again: its `before` is stale now
    stored = store.get(IDS[0])
    assert stored.report.version == 2
    assert [e.seq for e in stored.timeline] == [1, 2]


def test_staff_lists_order_scope_filters_and_pages(store: Any) -> None:
    reports = [
        create(store, IDS[n], START + timedelta(minutes=n), title=f"Lampu padam nomor {n}") for n in range(5)
    ]
    verify(store, reports[1], START + timedelta(hours=1))
    verify(store, reports[3], START + timedelta(hours=2))
    everything = store.list_staff(StaffFilter(), 20, None)
    assert [s.id for s in everything.items] == [
        IDS[0],
        IDS[2],
        IDS[4],
        IDS[1],
        IDS[3],
    ]  # soonest deadline first
    assert everything.next_cursor is None
    assert [s.id for s in store.list_staff(StaffFilter(agency_id="dishub"), 20, None).items] == [
        IDS[1],
        IDS[3],
    ]
    assert [s.id for s in store.list_staff(StaffFilter(status="SUBMITTED"), 20, None).items] == [
        IDS[0],
        IDS[2],
        IDS[4],
    ]
    assert [s.id for s in store.list_staff(StaffFilter(q="padam nomor 2"), 20, None).items] == [IDS[2]]
    assert [s.id for s in store.list_staff(StaffFilter(q=IDS[3].lower()), 20, None).items] == [IDS[3]]
    after = StaffFilter(
        submitted_from=(START + timedelta(minutes=3)).astimezone(UTC).isoformat(timespec="milliseconds")
    )
    assert [s.id for s in store.list_staff(after, 20, None).items] == [IDS[4], IDS[3]]
    first = store.list_staff(StaffFilter(status="DISPOSED"), 2, None)  # the limit is read, then filtered
    assert [s.id for s in first.items] == []
    assert first.next_cursor is not None
    rest = store.list_staff(StaffFilter(status="DISPOSED"), 20, first.next_cursor)
    assert [s.id for s in rest.items] == [IDS[1], IDS[3]]
    with pytest.raises(Unparseable):
        store.list_staff(StaffFilter(), 20, "not-a-cursor")


def test_the_public_list_is_verified_reports_newest_first(store: Any) -> None:
    reports = [create(store, IDS[n], START + timedelta(minutes=n)) for n in range(3)]
    verify(store, reports[0], START + timedelta(hours=1))
    verify(store, reports[2], START + timedelta(hours=1))
    assert [s.id for s in store.list_public(PublicFilter(), 20, None).items] == [IDS[2], IDS[0]]
    assert [s.id for s in store.list_public(PublicFilter(agency_id="dinkes"), 20, None).items] == []
    ids = store.public_report_ids(START, START + timedelta(days=1), "pju", ["DISPOSED"], 10)
    assert ids == [IDS[2], IDS[0]]
    assert (
        store.updated_public_report_ids(START + timedelta(minutes=30), START + timedelta(days=1), 10) == ids
    )


def test_the_due_index_holds_each_running_report_once_by_its_next_due_instant(store: Any) -> None:
    reports = [create(store, report_id, START) for report_id in IDS]
    due_at = min(r.clocks[next(iter(r.clocks))].remind_at for r in reports)  # type: ignore[type-var]
    seen: list[str] = []
    for shard in range(DUE_SHARDS):
        start = None
        while True:
            page, start = store.due_reports(shard, None, start, 5)
            seen += [r.id for r in page]
            if start is None:
                break
        before, _ = store.due_reports(shard, due_at - timedelta(seconds=1), None, 100)
        assert before == []
    assert sorted(seen) == IDS
    assert sum(len(store.due_reports(shard, due_at, None, 100)[0]) for shard in range(DUE_SHARDS)) == 12


def test_access_links_their_daily_cap_release_and_first_use(store: Any) -> None:
    create(store, IDS[0], START)
    day = START.date()
    assert [store.renew_access(IDS[0], f"link-{n}", day, 3) for n in range(3)] == [True, True, True]
    assert not store.renew_access(IDS[0], "link-3", day, 3)  # the day's three are spent
    store.release_access(IDS[0], "link-2", day)  # it could not be sent: it does not count
    assert store.renew_access(IDS[0], "link-4", day, 3)
    assert store.renew_access(IDS[0], "link-5", day + timedelta(days=1), 3)  # a new day
    stored = store.get(IDS[0], with_token=True)
    assert (stored.token_hash, stored.link_token_hash) == (f"hash-{IDS[0]}", "link-5")
    store.promote_access(IDS[0], "link-4")  # an older, voided link: nothing happens
    store.promote_access(IDS[0], "link-5")
    stored = store.get(IDS[0], with_token=True)
    assert (stored.token_hash, stored.link_token_hash) == ("link-5", None)
    assert not store.renew_access(IDS[1], "x", day, 3)


def test_the_contacts_confirmation_codes_and_delivery_records(store: Any) -> None:
    from lapor.domain.contact import ContactState, IssueResult
    from lapor.domain.delivery import Delivery, DeliveryState
    from lapor.ports import IssuedCode

    report = create(store, IDS[0], START)
    found = store.reporter_contact(IDS[0])
    assert (found.contact.address, found.status.state) == ("dewi@example.id", ContactState.UNCONFIRMED)
    code = IssuedCode("contact-key", START.date(), "nonce-1", "hash-1", START + timedelta(hours=24), 2)
    assert store.issue_code(IDS[0], code) is IssueResult.ISSUED
    assert store.issue_code(IDS[0], code) is IssueResult.REISSUED  # the same request again: not counted
    second = IssuedCode("contact-key", START.date(), "nonce-2", "hash-2", START + timedelta(hours=24), 2)
    assert store.issue_code(IDS[0], second) is IssueResult.ISSUED
    third = IssuedCode("contact-key", START.date(), "nonce-3", "hash-3", START + timedelta(hours=24), 2)
    assert store.issue_code(IDS[0], third) is IssueResult.CAPPED
    status = store.get(IDS[0], with_identity=True).contact
    assert (status.code_hash, status.code_nonce, status.code_attempts) == ("hash-2", "nonce-2", 0)
    assert [store.count_code_attempt(IDS[0], 2) for _ in range(3)] == [True, True, False]
    assert not store.confirm_contact(IDS[0], 2)  # the right code counts as an attempt: void after two
    assert store.confirm_contact(IDS[0], 3)
    assert not store.confirm_contact(IDS[0], 5)  # once
    assert store.issue_code(IDS[0], third) is IssueResult.REFUSED  # confirmed: no more codes
    stored = store.get(IDS[0], with_identity=True)
    assert (stored.report.contact_confirmed, stored.report.version) == (True, 1)
    with pytest.raises(VersionConflict):  # a change computed before the confirmation is stale
        store.save(acted(report, Action.VERIFY, START + timedelta(hours=1), agency=DISHUB))

    record = Delivery(
        key="000001-x", template="x", channel="email", state=DeliveryState.SENDING, at=START, updated_at=START
    )
    assert store.begin(IDS[0], record) is None
    assert store.begin(IDS[0], record) == record  # there already: the retried event finds it
    assert store.settle(IDS[0], "000001-x", DeliveryState.SENT, START, None)
    assert store.settle(IDS[0], "000001-x", DeliveryState.BOUNCED, START, "bounce")
    assert not store.settle(IDS[0], "000001-x", DeliveryState.DELIVERED, START, None)  # never backwards
    assert not store.settle(IDS[0], "nothing", DeliveryState.SENT, START, None)
    [kept] = store.get(IDS[0]).deliveries
    assert (kept.state, kept.reason) == (DeliveryState.BOUNCED, "bounce")
    store.mark_undeliverable(IDS[0], "bounce")
    assert store.reporter_contact(IDS[0]).status.state is ContactState.UNDELIVERABLE
    assert not store.get(IDS[0]).report.contact_confirmed
    assert [store.charge_sms("2026-03", 40, 100) for _ in range(3)] == [True, True, False]


def test_metric_events_identity_reads_snapshots_and_suggestions(store: Any) -> None:
    report = create(store, IDS[0], START)
    assert store.suggest_agency(IDS[0], "dishub")
    assert store.get(IDS[0]).report.suggested_agency_id == "dishub"
    assert store.get(IDS[0]).report.version == 1
    verify(store, report, START + timedelta(hours=1))
    assert not store.suggest_agency(IDS[0], "dinkes")  # verified: no longer waiting
    assert [e["action"] for e in store.metric_events(local_date(START))] == ["submit", "verify"]
    for n in (2, 1):
        read = IdentityRead(START + timedelta(minutes=n), "coordinator", "coord-1", None, f"req-{n}")
        store.log_identity_read(IDS[0], read)
    assert [r.request_id for r in store.identity_reads(IDS[0])] == ["req-1", "req-2"]
    snapshot = StoredSnapshot(date=local_date(START), time=START, document={"city": {"received": 1}})
    store.put_snapshot(snapshot)
    assert store.snapshot(local_date(START)) == snapshot
    assert store.snapshot(local_date(START) + timedelta(days=1)) is None
    day = local_date(START)
    later = StoredSnapshot(
        date=day + timedelta(days=2), time=START, document={}, parts={"tallies": {"city": {"received": 2}}}
    )
    store.put_snapshot(later)
    assert store.snapshots_between(day, day + timedelta(days=2)) == [snapshot, later]
    assert store.snapshots_between(day + timedelta(days=1), day + timedelta(days=5)) == [later]


def test_open311_tokens_and_keys(store: Any) -> None:
    change = filed(IDS[0], START)
    store.file_request(change, None, None, "request-token-hash")
    assert store.report_for_token("request-token-hash") == IDS[0]
    assert store.report_for_token("other") is None
    assert store.get(IDS[0], with_identity=True).identity is None
    key = ApiKey(key_id="K1", name="FixMyStreet", key_hash="h", created_at=START, created_by="coord-1")
    store.put_key(key)
    assert store.api_key("K1") == key
    assert [k.key_id for k in store.api_keys()] == ["K1"]
    assert store.delete_key("K1")
    assert not store.delete_key("K1")
    assert store.api_key("K1") is None


def test_attachment_records_are_conditional_on_their_revision(store: Any) -> None:
    create(store, IDS[0], START)
    record = Attachment(
        id="A1",
        content_type="image/jpeg",
        size=100,
        status=AttachmentStatus.PENDING,
        uploaded_by="reporter",
        created_at=START,
        upload_expires_at=START + timedelta(minutes=15),
    )
    store.store(IDS[0], 0, [record])
    with pytest.raises(VersionConflict):
        store.store(IDS[0], 0, [record])
    assert store.attachments(IDS[0]).revision == 1
    assert [a.id for a in store.get(IDS[0]).attachments.files] == ["A1"]


@pytest.fixture(params=["fake", "dynamodb"])
def roster_store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield InMemoryRoster()
        return
    request.getfixturevalue("aws")
    from lapor.adapters.dynamodb.client import dynamodb_client
    from lapor.adapters.dynamodb.roster import DynamoRoster

    yield DynamoRoster(dynamodb_client(), "AppTable")


def test_the_roster_puts_reads_and_refuses_a_stale_change(roster_store: Any) -> None:
    decree = Decree(number="800/123/Diskominfo/2026", date=date(2026, 1, 5))
    ani = Officer(
        id="sub-ani",
        name="Ani",
        email="ani@sukabumikota.go.id",
        role=Role.OPERATOR,
        agency_id="dishub",
        decree=decree,
    )
    budi = Officer(
        id="sub-budi", name="Budi", email="budi@sukabumikota.go.id", role=Role.COORDINATOR, decree=decree
    )
    audit = {"sk": "AUDIT#2026-12-01T00:00:00.000+00:00#r1", "at": "2026-12-01T00:00:00.000+00:00"}
    roster_store.put_officer(budi, None, audit)
    roster_store.put_officer(ani, None, {**audit, "sk": "AUDIT#2026-12-01T00:00:00.000+00:00#r2"})
    assert roster_store.officers() == [ani, budi]
    assert roster_store.officer("sub-ani") == ani
    assert roster_store.officer("sub-nobody") is None
    with pytest.raises(VersionConflict):  # exists already
        roster_store.put_officer(ani, None, {**audit, "sk": "AUDIT#2026-12-01T00:00:00.000+00:00#r3"})
    inactive = ani.model_copy(update={"active": False})
    roster_store.put_officer(inactive, ani, {**audit, "sk": "AUDIT#2026-12-01T00:00:01.000+00:00#r4"})
    assert roster_store.officer("sub-ani") == inactive
    with pytest.raises(VersionConflict):  # based on what it was before: stale
        roster_store.put_officer(ani, ani, {**audit, "sk": "AUDIT#2026-12-01T00:00:02.000+00:00#r5"})
