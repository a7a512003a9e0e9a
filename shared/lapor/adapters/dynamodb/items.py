"""The table's items: keys, index attributes, and the mapping between items and domain objects.

Layout (docs/ARCHITECTURE.md): the report (`R`), its timeline (`T#<seq>`) and its identity (`I`) share the
partition `REPORT#<id>`; metric events live under `DAY#<WIB date>`; the catalog and calendar under
`CONFIG`. Index attributes are set only where the design wants the item found: `public_*` on public
reports, `inbox_*` on reports waiting for someone, `due_*` on reports with a running clock.
"""

from __future__ import annotations

import zlib
from datetime import date
from typing import Any, TypeVar

from lapor.domain.actions import Change
from lapor.domain.attachments import Attachment, AttachmentSet
from lapor.domain.calendar import YearAdjustments, local_date
from lapor.domain.catalog import Agency, Category, CitySetup
from lapor.domain.clocks import deadlines, next_due
from lapor.domain.contact import ContactState, ContactStatus
from lapor.domain.delivery import Delivery
from lapor.domain.lifecycle import STATUS_LABELS, Status
from lapor.domain.metric_events import metric_record
from lapor.domain.models import IdentityOnFile, Report, TimelineEntry
from lapor.domain.routing_rules import RoutingRule
from lapor.domain.views import ReportSummary
from lapor.domain.wallclock import iso
from lapor.ports import CalendarChange

Summary = TypeVar("Summary", bound=ReportSummary)

REPORT_SK = "R"
IDENTITY_PREFIX = "IDENTITY#"
IDENTITY_SK = "I"
ACCESS_SK = "K"
TIMELINE_PREFIX = "T#"
CONFIG_PK = "CONFIG"
PUBLIC_PK = "PUBLIC"
QUEUE_PK = "ALL"
AGENCY_INBOX_PREFIX = "AGENCY#"
ACCESS_LOG_PREFIX = "AL#"
RULE_PREFIX = "RULE#"
RULESET_SK = "RULESET"
CLOCKS_CALENDAR_SK = "CLOCKS_CALENDAR"
UPLOADS_SK = "UPLOADS"  # sorts after the timeline: every read of the report's partition finds it
DELIVERY_PREFIX = "SEND#"  # sorts between the report and its timeline: a report read finds them too
CONTACT_DAY_PREFIX = "CONTACT#"  # the codes sent to one contact on one WIB day (keyed hash, no address)
SMS_SPEND_PK = "SPEND#SMS"
TTL_ATTRIBUTE = "expires_at_epoch"  # the table's time to live (DynamoDB deletes within about 48 hours)
DUE_SHARDS = 8
NOTHING_DUE = "~"  # sorts after every instant: a running clock whose ladder is done


def report_pk(report_id: str) -> str:
    return f"REPORT#{report_id}"


def identity_pk(report_id: str) -> str:
    """The partition of a reporter's identity and access: apart from the report's, so that IAM can keep
    every function but those that must out of it (`dynamodb:LeadingKeys`)."""
    return f"{IDENTITY_PREFIX}{report_id}"


def due_shard(report_id: str) -> int:
    """A stable shard for the due index, spreading running clocks over `DUE_SHARDS` partitions."""
    return zlib.crc32(report_id.encode()) % DUE_SHARDS


def report_item(report: Report) -> dict[str, Any]:
    body = report.model_dump(mode="json")
    body["deadlines"] = {k: (iso(v) if v else None) for k, v in deadlines(report.clocks).items()}
    item: dict[str, Any] = {"pk": report_pk(report.id), "sk": REPORT_SK, **body}
    if report.is_public:
        item["public_pk"] = PUBLIC_PK
        item["public_sk"] = f"{iso(report.submitted_at)}#{report.id}"
        item["public_updated_sk"] = f"{iso(report.updated_at)}#{report.id}"  # updates-index
    soonest = min((c.deadline for c in report.clocks.values()), default=None)
    order = f"0#{iso(soonest)}" if soonest is not None else f"1#{iso(report.updated_at)}"
    item["title_search"] = report.title.casefold()
    item["queue_pk"] = QUEUE_PK
    item["queue_sk"] = f"{order}#{report.id}"
    if report.agency is not None:
        item["inbox_pk"] = f"{AGENCY_INBOX_PREFIX}{report.agency.id}"
        item["inbox_sk"] = f"{order}#{report.id}"
    if report.clocks:  # every report with a running clock: the escalation job and the overdue backlog
        waiting_since = next_due(report.clocks.values())
        item["due_pk"] = f"DUE#{due_shard(report.id)}"
        item["due_sk"] = f"{iso(waiting_since) if waiting_since else NOTHING_DUE}#{report.id}"
    return item


def report_from_item(item: dict[str, Any]) -> Report:
    fields = {k: v for k, v in item.items() if k in Report.model_fields}
    return Report.model_validate(fields)


def summary_from_item(item: dict[str, Any], model: type[Summary] = ReportSummary) -> Summary:  # type: ignore[assignment]
    """A list entry from an index item (which holds the projected report fields only)."""
    fields = {k: v for k, v in item.items() if k in model.model_fields}
    fields["status_label"] = STATUS_LABELS[Status(item["status"])]
    fields.setdefault("rating", None)
    for optional in ("category", "agency", "location", "incident_date"):
        fields.setdefault(optional, None)
    return model.model_validate(fields)


def timeline_item(change: Change) -> dict[str, Any]:
    """The timeline entry, with the context its domain event needs (lapor.domain.events), no identity."""
    report, before, entry = change.after, change.before, change.entry
    previous = before.agency.id if before is not None and before.agency is not None else None
    current = report.agency.id if report.agency else None
    return {
        "pk": report_pk(report.id),
        "sk": f"{TIMELINE_PREFIX}{entry.seq:06d}",
        **entry.model_dump(mode="json"),
        "report_id": report.id,
        "agency_id": current,
        "previous_agency_id": previous if previous != current else None,
        "report_type": report.type,
        "category": report.category.code if report.category else None,
    }


def timeline_from_item(item: dict[str, Any]) -> TimelineEntry:
    return TimelineEntry.model_validate({k: v for k, v in item.items() if k in TimelineEntry.model_fields})


def identity_item(report_id: str, identity: IdentityOnFile, contact: ContactStatus) -> dict[str, Any]:
    """Who filed it, and the confirmation of their contact (`contact_state`, the code's keyed hash)."""
    return {
        "pk": identity_pk(report_id),
        "sk": IDENTITY_SK,
        **identity.model_dump(),
        **contact_fields(contact),
    }


def contact_fields(contact: ContactStatus) -> dict[str, Any]:
    return {
        "contact_state": contact.state.value,
        "code_hash": contact.code_hash,
        "code_expires_at": iso(contact.code_expires_at) if contact.code_expires_at else None,
        "code_nonce": contact.code_nonce,
        "code_attempts": contact.code_attempts,
    }


def contact_from_item(item: dict[str, Any]) -> ContactStatus:
    return ContactStatus(
        state=ContactState(str(item.get("contact_state", ContactState.UNCONFIRMED.value))),
        code_hash=item.get("code_hash"),
        code_expires_at=item.get("code_expires_at"),
        code_nonce=item.get("code_nonce"),
        code_attempts=int(item.get("code_attempts", 0)),
    )


def delivery_item(report_id: str, delivery: Delivery) -> dict[str, Any]:
    """A message to the reporter and its state: the template and channel, never the address or words."""
    return {
        "pk": report_pk(report_id),
        "sk": f"{DELIVERY_PREFIX}{delivery.key}",
        **delivery.model_dump(mode="json"),
    }


def delivery_from_item(item: dict[str, Any]) -> Delivery:
    return Delivery.model_validate({k: v for k, v in item.items() if k in Delivery.model_fields})


def contact_day_key(contact_key: str, day: date) -> dict[str, str]:
    return {"pk": f"{CONTACT_DAY_PREFIX}{contact_key}", "sk": f"DAY#{day.isoformat()}"}


def access_item(report_id: str, token_hash: str) -> dict[str, Any]:
    """The reporter's access: the hash of their token, apart from the report so that no report write or
    public read ever touches it."""
    return {"pk": identity_pk(report_id), "sk": ACCESS_SK, "token_hash": token_hash}


def identity_from_item(item: dict[str, Any]) -> IdentityOnFile:
    return IdentityOnFile.model_validate({k: v for k, v in item.items() if k in IdentityOnFile.model_fields})


def metric_event_item(change: Change) -> dict[str, Any]:
    """The metric event (`lapor.domain.metric_events.metric_record`) under its WIB day."""
    entry = change.entry
    return {
        "pk": f"DAY#{local_date(entry.at).isoformat()}",
        "sk": f"EV#{iso(entry.at)}#{change.after.id}#{entry.seq:06d}",
        **metric_record(change),
    }


def rule_item(rule: RoutingRule) -> dict[str, Any]:
    return {"pk": CONFIG_PK, "sk": rule_sk(rule), **rule.model_dump()}


def rule_sk(rule: RoutingRule) -> str:
    return f"{RULE_PREFIX}{rule.category}#{rule.kecamatan or '*'}"


def access_log_item(report_id: str, at: str, request_id: str, actor: dict[str, Any]) -> dict[str, Any]:
    return {"pk": report_pk(report_id), "sk": f"{ACCESS_LOG_PREFIX}{at}#{request_id}", "at": at, **actor}


def calendar_item(adjust: YearAdjustments) -> dict[str, Any]:
    return {
        "pk": CONFIG_PK,
        "sk": f"CALENDAR#{adjust.year}",
        "year": adjust.year,
        "added": {day.isoformat(): name for day, name in sorted(adjust.added.items())},
        "removed": sorted(day.isoformat() for day in adjust.removed),
        "revision": adjust.revision,
    }


def calendar_audit_item(change: CalendarChange) -> dict[str, Any]:
    adjust = change.adjustments
    return {
        "pk": f"CALENDAR#{adjust.year}",
        "sk": f"AUDIT#{iso(change.at)}#{change.request_id}",
        "at": iso(change.at),
        "actor_id": change.actor_id,
        "added": [day.isoformat() for day in change.added],
        "removed": [day.isoformat() for day in change.removed],
        "revision": adjust.revision,
    }


def category_sk(code: str) -> str:
    return f"CATEGORY#{code}"


def category_from_item(item: dict[str, Any]) -> Category:
    fields = ("code", "name", "default_agency_id", "default_type", "active")
    return Category.model_validate({k: item[k] for k in fields if k in item})


def city_setup_from_items(items: list[dict[str, Any]]) -> CitySetup:
    agencies: dict[str, Agency] = {}
    categories: dict[str, Category] = {}
    kecamatan: list[str] = []
    calendar: dict[int, YearAdjustments] = {}
    rules: list[RoutingRule] = []
    ruleset_stored = False
    clocks_calendar = 0
    for item in items:
        if item["sk"] == CLOCKS_CALENDAR_SK:
            clocks_calendar = int(item["revision"])
        kind = str(item["sk"]).split("#", 1)[0]
        ruleset_stored = ruleset_stored or item["sk"] == RULESET_SK
        if kind == "AGENCY":
            agency = Agency.model_validate(
                {k: item[k] for k in ("id", "name", "short_name", "active") if k in item}
            )
            agencies[agency.id] = agency
        elif kind == "CATEGORY":
            category = category_from_item(item)
            categories[category.code] = category
        elif kind == "RULE":
            names = ("category", "kecamatan", "agency_id", "auto_dispose")
            rules.append(RoutingRule.model_validate({k: item[k] for k in names if k in item}))
        elif kind == "KECAMATAN":
            kecamatan.append(str(item["name"]))
        elif kind == "CALENDAR":
            year = int(item["year"])
            calendar[year] = YearAdjustments(
                year=year,
                added={date.fromisoformat(d): str(n) for d, n in dict(item.get("added", {})).items()},
                removed=frozenset(date.fromisoformat(d) for d in item.get("removed", [])),
                revision=int(item.get("revision", 0)),
            )
    return CitySetup(
        agencies=agencies,
        categories=categories,
        kecamatan=tuple(sorted(kecamatan)),
        calendar_adjustments=calendar,
        stored_rules=tuple(rules) if ruleset_stored else None,
        clocks_calendar_revision=clocks_calendar,
    )


def attachment_fields(attachment: Attachment) -> dict[str, Any]:
    """One record as it sits in the `files` map of the report's `UPLOADS` item (keyed by its id)."""
    fields = attachment.model_dump(mode="json", exclude={"id"})
    return {k: v for k, v in fields.items() if v is not None}


def uploads_item(report_id: str, revision: int, files: list[Attachment]) -> dict[str, Any]:
    return {
        "pk": report_pk(report_id),
        "sk": UPLOADS_SK,
        "revision": revision,
        "files": {a.id: attachment_fields(a) for a in files},
    }


def attachment_from_fields(attachment_id: str, fields: dict[str, Any]) -> Attachment:
    return Attachment.model_validate({**fields, "id": attachment_id})


def attachments_from_item(item: dict[str, Any]) -> AttachmentSet:
    files = item.get("files") or {}
    records = tuple(attachment_from_fields(key, fields) for key, fields in files.items())
    return AttachmentSet(revision=int(item.get("revision", 0)), files=records)
