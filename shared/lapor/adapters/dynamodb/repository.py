"""The storage port on DynamoDB: every access is one call, as the design's storage bounds require."""

from __future__ import annotations

import base64
import binascii
import json
import math
import zlib
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from lapor.adapters.dynamodb.codec import from_item, to_item, value
from lapor.adapters.dynamodb.items import (
    ACCESS_LOG_PREFIX,
    ACCESS_SK,
    AGENCY_INBOX_PREFIX,
    CLOCKS_CALENDAR_SK,
    CONFIG_PK,
    DELIVERY_PREFIX,
    IDENTITY_SK,
    PUBLIC_PK,
    QUEUE_PK,
    REPORT_SK,
    RULESET_SK,
    TIMELINE_PREFIX,
    TTL_ATTRIBUTE,
    UPLOADS_SK,
    access_item,
    access_log_item,
    attachments_from_item,
    calendar_audit_item,
    calendar_item,
    category_sk,
    city_setup_from_items,
    contact_from_item,
    delivery_from_item,
    identity_from_item,
    identity_item,
    identity_pk,
    metric_event_item,
    report_from_item,
    report_item,
    report_pk,
    rule_item,
    rule_sk,
    summary_from_item,
    timeline_from_item,
    timeline_item,
)
from lapor.domain.actions import Change
from lapor.domain.attachments import AttachmentSet
from lapor.domain.catalog import CitySetup
from lapor.domain.contact import ContactState, ContactStatus
from lapor.domain.delivery import Delivery
from lapor.domain.errors import FieldProblem, InvalidInput, StoreUnavailable, Unparseable, VersionConflict
from lapor.domain.lifecycle import Status
from lapor.domain.models import IdentityOnFile, Report, TimelineEntry
from lapor.domain.routing_rules import RoutingRule
from lapor.domain.views import ReportSummary, StaffReportSummary
from lapor.domain.wallclock import iso
from lapor.ports import (
    CalendarChange,
    IdCollision,
    IdentityRead,
    Page,
    PublicFilter,
    StaffFilter,
    StoredReport,
    StoredSnapshot,
)

if TYPE_CHECKING:
    from botocore.exceptions import ClientError
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

MAX_TRANSACTION_ITEMS = 100
DEFAULT_RETENTION = timedelta(days=730)
ENDED = frozenset({Status.DONE, Status.ARCHIVED, Status.REFERRED})
PUBLIC_INDEX = "public-index"
INBOX_INDEX = "inbox-index"
QUEUE_INDEX = "queue-index"
DUE_INDEX = "due-index"
SNAPSHOT_PK = "METRICS"
INDEX_KEYS = {
    PUBLIC_INDEX: ("public_pk", "public_sk"),
    INBOX_INDEX: ("inbox_pk", "inbox_sk"),
    QUEUE_INDEX: ("queue_pk", "queue_sk"),
}
Listed = TypeVar("Listed", bound=ReportSummary)
_RETRYABLE = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
_THROTTLED_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})


class DynamoReportRepository:
    def __init__(
        self, client: DynamoDBClient, table_name: str, retention: timedelta = DEFAULT_RETENTION
    ) -> None:
        self._client = client
        self._table = table_name
        self._retention = retention  # how long an identity is kept after its report's last state change

    def create(self, change: Change, identity: IdentityOnFile, token_hash: str) -> None:
        report = change.after
        not_there = "attribute_not_exists(pk)"
        unconfirmed = ContactStatus(state=ContactState.UNCONFIRMED)
        items: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(report_item(report)),
                    "ConditionExpression": not_there,
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(identity_item(report.id, identity, unconfirmed)),
                    "ConditionExpression": not_there,
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(access_item(report.id, token_hash)),
                    "ConditionExpression": not_there,
                }
            },
            *self._entry_and_event(change),
        ]
        if report.category is not None:  # still active: the service checked a cached copy of the catalog
            items.append(
                {
                    "ConditionCheck": {
                        "TableName": self._table,
                        "Key": {"pk": value(CONFIG_PK), "sk": value(category_sk(report.category.code))},
                        "ConditionExpression": (
                            "attribute_exists(pk) AND (attribute_not_exists(active) OR active = :on)"
                        ),
                        "ExpressionAttributeValues": {":on": {"BOOL": True}},
                    }
                }
            )
        reasons = self._transact(items)
        if reasons and reasons[0] == "ConditionalCheckFailed":
            raise IdCollision(report.id)
        if report.category is not None and reasons and reasons[-1] == "ConditionalCheckFailed":
            raise InvalidInput([FieldProblem("category", "inactive_category")])
        if "TransactionConflict" in reasons:
            raise StoreUnavailable("transaction conflict")
        _raise_unexpected(reasons)

    def save(self, change: Change) -> None:
        """The report (conditional on its version), its timeline entry and metric event; and, when the
        report reaches or leaves DONE, ARCHIVED or REFERRED, its identity's time to live."""
        items = self._change_items(change)
        retention = self._retention_items(change)
        reasons = self._transact([*items, *retention])
        change_passed = all(r in ("None", "") for r in reasons[: len(items)])
        no_identity = all(r in ("None", "ConditionalCheckFailed") for r in reasons[len(items) :])
        if retention and reasons and change_passed and no_identity:
            # No identity on file (a nameless Open311 filing, or one expired): the change alone.
            reasons = self._transact(items)
        if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
            raise VersionConflict(change.after.id)
        _raise_unexpected(reasons)

    def erase_identity(self, change: Change) -> None:
        """The change, the identity replaced by a tombstone (no personal data: only that it was erased, and
        when), and the reporter's access deleted, in one transaction."""
        report_id = change.after.id
        tombstone = {
            "pk": identity_pk(report_id),
            "sk": IDENTITY_SK,
            "contact_state": ContactState.ERASED.value,
            "erased_at": iso(change.entry.at),
        }
        items = [
            *self._change_items(change),
            {"Put": {"TableName": self._table, "Item": to_item(tombstone)}},
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": {"pk": value(identity_pk(report_id)), "sk": value(ACCESS_SK)},
                }
            },
        ]
        reasons = self._transact(items)  # type: ignore[arg-type]
        if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
            raise VersionConflict(report_id)
        _raise_unexpected(reasons)

    def _change_items(self, change: Change) -> list[TransactWriteItemTypeDef]:
        before = change.before
        if before is None:
            raise ValueError("save() stores a change to an existing report; use create()")
        # The contact's confirmation sets `contact_confirmed` without a new version: a change computed from a
        # read before it must not put the old value back, so it is part of the condition.
        confirmed = "#cc = :cc" if before.contact_confirmed else "(attribute_not_exists(#cc) OR #cc = :cc)"
        items: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(report_item(change.after)),
                    "ConditionExpression": f"#v = :expected AND {confirmed}",
                    "ExpressionAttributeNames": {"#v": "version", "#cc": "contact_confirmed"},
                    "ExpressionAttributeValues": {
                        ":expected": value(before.version),
                        ":cc": value(before.contact_confirmed),
                    },
                }
            },
            *self._entry_and_event(change),
            *self._rewritten_items(change),
        ]
        return items

    def _rewritten_items(self, change: Change) -> list[TransactWriteItemTypeDef]:
        """A redaction's rewritten entries: their words replaced in place, and marked (the stream passes on
        inserts only, so no event is published again)."""
        return [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": {
                        "pk": value(report_pk(change.after.id)),
                        "sk": value(f"{TIMELINE_PREFIX}{entry.seq:06d}"),
                    },
                    "UpdateExpression": "SET note = :note, redacted = :redacted",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": {":note": value(entry.note), ":redacted": value(True)},
                }
            }
            for entry in change.rewritten
        ]

    def _retention_items(self, change: Change) -> list[TransactWriteItemTypeDef]:
        """The identity and the reporter's access expire `retention` after the report's last state change
        once it is DONE, ARCHIVED or REFERRED (DynamoDB's TTL); a reopened report keeps them again."""
        ended = change.after.status in ENDED
        if not ended and (change.before is None or change.before.status not in ENDED):
            return []
        expires = math.ceil((change.entry.at + self._retention).timestamp())  # never before the retention
        items: list[TransactWriteItemTypeDef] = []
        for sk in (IDENTITY_SK, ACCESS_SK):
            update: dict[str, Any] = {
                "TableName": self._table,
                "Key": {"pk": value(identity_pk(change.after.id)), "sk": value(sk)},
                "UpdateExpression": "SET #ttl = :expires" if ended else "REMOVE #ttl",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeNames": {"#ttl": TTL_ATTRIBUTE},
            }
            if ended:
                update["ExpressionAttributeValues"] = {":expires": value(expires)}
            items.append({"Update": update})  # type: ignore[typeddict-item]
        return items

    def get(
        self, report_id: str, *, with_identity: bool = False, with_token: bool = False
    ) -> StoredReport | None:
        """The report's partition (one Query: the report, its timeline, files and deliveries) and, when
        asked, the identity's (one more: the identity and the reporter's access)."""
        kept: list[dict[str, Any]] = []
        if with_identity or with_token:
            kept = self._query_all(
                {
                    "TableName": self._table,
                    "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
                    "ExpressionAttributeValues": {
                        ":pk": value(identity_pk(report_id)),
                        ":first": value(IDENTITY_SK if with_identity else ACCESS_SK),
                        ":last": value(ACCESS_SK if with_token else IDENTITY_SK),
                    },
                    "ConsistentRead": True,
                }
            )
        items = self._query_all(
            {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND sk >= :from",
                "ExpressionAttributeValues": {":pk": value(report_pk(report_id)), ":from": value(REPORT_SK)},
                "ConsistentRead": True,
            }
        )
        report = None
        identity = None
        contact = None
        token_hash = None
        link_hash = None
        attachments = AttachmentSet()
        timeline: list[TimelineEntry] = []
        deliveries: list[Delivery] = []
        for item in kept:
            if item["sk"] == IDENTITY_SK:
                contact = contact_from_item(item)
                identity = identity_from_item(item) if contact.state is not ContactState.ERASED else None
            elif item["sk"] == ACCESS_SK:
                token_hash = str(item["token_hash"])
                link_hash = item.get("link_hash")
        for item in items:
            sk = item["sk"]
            if sk == REPORT_SK:
                report = report_from_item(item)
            elif sk.startswith(TIMELINE_PREFIX):
                timeline.append(timeline_from_item(item))
            elif sk.startswith(DELIVERY_PREFIX):
                deliveries.append(delivery_from_item(item))
            elif sk == UPLOADS_SK:
                attachments = attachments_from_item(item)
        if report is None:
            return None
        return StoredReport(
            report,
            timeline,
            identity if with_identity else None,
            token_hash if with_token else None,
            attachments,
            contact if with_identity else None,
            link_hash if with_token else None,
            tuple(deliveries),
        )

    def list_public(self, where: PublicFilter, limit: int, cursor: str | None) -> Page[ReportSummary]:
        conditions = _Conditions()
        conditions.equal("status", where.status)
        conditions.equal("category.code", where.category)
        conditions.equal("agency.id", where.agency_id)
        return self._page(
            PUBLIC_INDEX, PUBLIC_PK, conditions, limit, cursor, newest_first=True, model=ReportSummary
        )

    def list_staff(self, where: StaffFilter, limit: int, cursor: str | None) -> Page[StaffReportSummary]:
        conditions = _Conditions()
        conditions.equal("status", where.status)
        conditions.equal("category.code", where.category)
        if where.overdue is not None:
            conditions.equal("overdue", where.overdue)
        if where.q:
            conditions.matches_id_or_title(where.q)
        conditions.between("submitted_at", where.submitted_from, where.submitted_before)
        if where.contact_confirmed is not None:
            conditions.flag("contact_confirmed", where.contact_confirmed)
        if where.agency_id is not None:
            key = f"{AGENCY_INBOX_PREFIX}{where.agency_id}"
            return self._page(INBOX_INDEX, key, conditions, limit, cursor, model=StaffReportSummary)
        return self._page(QUEUE_INDEX, QUEUE_PK, conditions, limit, cursor, model=StaffReportSummary)

    def _page(
        self,
        index: str,
        key: str,
        conditions: _Conditions,
        limit: int,
        cursor: str | None,
        *,
        model: type[Listed],
        newest_first: bool = False,
    ) -> Page[Listed]:
        key_attribute = INDEX_KEYS[index][0]
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": "#key = :key",
            "ExpressionAttributeNames": {"#key": key_attribute, **conditions.names},
            "ExpressionAttributeValues": {":key": value(key), **conditions.values},
            "ScanIndexForward": not newest_first,
            "Limit": limit,
        }
        if conditions.expressions:
            request["FilterExpression"] = " AND ".join(conditions.expressions)
        if cursor is not None:
            request["ExclusiveStartKey"] = _decode_cursor(cursor, index, key)
        answer = self._call("query", request)
        items = [summary_from_item(from_item(i), model) for i in answer.get("Items", [])]
        last = answer.get("LastEvaluatedKey")
        return Page(items, _encode_cursor(from_item(last)) if last else None)

    def log_identity_read(self, report_id: str, entry: IdentityRead) -> None:
        """Append one identity read to the report's access log (its own items; the report is untouched)."""
        item = access_log_item(report_id, iso(entry.at), entry.request_id, entry.actor_fields())
        # The key is this read's own instant and request: a failed condition is the SDK retrying a put whose
        # answer was lost, so the entry is there.
        self._conditional(
            "put_item",
            {
                "TableName": self._table,
                "Item": to_item(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            },
        )

    def identity_reads(self, report_id: str) -> list[IdentityRead]:
        items = self._query_all(
            {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :log)",
                "ExpressionAttributeValues": {
                    ":pk": value(report_pk(report_id)),
                    ":log": value(ACCESS_LOG_PREFIX),
                },
            }
        )
        return [IdentityRead.from_fields(item) for item in items]

    def replace_routing_rules(self, old: Sequence[RoutingRule], new: Sequence[RoutingRule]) -> None:
        """The coordinator's rule set: puts for the new rules, deletes for the ones gone, then the marker."""
        kept = {rule_sk(rule) for rule in new}
        operations: list[TransactWriteItemTypeDef] = [
            {"Put": {"TableName": self._table, "Item": to_item(rule_item(rule))}} for rule in new
        ]
        operations += [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": {"pk": value(CONFIG_PK), "sk": value(rule_sk(rule))},
                }
            }
            for rule in old
            if rule_sk(rule) not in kept
        ]
        marker = {"pk": CONFIG_PK, "sk": RULESET_SK, "count": len(new)}
        operations.append({"Put": {"TableName": self._table, "Item": to_item(marker)}})
        for start in range(0, len(operations), MAX_TRANSACTION_ITEMS):
            reasons = self._transact(operations[start : start + MAX_TRANSACTION_ITEMS])
            if "TransactionConflict" in reasons or "ConditionalCheckFailed" in reasons:
                raise VersionConflict("routing rules")
            _raise_unexpected(reasons)

    def suggest_agency(self, report_id: str, agency_id: str) -> bool:
        """Record a route suggestion on a report still waiting for verification; status and version stay."""
        return self._conditional(
            "update_item",
            {
                "TableName": self._table,
                "Key": {"pk": value(report_pk(report_id)), "sk": value(REPORT_SK)},
                "UpdateExpression": "SET suggested_agency_id = :agency",
                "ConditionExpression": "attribute_exists(pk) AND #status = :waiting",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {
                    ":agency": value(agency_id),
                    ":waiting": value("SUBMITTED"),
                },
            },
        )

    # --- the reporter's access and contact (TokenStore, ReporterAccess) ---------------------------------

    def promote_access(self, report_id: str, token_hash: str) -> None:
        """A link's token was used: it replaces the reporter's token (a concurrent use did it already)."""
        self._conditional(
            "update_item",
            {
                "TableName": self._table,
                "Key": {"pk": value(identity_pk(report_id)), "sk": value(ACCESS_SK)},
                "UpdateExpression": "SET token_hash = :hash REMOVE link_hash",
                "ConditionExpression": "link_hash = :hash",
                "ExpressionAttributeValues": {":hash": value(token_hash)},
            },
        )

    def renew_access(self, report_id: str, link_token_hash: str, day: date, per_day: int) -> bool:
        """Hold a new link's token (an older unused one is void), at most `per_day` links on a WIB day: one
        conditional update, counting in an attribute of that day (`links_<date>`)."""
        return self._conditional(
            "update_item",
            {
                "TableName": self._table,
                "Key": {"pk": value(identity_pk(report_id)), "sk": value(ACCESS_SK)},
                "UpdateExpression": "SET link_hash = :hash, #day = if_not_exists(#day, :zero) + :one",
                # `link_hash = :hash`: the SDK retrying this very renewal after a lost answer (it counts
                # twice: a rare retry costs the reporter one link of the day, never the link itself).
                "ConditionExpression": (
                    "attribute_exists(pk) AND "
                    "(attribute_not_exists(#day) OR #day < :per_day OR link_hash = :hash)"
                ),
                "ExpressionAttributeNames": {"#day": _links_on(day)},
                "ExpressionAttributeValues": {
                    ":hash": value(link_token_hash),
                    ":zero": value(0),
                    ":one": value(1),
                    ":per_day": value(per_day),
                },
            },
        )

    def release_access(self, report_id: str, link_token_hash: str, day: date) -> None:
        """A link that could not be sent: its token is void and it does not count against the day."""
        self._conditional(
            "update_item",
            {
                "TableName": self._table,
                "Key": {"pk": value(identity_pk(report_id)), "sk": value(ACCESS_SK)},
                "UpdateExpression": "SET #day = #day - :one REMOVE link_hash",
                "ConditionExpression": "link_hash = :hash AND #day > :zero",
                "ExpressionAttributeNames": {"#day": _links_on(day)},
                "ExpressionAttributeValues": {
                    ":hash": value(link_token_hash),
                    ":one": value(1),
                    ":zero": value(0),
                },
            },
        )

    def confirm_contact(self, report_id: str, limit: int) -> bool:
        """The identity's contact and the report's flag, together (the right code is an attempt too, so
        the void code's limit holds); neither the version nor the timeline."""
        reasons = self._transact(
            [
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": {"pk": value(identity_pk(report_id)), "sk": value(IDENTITY_SK)},
                        "UpdateExpression": (
                            "SET contact_state = :confirmed ADD code_attempts :one "
                            "REMOVE code_hash, code_nonce"
                        ),
                        "ConditionExpression": "contact_state = :unconfirmed AND code_attempts < :limit",
                        "ExpressionAttributeValues": {
                            ":confirmed": value(ContactState.CONFIRMED.value),
                            ":unconfirmed": value(ContactState.UNCONFIRMED.value),
                            ":one": value(1),
                            ":limit": value(limit),
                        },
                    }
                },
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": {"pk": value(report_pk(report_id)), "sk": value(REPORT_SK)},
                        "UpdateExpression": "SET contact_confirmed = :true",
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeValues": {":true": value(True)},
                    }
                },
            ]
        )
        if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
            return False
        _raise_unexpected(reasons)
        return True

    def count_code_attempt(self, report_id: str, limit: int) -> bool:
        """Concurrent attempts each count: a code is compared at most `limit` times, however they race."""
        return self._conditional(
            "update_item",
            {
                "TableName": self._table,
                "Key": {"pk": value(identity_pk(report_id)), "sk": value(IDENTITY_SK)},
                "UpdateExpression": "ADD code_attempts :one",
                "ConditionExpression": "contact_state = :unconfirmed AND code_attempts < :limit",
                "ExpressionAttributeValues": {
                    ":one": value(1),
                    ":limit": value(limit),
                    ":unconfirmed": value(ContactState.UNCONFIRMED.value),
                },
            },
        )

    def save_calendar(self, change: CalendarChange) -> None:
        based_on = change.based_on
        condition = "attribute_not_exists(pk)" if based_on == 0 else "#revision = :based_on"
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": to_item(calendar_item(change.adjustments)),
            "ConditionExpression": condition,
        }
        if based_on:
            put["ExpressionAttributeNames"] = {"#revision": "revision"}
            put["ExpressionAttributeValues"] = {":based_on": value(based_on)}
        audit = {"TableName": self._table, "Item": to_item(calendar_audit_item(change))}
        reasons = self._transact([{"Put": put}, {"Put": audit}])  # type: ignore[typeddict-item]
        if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
            raise VersionConflict(f"calendar {change.adjustments.year}")
        _raise_unexpected(reasons)

    def mark_calendar(self, revision: int) -> None:
        marker = {"pk": CONFIG_PK, "sk": CLOCKS_CALENDAR_SK, "revision": revision}
        self._call("put_item", {"TableName": self._table, "Item": to_item(marker)})

    def due_reports(
        self, shard: int, until: datetime | None, start: str | None, limit: int
    ) -> tuple[list[Report], str | None]:
        """One page of the reports whose next due instant is at or before `until`, from the due index.

        The index projects every report attribute, so no second read is needed; being an index, it is
        eventually consistent: a report changed a moment ago may come back stale, and its conditional write
        then fails and is left for the next run.
        """
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": DUE_INDEX,
            "KeyConditionExpression": "due_pk = :shard",
            "ExpressionAttributeValues": {":shard": value(f"DUE#{shard}")},
            "Limit": limit,
        }
        if until is not None:  # None: every report with a running clock (the overdue backlog)
            request["KeyConditionExpression"] += " AND due_sk <= :until"
            request["ExpressionAttributeValues"][":until"] = value(f"{iso(until)}#~")
        if start is not None:
            request["ExclusiveStartKey"] = json.loads(start)
        answer = self._call("query", request)
        reports = [report_from_item(from_item(item)) for item in answer.get("Items", [])]
        last = answer.get("LastEvaluatedKey")
        return reports, json.dumps(last, sort_keys=True) if last else None

    def metric_events(self, day: date) -> list[dict[str, Any]]:
        """Every metric event of one WIB day (one query, paged by DynamoDB's 1 MB pages)."""
        return self._query_all(
            {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :day",
                "ExpressionAttributeValues": {":day": value(f"DAY#{day.isoformat()}")},
            }
        )

    def put_snapshot(self, snapshot: StoredSnapshot) -> None:
        item: dict[str, Any] = {
            "pk": SNAPSHOT_PK,
            "sk": f"DAY#{snapshot.date.isoformat()}",
            "date": snapshot.date.isoformat(),
            "time": iso(snapshot.time),
            "document": json.dumps(snapshot.document, sort_keys=True, separators=(",", ":")),
        }
        if snapshot.parts is not None:  # compressed: a busy day's samples stay far below the item limit
            packed = zlib.compress(json.dumps(snapshot.parts, separators=(",", ":")).encode())
            item["parts"] = base64.b64encode(packed).decode()
        self._call("put_item", {"TableName": self._table, "Item": to_item(item)})

    def snapshot(self, day: date) -> StoredSnapshot | None:
        found = self._snapshots(day, day)
        return found[0] if found else None

    def snapshots_between(self, first: date, last: date) -> list[StoredSnapshot]:
        return self._snapshots(first, last)

    def _snapshots(self, first: date, last: date) -> list[StoredSnapshot]:
        items = self._query_all(
            {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
                "ExpressionAttributeValues": {
                    ":pk": value(SNAPSHOT_PK),
                    ":first": value(f"DAY#{first.isoformat()}"),
                    ":last": value(f"DAY#{last.isoformat()}"),
                },
            }
        )
        return [
            StoredSnapshot(
                date=date.fromisoformat(str(item["date"])),
                time=datetime.fromisoformat(str(item["time"])),
                document=json.loads(str(item["document"])),
                parts=json.loads(zlib.decompress(base64.b64decode(str(item["parts"]))))
                if "parts" in item
                else None,
            )
            for item in items
        ]

    def city_setup(self) -> CitySetup:
        items = self._query_all(
            {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": value(CONFIG_PK)},
                "ConsistentRead": True,
            }
        )
        return city_setup_from_items(items)

    def _entry_and_event(self, change: Change) -> list[TransactWriteItemTypeDef]:
        not_there = "attribute_not_exists(pk)"
        return [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(timeline_item(change)),
                    "ConditionExpression": not_there,
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(metric_event_item(change)),
                    "ConditionExpression": not_there,
                }
            },
        ]

    def _transact(self, items: list[TransactWriteItemTypeDef]) -> list[str]:
        """Run one transaction; the cancellation reason codes when it was cancelled, else []."""
        client_error, sdk_error = _sdk_errors()
        try:
            self._client.transact_write_items(TransactItems=items)
        except client_error as error:
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                reasons = error.response.get("CancellationReasons", [])
                codes = [str(r.get("Code", "None")) for r in reasons]
                if any(code in _THROTTLED_REASONS for code in codes):
                    raise StoreUnavailable("transaction throttled") from error
                return codes
            raise _translated(error) from error
        except sdk_error as error:
            raise StoreUnavailable(type(error).__name__) from error
        return []

    def _query_all(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            answer = self._call("query", request)
            items += [from_item(i) for i in answer.get("Items", [])]
            last = answer.get("LastEvaluatedKey")
            if not last:
                return items
            request = {**request, "ExclusiveStartKey": last}

    def _conditional(self, operation: str, request: dict[str, Any]) -> bool:
        """One conditional write; False when its condition failed (any other error raises)."""
        client_error, _ = _sdk_errors()
        try:
            self._call(operation, request)
        except client_error as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        client_error, sdk_error = _sdk_errors()
        try:
            answer: dict[str, Any] = getattr(self._client, operation)(**request)
        except client_error as error:
            raise _translated(error) from error
        except sdk_error as error:
            raise StoreUnavailable(type(error).__name__) from error
        return answer


def _links_on(day: date) -> str:
    """The access item's count of the links sent on one WIB day."""
    return f"links_{day.isoformat()}"


def _sdk_errors() -> tuple[type[ClientError], type[Exception]]:
    """botocore's error classes, imported when a call is made (the client has loaded botocore by then)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return ClientError, BotoCoreError


def _translated(error: ClientError) -> Exception:
    code = error.response.get("Error", {}).get("Code", "")
    if code in _RETRYABLE:
        return StoreUnavailable(code)
    return error


def _raise_unexpected(reasons: list[str]) -> None:
    failed = [r for r in reasons if r not in ("None", "")]
    if failed:
        raise RuntimeError(f"transaction cancelled: {failed}")


def _encode_cursor(key: dict[str, Any]) -> str:
    raw = json.dumps(key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode_cursor(cursor: str, index: str, key: str) -> dict[str, Any]:
    """A cursor back into a start key, refusing anything that is not a key of this index and partition."""
    problem = Unparseable([FieldProblem("cursor", "invalid_cursor")])
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        start = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise problem from error
    partition, sort = INDEX_KEYS[index]
    if (
        not isinstance(start, dict)
        or set(start) != {"pk", "sk", partition, sort}
        or not all(isinstance(v, str) and len(v) <= 200 for v in start.values())
        or start[partition] != key
        or not start["pk"].startswith("REPORT#")
        or start["sk"] != REPORT_SK
    ):
        raise problem
    return to_item(start)


class _Conditions:
    """A filter expression built up from optional conditions, with its names and values."""

    def __init__(self) -> None:
        self.expressions: list[str] = []
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def _path(self, attribute: str) -> str:
        parts = attribute.split(".")
        self.names.update({f"#{p}": p for p in parts})
        return ".".join(f"#{p}" for p in parts)

    def _value(self, plain: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = value(plain)
        return placeholder

    def equal(self, attribute: str, wanted: Any) -> None:
        if wanted is not None:
            self.expressions.append(f"{self._path(attribute)} = {self._value(wanted)}")

    def flag(self, attribute: str, wanted: bool) -> None:
        """A boolean attribute; an item written before it existed reads as false."""
        path = self._path(attribute)
        equal = f"{path} = {self._value(wanted)}"
        self.expressions.append(equal if wanted else f"({equal} OR attribute_not_exists({path}))")

    def between(self, attribute: str, lowest: str | None, below: str | None) -> None:
        if lowest is not None:
            self.expressions.append(f"{self._path(attribute)} >= {self._value(lowest)}")
        if below is not None:
            self.expressions.append(f"{self._path(attribute)} < {self._value(below)}")

    def matches_id_or_title(self, text: str) -> None:
        words = [w for w in text.casefold().split() if w][:5]
        by_title = " AND ".join(f"contains({self._path('title_search')}, {self._value(w)})" for w in words)
        by_id = f"{self._path('id')} = {self._value(text.strip().upper())}"
        self.expressions.append(f"({by_id} OR ({by_title}))" if by_title else by_id)
