"""Proof under fire: a marker identity goes in through every entry point and comes out only where it may.

One stack of its own (so that no other test's data or output mixes in). Reports are filed by a reporter with
a marker identity (a name, e-mail, phone and NIK that cannot occur by chance), through every entry point:
`POST /reports` with and without `Idempotency-Key`, anonymous and confidential, a rejected and a replayed
submission, the reporter's replies, reopen and rating, the access-link request. Then every operation of
`docs/openapi.json` runs, the staff ones with each staff role's token (and without one), and both jobs run
(escalation far in the future, so every ladder step, auto-close and expiry fires; metrics for the days the
events fell on). Then the marker (any of its four values) must be in:

- no log line and no metric: the stack process's stdout (Powertools JSON logs, EMF) and stderr;
- no public answer: every answer given without a staff or reporter token (refused submissions and the local
  routes' answers included), headers and decoded cursors too;
- no staff answer but the audited identity route's;
- no index: no item written with `public_pk`/`inbox_pk`/`queue_pk`/`due_pk` (every write of `dynamodb.log`,
  the idempotency table's included: only the identity item `REPORT#<id>`/`I` may hold it), no identity item
  with an index attribute, and nothing the four indexes answer (read through the embedded moto server);
- no event: every EventBridge event the handlers put (a rule this test adds on each bus of the embedded
  moto copies them to an SQS queue), and no dead letter;
- no notification but the reporter's own, and there only as the `recipient` of an e-mail or SMS;
- no attachment served: a photo whose Exif and comment name the reporter is fetched through the reporter's
  and the public's links without them;
- no delivery record and no contact counter: the code messages (`confirm_contact`, by e-mail and by SMS)
  name the reporter only as their recipient, and the records of what became of each message
  (`REPORT#<id>`/`SEND#<key>`) and the daily code counters (`CONTACT#<keyed hash>`) hold none of it.

And it must be in the reporter's own reads, the identity route and the identity items: the marker did go in.

Two more needles:

- a reporter (a marker of their own) whose identity the coordinator erases, after messages went to them and
  they attached a document of their own: afterwards that marker is nowhere but in what was written before
  (the backups): no table item, no S3 object (the document is deleted), no outbox entry, write or answer
  written later, nothing in the data folder's snapshot or objects once the stack has stopped;
- words a reporter typed into a reply (their phone and name) that the coordinator redacts: afterwards they
  are in no answer, no table item, no write and no outbox entry.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

import boto3
import pytest
import requests
from botocore.config import Config

from local.aws.environment import DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY, REGION
from local.paths import OPENAPI_PATH
from local.persistence.data_dir import LOCK_FILE_NAME, S3_DIR_NAME
from local.persistence.store import LOG_FILE_NAME, SNAPSHOT_FILE_NAME
from local.persistence.write_log import logged_writes
from local.template import load_template, local_bucket_name
from tests.e2e.conftest import LocalStackProcess
from tests.e2e.http_client import CONFIRM_CONTACT, code_in, link_token, scheduled_event

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sqs import SQSClient

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds moto's port through /proc"),
]

TIMEOUT = 30
WIB = ZoneInfo("Asia/Jakarta")
AGENCY = "dishub"  # the seed's agency for street lighting (`pju`)
OTHER_AGENCY = "dinas-putr"
STAFF_ROLES = ("coordinator", "operator", "official", "leadership")
ALLOWED: Mapping[str, frozenset[str]] = {
    "verify": frozenset({"coordinator"}),
    "suspend": frozenset({"coordinator"}),
    "archive": frozenset({"coordinator"}),
    "refer": frozenset({"coordinator"}),
    "forward": frozenset({"coordinator"}),
    "return": frozenset({"operator", "official"}),
    "followups": frozenset({"operator", "official"}),
    "close": frozenset({"official", "coordinator"}),
}
IDENTITY_ROUTE = "/staff/reports/{id}/reporter"
ROSTER_ROUTES = frozenset({"/staff/officers", "/staff/officers/{officer_id}"})
# Every key attribute of the application table's indexes, as template.yaml declares them.
INDEX_ATTRIBUTES = frozenset(
    key["AttributeName"]
    for table in load_template().tables()
    if table.logical_id == "AppTable"
    for index in table.create_kwargs.get("GlobalSecondaryIndexes", [])
    for key in index["KeySchema"]
)
INDEXES = ("public-index", "updates-index", "inbox-index", "queue-index", "due-index")
DUE_SHARDS = 8
# Past every 2N-th working day here (N <= 14 HK), the 720-hour pending clock and auto-close (10 HK).
FAR_FUTURE = timedelta(days=90)
VERIFY = {"type": "complaint", "requires_supervision": False, "category": "pju", "agency_id": AGENCY}
TAP_NAME = "privacy-markers-tap"
EVENT_ACTIONS = (
    *("submit", "verify", "suspend", "complete", "reply", "followup", "note", "return", "forward"),
    *("close", "reopen", "rate", "refer", "archive", "remind", "breach", "escalate", "auto_close", "expire"),
    *("access_link", "contact_code", "identity_erased", "redact"),
)
BUCKET = local_bucket_name("AttachmentsBucket")
DELIVERY_ATTRIBUTES = frozenset({"key", "template", "channel", "state", "reason", "at", "updated_at"})

# --- the marker ------------------------------------------------------------------------------------------

_TAG_LETTERS = "ghjkmnpqrstvwxyz"  # no hex digit: a tag never turns up inside an id, a hash or a token


def _digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


@dataclass(frozen=True)
class Marker:
    """A reporter identity whose every value holds a needle that occurs nowhere by chance: the name and the
    e-mail carry `tag`, the phone `phone_digits` (what stays of it as +62…, 62… or 0…), the NIK itself."""

    tag: str
    phone_digits: str
    nik: str

    @classmethod
    def new(cls) -> Marker:
        tag = "".join(secrets.choice(_TAG_LETTERS) for _ in range(10))
        return cls(tag=tag, phone_digits="877" + _digits(8), nik="3201" + _digits(12))

    @property
    def name(self) -> str:
        return f"Penanda Unik {self.tag.capitalize()}"

    @property
    def email(self) -> str:
        return f"penanda.{self.tag}@example.id"

    @property
    def phone(self) -> str:
        return f"+62{self.phone_digits}"

    def found_in(self, text: str) -> list[str]:
        """The needles in `text`, case-insensitively (so also an upper-cased name or a URL-encoded e-mail)."""
        lowered = text.lower()
        return [needle for needle in (self.tag, self.phone_digits, self.nik) if needle in lowered]

    def identity(self, *, email: bool = True, phone: bool = True, nik: bool = True) -> dict[str, str]:
        reporter = {"name": self.name}
        if email:
            reporter["email"] = self.email
        if phone:
            reporter["phone"] = self.phone
        if nik:
            reporter["nik"] = self.nik
        return reporter


def _new_report(reporter: Mapping[str, str], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "complaint",
        "title": "Lampu jalan mati di depan sekolah",
        "description": "Lampu jalan di depan SD Negeri 3 mati sejak seminggu; jalan gelap malam hari.",
        "category": "pju",
        "location": {"lat": -6.9206, "lon": 106.9298, "kecamatan": "Citamiang"},
        "reporter": dict(reporter),
    }
    body.update(overrides)
    return body


# --- every answer, recorded -------------------------------------------------------------------------------

Audience = Literal["public", "reporter", "staff", "local"]


@dataclass(frozen=True)
class Caller:
    name: str  # "public", "submitter", "reporter" or a staff role
    audience: Audience
    headers: Mapping[str, str] = field(default_factory=dict)


PUBLIC = Caller("public", "public")
SUBMITTER = Caller("submitter", "reporter")  # files a report: the answer is the reporter's own
LOCAL = Caller("local", "local")


@dataclass(frozen=True)
class Answer:
    caller: str
    audience: Audience
    method: str
    operation: str  # the OpenAPI path (`/staff/reports/{id}`), or the local route
    path: str
    status: int
    text: str  # status line, headers, body, and what the cursors in it decode to
    body: str

    @property
    def where(self) -> str:
        return f"{self.method} {self.path} as {self.caller} -> {self.status}"


def _decoded_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8", errors="replace")
    except ValueError:
        return ""


def _answer_text(response: requests.Response) -> str:
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    cursors = [response.headers.get("X-Next-Cursor") or ""]
    try:
        document = response.json()
    except ValueError:
        document = None
    if isinstance(document, dict) and isinstance(document.get("next_cursor"), str):
        cursors.append(document["next_cursor"])
    decoded = "\n".join(_decoded_cursor(cursor) for cursor in cursors if cursor)
    return f"{response.status_code}\n{headers}\n\n{response.text}\n{decoded}"


@dataclass(frozen=True)
class Filed:
    id: str
    token: str
    reporter: dict[str, str]


class Probe:
    """Calls the stack and keeps every answer, by who asked and which operation it was."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.answers: list[Answer] = []
        self._staff: dict[str, Caller] = {}
        self._refused: set[str] = set()

    def call(
        self,
        caller: Caller,
        method: str,
        operation: str,
        *,
        ids: Mapping[str, str] | None = None,
        body: Any = None,
        data: bytes | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        path = operation.format(**(ids or {}))
        all_headers = {**caller.headers, **(headers or {})}
        if data is not None:
            all_headers.setdefault("Content-Type", "application/json")
        response = requests.request(
            method,
            f"{self.base_url}{path}",
            json=body if data is None else None,
            data=data,
            params=dict(params) if params else None,
            headers=all_headers,
            timeout=TIMEOUT,
        )
        self.answers.append(
            Answer(
                caller.name,
                caller.audience,
                method,
                operation,
                path,
                response.status_code,
                _answer_text(response),
                response.text,
            )
        )
        assert response.status_code < 500, f"{method} {path} as {caller.name}: {response.text}"
        return response

    def staff(self, role: str) -> Caller:
        if role not in self._staff:
            body = {"role": role, **({"agency_id": AGENCY} if role in ("operator", "official") else {})}
            answer = self.call(LOCAL, "POST", "/_local/token", body=body)
            assert answer.status_code == 200, answer.text
            token = answer.json()["token"]
            self._staff[role] = Caller(role, "staff", {"Authorization": f"Bearer {token}"})
        return self._staff[role]

    # Reporter -------------------------------------------------------------------------------------------

    def file(self, body: dict[str, Any], key: str | None = None) -> Filed:
        headers = {"Idempotency-Key": key} if key else None
        answer = self.call(SUBMITTER, "POST", "/reports", body=body, headers=headers)
        assert answer.status_code == 201, answer.text
        filed = Filed(answer.json()["id"], answer.json()["access_token"], body["reporter"])
        if key:
            again = self.call(SUBMITTER, "POST", "/reports", body=body, headers=headers)
            assert again.status_code == 201, again.text
            assert again.json() == answer.json(), "a replay answers as the first time"
        return filed

    def reporter(self, filed: Filed, token: str | None = None) -> Caller:
        return Caller("reporter", "reporter", {"X-Report-Token": token or filed.token})

    def reply(self, filed: Filed, message: str, *, reopen: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {"message": message, **({"reopen": True} if reopen else {})}
        answer = self.call(
            self.reporter(filed), "POST", "/reports/{id}/replies", ids={"id": filed.id}, body=body
        )
        assert answer.status_code == 201, answer.text
        reply: dict[str, Any] = answer.json()
        return reply

    def confirm(self, filed: Filed) -> None:
        """The reporter enters the code of their last `confirm_contact` message (a wrong one first)."""
        [*_, message] = [
            item
            for item in self.local_items("/_local/outbox")
            if item["report_id"] == filed.id and item["template"] == CONFIRM_CONTACT
        ]
        code = code_in(message["message"])
        operation, ids = "/reports/{id}/contact/confirm", {"id": filed.id}
        wrong = "000000" if code != "000000" else "111111"
        refused = self.call(self.reporter(filed), "POST", operation, ids=ids, body={"code": wrong})
        assert refused.status_code == 422, refused.text
        confirmed = self.call(self.reporter(filed), "POST", operation, ids=ids, body={"code": code})
        assert confirmed.status_code == 200, confirmed.text

    def own_read(self, filed: Filed, token: str | None = None) -> dict[str, Any]:
        answer = self.call(self.reporter(filed, token), "GET", "/reports/{id}", ids={"id": filed.id})
        assert answer.status_code == 200, answer.text
        report: dict[str, Any] = answer.json()
        return report

    # Staff ----------------------------------------------------------------------------------------------

    def act(self, filed: Filed, action: str, body: dict[str, Any], by: str) -> dict[str, Any]:
        """A staff action by `by`; the first time, after no token and every role that may not take it were
        refused."""
        operation = f"/staff/reports/{{id}}/{action}"
        if action not in self._refused:
            self._refused.add(action)
            refused = self.call(PUBLIC, "POST", operation, ids={"id": filed.id}, body=body)
            assert refused.status_code == 401, refused.text
            for role in sorted(set(STAFF_ROLES) - ALLOWED[action]):
                refused = self.call(self.staff(role), "POST", operation, ids={"id": filed.id}, body=body)
                assert refused.status_code in (403, 404, 409), f"{action} by {role}: {refused.text}"
        assert by in ALLOWED[action]
        answer = self.call(self.staff(by), "POST", operation, ids={"id": filed.id}, body=body)
        assert answer.status_code == 200, f"{action} by {by}: {answer.text}"
        report: dict[str, Any] = answer.json()
        return report

    def every_role(
        self, method: str, operation: str, *, public: int = 401, **kwargs: Any
    ) -> dict[str, requests.Response]:
        """The operation without a token (expecting `public`) and with each staff role's token."""
        answer = self.call(PUBLIC, method, operation, **kwargs)
        assert answer.status_code == public, f"{method} {operation} without a token: {answer.text}"
        return {role: self.call(self.staff(role), method, operation, **kwargs) for role in STAFF_ROLES}

    # Local ----------------------------------------------------------------------------------------------

    def run_job(self, name: str, instant: datetime) -> dict[str, Any]:
        event = scheduled_event(instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        answer = self.call(LOCAL, "POST", f"/_local/jobs/{name}", body=event)
        assert answer.status_code == 200, answer.text
        summary: dict[str, Any] = answer.json()
        return summary

    def local_items(self, path: str) -> list[dict[str, Any]]:
        answer = requests.get(f"{self.base_url}{path}", timeout=TIMEOUT)
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items


# --- the embedded moto server: events and indexes ---------------------------------------------------------


def _embedded_endpoint(process: LocalStackProcess) -> str:
    """The embedded moto server's address: the stack's listening socket that is neither the gateway's nor
    the web app's.

    The stack does not print it; its pid is in the data folder's lock, its sockets in /proc.
    """
    pid = int((process.data_dir / LOCK_FILE_NAME).read_text(encoding="utf-8").split()[1])
    inodes = set()
    for descriptor in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{descriptor}")
        except OSError:
            continue
        if found := re.fullmatch(r"socket:\[(\d+)\]", target):
            inodes.add(found.group(1))
    gateway_port = int(process.base_url.rsplit(":", 1)[1])
    ports = set()
    for line in Path("/proc/net/tcp").read_text(encoding="utf-8").splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and fields[9] in inodes:  # LISTEN
            ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    others = ports - {gateway_port, process.web_port}
    assert len(others) == 1, f"cannot tell the embedded moto server's port among {sorted(ports)}"
    return f"http://127.0.0.1:{others.pop()}"


def _client(service: Literal["dynamodb", "events", "sqs", "s3"], endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=DUMMY_ACCESS_KEY_ID,
        aws_secret_access_key=DUMMY_SECRET_ACCESS_KEY,
        config=Config(s3={"addressing_style": "path"}),
    )


def _objects(endpoint: str) -> dict[str, bytes]:
    """Every object of the attachments bucket, by key."""
    s3 = _client("s3", endpoint)
    keys = [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        for item in page.get("Contents", [])
    ]
    return {key: s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in keys}


def _log_position(process: LocalStackProcess) -> int:
    """The write log's last line so far: lines after it were written later."""
    return max((line for line, _ in logged_writes(process.data_dir / LOG_FILE_NAME)), default=0)


class EventTap:
    """A rule on every bus of the embedded moto that copies each event put on it to an SQS queue."""

    def __init__(self, endpoint: str) -> None:
        self._events: EventBridgeClient = _client("events", endpoint)
        self._sqs: SQSClient = _client("sqs", endpoint)
        self._queue = self._sqs.create_queue(QueueName=TAP_NAME, Attributes={"VisibilityTimeout": "900"})[
            "QueueUrl"
        ]
        queue_arn = self._sqs.get_queue_attributes(QueueUrl=self._queue, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.buses = [bus["Name"] for bus in self._events.list_event_buses()["EventBuses"]]
        for bus in self.buses:
            self._events.put_rule(
                Name=TAP_NAME, EventBusName=bus, EventPattern=json.dumps({"source": [{"prefix": ""}]})
            )
            self._events.put_targets(
                Rule=TAP_NAME, EventBusName=bus, Targets=[{"Id": TAP_NAME, "Arn": queue_arn}]
            )

    def drain(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        while True:
            received = self._sqs.receive_message(
                QueueUrl=self._queue, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not received:
                return events
            events += [json.loads(message["Body"]) for message in received]


@dataclass(frozen=True)
class TableItems:
    index_items: dict[str, list[dict[str, Any]]]  # what each index answers
    report_items: dict[str, list[dict[str, Any]]]  # every item under REPORT#<id>, by report id
    identity_items: dict[str, list[dict[str, Any]]]  # every item under IDENTITY#<id>, by report id
    contact_items: list[dict[str, Any]]  # the contacts' daily code counters (CONTACT#...)
    every_item: list[dict[str, Any]]  # every item of every table, as it is at the end
    index_names: set[str]


def _query_all(client: DynamoDBClient, **request: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = client.query(**request)
        items += [dict(item) for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _scan_all(client: DynamoDBClient, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": table}
    while True:
        page = client.scan(**request)
        items += [dict(item) for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _partition(client: DynamoDBClient, table: str, pk: str) -> list[dict[str, Any]]:
    return _query_all(
        client,
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
    )


def _read_table(endpoint: str, report_ids: list[str], agency_ids: list[str]) -> TableItems:
    client: DynamoDBClient = _client("dynamodb", endpoint)
    tables = client.list_tables()["TableNames"]
    table = next(
        name
        for name in tables
        if any(
            index["IndexName"] == "public-index"
            for index in client.describe_table(TableName=name)["Table"].get("GlobalSecondaryIndexes", [])
        )
    )
    described = client.describe_table(TableName=table)["Table"]
    index_names = {index["IndexName"] for index in described.get("GlobalSecondaryIndexes", [])}
    partitions: dict[str, tuple[str, list[str]]] = {
        "public-index": ("public_pk", ["PUBLIC"]),
        "updates-index": ("public_pk", ["PUBLIC"]),
        "inbox-index": ("inbox_pk", [f"AGENCY#{agency}" for agency in agency_ids]),
        "queue-index": ("queue_pk", ["ALL"]),
        "due-index": ("due_pk", [f"DUE#{shard}" for shard in range(DUE_SHARDS)]),
    }
    index_items: dict[str, list[dict[str, Any]]] = {}
    for index, (key, values) in partitions.items():
        index_items[index] = []
        for value in values:
            index_items[index] += _query_all(
                client,
                TableName=table,
                IndexName=index,
                KeyConditionExpression="#k = :v",
                ExpressionAttributeNames={"#k": key},
                ExpressionAttributeValues={":v": {"S": value}},
            )
    every_item = [item for name in tables for item in _scan_all(client, name)]
    return TableItems(
        index_items,
        {report_id: _partition(client, table, f"REPORT#{report_id}") for report_id in report_ids},
        {report_id: _partition(client, table, f"IDENTITY#{report_id}") for report_id in report_ids},
        [item for item in every_item if _string(item.get("pk")).startswith("CONTACT#")],
        every_item,
        index_names,
    )


# --- dynamodb.log: every write --------------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    """One item written (by a Put, an Update, a Delete; alone, in a batch or in a transaction), as the log
    keeps it: the whole item after the write, or the key of one deleted."""

    line: int
    action: str
    table: str
    pk: str
    sk: str
    attributes: frozenset[str]  # the item's attribute names after the write
    text: str

    @property
    def where(self) -> str:
        return f"dynamodb.log line {self.line}: {self.action} {self.table} {self.pk} / {self.sk}"


def _string(value: AttributeValueTypeDef | None) -> str:
    return str((value or {}).get("S", ""))


def _write(line: int, entry: Mapping[str, Any]) -> Write:
    if "put" in entry or "delete" in entry:
        action = "put" if "put" in entry else "delete"
        item = entry.get("item") or entry.get("key") or {}
        attributes = frozenset(entry["item"]) if action == "put" else frozenset()
        return Write(
            line,
            action,
            str(entry[action]),
            _string(item.get("pk")),
            _string(item.get("sk")),
            attributes,
            json.dumps(item),
        )
    request = entry.get("request") or {}  # tables, TTL: no item, but look at the request all the same
    return Write(
        line,
        str(entry.get("action")),
        str(request.get("TableName", "")),
        "",
        "",
        frozenset(),
        json.dumps(request),
    )


def _is_identity_item(write: Write) -> bool:
    return write.pk.startswith("IDENTITY#") and write.sk == "I"


# --- the scenario ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observed:
    marker: Marker
    officer: Marker  # an officer added to the roster: their e-mail belongs to the roster alone
    filed: dict[str, Filed]
    answers: list[Answer]
    outbox: list[dict[str, Any]]
    dead_letters: list[dict[str, Any]]
    events: list[dict[str, Any]]
    buses: list[str]
    table: TableItems
    writes: list[Write]
    stdout: str
    stderr: str
    own_reads: dict[str, dict[str, Any]]  # the reporters' last reads (the plain one's with its new token)
    operations: set[tuple[str, str]]
    served_files: list[bytes]  # every attachment fetched through a download link
    erasure: Erasure
    redaction: Redaction
    objects: dict[str, bytes]  # the attachments bucket at the end, by key
    data_files: dict[str, bytes]  # the data folder's snapshot and mirrored objects once the stack stopped


@dataclass(frozen=True)
class Since:
    """Where the sinks stood at one moment: what came after it was written later."""

    outbox: int  # the outbox's length
    writes: int  # the write log's last line
    answers: int  # how many answers the probe had recorded

    @classmethod
    def now(cls, probe: Probe, process: LocalStackProcess) -> Since:
        return cls(len(probe.local_items("/_local/outbox")), _log_position(process), len(probe.answers))


@dataclass(frozen=True)
class Erasure:
    marker: Marker  # the erased reporter's own
    filed: Filed
    since: Since  # just before the erasure
    private_keys: list[str]  # the objects of the reporter's private document, before the erasure
    answer: dict[str, Any]  # the staff view the erasure answered


@dataclass(frozen=True)
class Redaction:
    words: Marker  # the needles of what the reporter typed (their name and phone)
    report_id: str
    seq: int
    since: Since  # just after the redaction


def _wib_midnight_run(day: date) -> datetime:
    """The metrics job's instant that computes `day`: 00:30 WIB the day after."""
    return datetime.combine(day + timedelta(days=1), clock_time(0, 30), WIB)


def _a_working_day_to_add(probe: Probe, year: int, after: date) -> str:
    calendar = probe.call(
        probe.staff("coordinator"), "GET", "/staff/calendar/{year}", ids={"year": str(year)}
    )
    assert calendar.status_code == 200, calendar.text
    off = {day["date"] for day in calendar.json()["days"]}
    candidate = max(after, date(year, 1, 1))
    while candidate.year == year:
        if candidate.weekday() < 5 and candidate.isoformat() not in off:
            return candidate.isoformat()
        candidate += timedelta(days=1)
    pytest.fail(f"no working day left in {year} after {after}")


def _submit(probe: Probe, marker: Marker) -> dict[str, Filed]:
    """Every way in: refused submissions, with and without a key, anonymous, confidential, auto-disposed."""
    for path in ("/agencies", "/categories", "/health"):
        assert probe.call(PUBLIC, "GET", path).status_code == 200, path

    # Refused submissions: nothing written, and nothing of the identity logged either.
    bad_nik = _new_report({**marker.identity(), "nik": "12345"})
    assert probe.call(SUBMITTER, "POST", "/reports", body=bad_nik).status_code == 422
    unknown_field = {**_new_report(marker.identity()), "reporter_note": marker.name}
    assert probe.call(SUBMITTER, "POST", "/reports", body=unknown_field).status_code == 422
    torn = json.dumps(_new_report(marker.identity())).encode()[:-7]
    assert probe.call(SUBMITTER, "POST", "/reports", data=torn).status_code == 400

    # A routing rule that disposes on its own, for the auto-disposed report; put back afterwards.
    rules = probe.every_role("GET", "/staff/routing-rules")
    assert rules["coordinator"].status_code == 200, rules["coordinator"].text
    original_rules = rules["coordinator"].json()
    auto = {"category": "pju", "kecamatan": "Baros", "agency_id": AGENCY, "auto_dispose": True}
    changed = probe.every_role(
        "PUT", "/staff/routing-rules", body={"rules": [*original_rules["rules"], auto]}
    )
    assert changed["coordinator"].status_code == 200, changed["coordinator"].text

    pending_key = str(uuid.uuid4())
    filed = {
        # no key, every identity field: its whole life, and every reporter action
        "plain": probe.file(_new_report(marker.identity())),
        # keyed (and retried) and anonymous, reachable by phone only (SMS)
        "anonymous": probe.file(
            _new_report(marker.identity(email=False), anonymous=True), key=str(uuid.uuid4())
        ),
        # confidential: never public; followed up, then auto-closed by the late run
        "confidential": probe.file(_new_report(marker.identity(nik=False), confidential=True)),
        # keyed, anonymous and confidential: suspended, completed, suspended again, then expired
        "pending": probe.file(
            _new_report(marker.identity(phone=False), anonymous=True, confidential=True), key=pending_key
        ),
        "referred": probe.file(_new_report(marker.identity())),
        "archived": probe.file(_new_report(marker.identity())),
        "submitted": probe.file(_new_report(marker.identity())),  # left to the verify clock's ladder
        # disposed by the routing rule, returned, verified, forwarded
        "auto": probe.file(
            _new_report(marker.identity(), location={"lat": -6.93, "lon": 106.93, "kecamatan": "Baros"})
        ),
    }
    # One contact gets three codes a WIB day: the e-mail's went to the first three reports naming it, the
    # phone's to the phone-only one. Those reporters confirm; the others' ask for a code in vain.
    for name in ("plain", "anonymous", "confidential", "pending"):
        probe.confirm(filed[name])
    for name in ("submitted", "plain"):  # capped; confirmed already: 202, and nothing is sent
        asked = probe.call(
            probe.reporter(filed[name]),
            "POST",
            "/reports/{id}/contact/code",
            ids={"id": filed[name].id},
            body={},
        )
        assert asked.status_code == 202, asked.text
    codes = [item for item in probe.local_items("/_local/outbox") if item["template"] == CONFIRM_CONTACT]
    assert sorted(item["report_id"] for item in codes) == sorted(
        filed[name].id for name in ("plain", "anonymous", "confidential", "pending")
    )
    reused = probe.call(
        SUBMITTER,
        "POST",
        "/reports",
        body=_new_report(marker.identity(phone=False), title="Judul yang lain sekali"),
        headers={"Idempotency-Key": pending_key},
    )
    assert reused.status_code == 422, f"a key reused with another body: {reused.text}"
    assert probe.own_read(filed["auto"])["status"] == "DISPOSED", "the auto_dispose rule did not apply"
    restored = probe.call(probe.staff("coordinator"), "PUT", "/staff/routing-rules", body=original_rules)
    assert restored.status_code == 200, restored.text
    return filed


def _casework(probe: Probe, filed: Mapping[str, Filed]) -> None:
    """Every staff action and every reporter action."""
    plain, anonymous, confidential, pending = (
        filed[name] for name in ("plain", "anonymous", "confidential", "pending")
    )
    probe.act(plain, "verify", {**VERIFY, "note": "Sudah dicek, lokasi jelas."}, "coordinator")
    probe.act(plain, "followups", {"message": "Petugas dijadwalkan besok pagi."}, "operator")
    note = {"message": "Catatan internal: tiang nomor 12.", "internal": True}
    probe.act(plain, "followups", note, "official")
    probe.reply(plain, "Terima kasih, saya tunggu kabarnya.")
    probe.act(plain, "close", {"resolution": "Lampu sudah diganti baru."}, "official")
    probe.reply(plain, "Lampunya mati lagi sejak kemarin malam.", reopen=True)
    probe.act(plain, "followups", {"message": "Kami periksa ulang instalasinya."}, "official")
    probe.act(plain, "close", {"resolution": "Instalasi kabel sudah diperbaiki."}, "coordinator")
    rated = probe.call(
        probe.reporter(plain),
        "POST",
        "/reports/{id}/rating",
        ids={"id": plain.id},
        body={"score": 4, "resolved": True, "comment": "Cukup cepat."},
    )
    assert rated.status_code == 201, rated.text

    probe.act(anonymous, "verify", {**VERIFY, "anonymous": True}, "coordinator")
    probe.reply(anonymous, "Tambahan: lampu kedua juga mati.")

    probe.act(confidential, "verify", {**VERIFY, "confidential": True}, "coordinator")
    probe.act(confidential, "followups", {"message": "Sedang kami tangani minggu ini."}, "operator")

    probe.act(pending, "suspend", {"reason": "Mohon sebutkan nomor tiang lampu."}, "coordinator")
    probe.reply(pending, "Nomor tiangnya 12, dekat warung.")
    probe.act(pending, "suspend", {"reason": "Mohon lampirkan patokan lain."}, "coordinator")

    refer = {"reason": "Jalan provinsi.", "target": "Dishub Provinsi"}
    probe.act(filed["referred"], "refer", refer, "coordinator")
    probe.act(filed["archived"], "archive", {"reason": "Laporan ganda."}, "coordinator")

    auto = filed["auto"]
    probe.act(auto, "return", {"reason": "Bukan wewenang kami."}, "operator")
    probe.act(auto, "verify", VERIFY, "coordinator")
    probe.act(auto, "forward", {"agency_id": OTHER_AGENCY, "note": "Jalan kota."}, "coordinator")
    not_theirs = probe.call(
        probe.staff("official"),
        "POST",
        "/staff/reports/{id}/return",
        ids={"id": auto.id},
        body={"reason": "Bukan wewenang kami."},
    )
    assert not_theirs.status_code == 404, f"another agency's report: {not_theirs.text}"


def _calendar_and_jobs(probe: Probe, today: date) -> date:
    """A day off added and taken back; escalation far in the future; the indicators. The late run's day."""
    year = (today + timedelta(days=14)).year
    day_off = _a_working_day_to_add(probe, year, today + timedelta(days=7))
    ids = {"year": str(year)}
    assert probe.every_role("GET", "/staff/calendar/{year}", ids=ids)["coordinator"].status_code == 200
    added = probe.every_role("PUT", "/staff/calendar/{year}", ids=ids, body={"add": [day_off]})
    assert added["coordinator"].status_code == 200, added["coordinator"].text
    # Taken back before the run, which then looks at every running clock again but has nothing to move:
    # fewer writes for the run, the same code path.
    coordinator = probe.staff("coordinator")
    taken_back = probe.call(coordinator, "PUT", "/staff/calendar/{year}", ids=ids, body={"remove": [day_off]})
    assert taken_back.status_code == 200, taken_back.text

    late = datetime.now(UTC) + FAR_FUTURE
    escalation = probe.run_job("escalation", late)
    assert escalation["failures"] == 0, escalation
    late_day = late.astimezone(WIB).date()
    for day in (today, late_day):
        probe.run_job("metrics", _wib_midnight_run(day))
        daily = probe.every_role("GET", "/staff/metrics/daily/{date}", ids={"date": day.isoformat()})
        assert daily["coordinator"].status_code == 200, daily["coordinator"].text
    return late_day


def _open311(probe: Probe, marker: Marker) -> None:
    """The coordinator's Open311 keys (every role), and a GeoReport request filed with the marker."""
    keys = probe.every_role("POST", "/staff/open311/keys", body={"name": "Portal kota"})
    assert keys["coordinator"].status_code == 201, keys["coordinator"].text
    key = keys["coordinator"].json()
    assert probe.every_role("GET", "/staff/open311/keys")["coordinator"].status_code == 200
    form = (
        f"api_key={key['key']}&service_code=pju&lat=-6.92&long=106.93"
        "&description=Lampu+jalan+di+depan+pasar+mati+sejak+kemarin+malam"
        f"&first_name=Penanda&last_name=Unik+{marker.tag.capitalize()}&email={marker.email}"
    )
    filed = probe.call(
        PUBLIC,
        "POST",
        "/open311/v2/requests.json",
        data=form.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert filed.status_code in (200, 201), filed.text
    request_id = filed.json()[0]["service_request_id"]
    for path in (f"/open311/v2/requests/{request_id}.json", f"/open311/v2/requests/{request_id}.xml"):
        assert probe.call(PUBLIC, "GET", path).status_code == 404  # not verified: not public
    assert probe.call(PUBLIC, "GET", "/open311/v2/requests.json").status_code == 200
    revoked = probe.every_role("DELETE", "/staff/open311/keys/{key_id}", ids={"key_id": key["key_id"]})
    assert revoked["coordinator"].status_code == 204, revoked["coordinator"].text


def _staff_reads(probe: Probe, filed: Mapping[str, Filed], today: date) -> None:
    """Every staff read: of every report by the coordinator, of two by every role (and without a token)."""
    for name, one in filed.items():
        ids = {"id": one.id}
        for operation in ("/staff/reports/{id}", IDENTITY_ROUTE, "/staff/reports/{id}/access-log"):
            if name in ("plain", "anonymous"):
                answers = probe.every_role("GET", operation, ids=ids)
            else:
                answers = {"coordinator": probe.call(probe.staff("coordinator"), "GET", operation, ids=ids)}
            assert answers["coordinator"].status_code == 200, answers["coordinator"].text
            if "leadership" in answers and operation == IDENTITY_ROUTE:
                assert answers["leadership"].status_code == 403, answers["leadership"].text
    for role in ("operator", "official"):
        allowed = probe.call(probe.staff(role), "GET", IDENTITY_ROUTE, ids={"id": filed["plain"].id})
        assert allowed.status_code == 200, allowed.text
        refused = probe.call(probe.staff(role), "GET", IDENTITY_ROUTE, ids={"id": filed["anonymous"].id})
        assert refused.status_code in (403, 404), f"{role} read an anonymous reporter: {refused.text}"

    day = today.isoformat()
    for params in ({}, {"overdue": "true"}, {"from": day, "to": day, "limit": 2}):
        listed = probe.every_role("GET", "/staff/reports", params=params)
        assert all(answer.status_code == 200 for answer in listed.values()), params
    for params in ({"status": "DONE"}, {"agency_id": AGENCY}, {"category": "pju"}, {"q": "Lampu"}):
        assert (
            probe.call(probe.staff("coordinator"), "GET", "/staff/reports", params=params).status_code == 200
        )
    for role in STAFF_ROLES:
        page = probe.call(probe.staff(role), "GET", "/staff/reports", params={"limit": 2})
        if cursor := page.json()["next_cursor"]:
            probe.call(probe.staff(role), "GET", "/staff/reports", params={"limit": 2, "cursor": cursor})
    csv_range = {"from": day, "to": day, "limit": 3}
    csv = probe.every_role("GET", "/staff/exports/reports.csv", params=csv_range)
    assert csv["coordinator"].status_code == 200, csv["coordinator"].text
    if cursor := csv["coordinator"].headers.get("X-Next-Cursor"):
        next_page = {**csv_range, "cursor": cursor}
        probe.call(probe.staff("coordinator"), "GET", "/staff/exports/reports.csv", params=next_page)
    _leadership_reports(probe, today)


def _leadership_reports(probe: Probe, today: date) -> None:
    """Leadership's breakdowns, officers' activity and the month's recap in its three forms, every role."""
    days = {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}
    for by in ("agency", "category", "kecamatan", "month"):
        breakdown = probe.every_role("GET", "/staff/metrics/breakdown", params={**days, "by": by})
        assert breakdown["leadership"].status_code == 200, breakdown["leadership"].text
        assert breakdown["operator"].status_code == 403, breakdown["operator"].text
    officers = probe.every_role("GET", "/staff/metrics/officers", params=days)
    assert officers["official"].status_code == 200, officers["official"].text
    month = {"month": f"{today:%Y-%m}"}
    for form in ("html", "csv", "json"):
        recap = probe.every_role("GET", "/staff/recap/{month}", ids=month, params={"format": form})
        assert recap["coordinator"].status_code == 200, recap["coordinator"].text


def _administration(probe: Probe, officer: Marker) -> None:
    """The coordinator's lists and the officer roster, every operation with every role. The new officer's
    e-mail is the roster's marker: it may be in the roster's answers and item, nowhere else."""
    for operation in ("/staff/agencies", "/staff/categories"):
        lists = probe.every_role("GET", operation)
        assert lists["coordinator"].status_code == 200, lists["coordinator"].text
        assert lists["official"].status_code == 403, lists["official"].text
    agency = {"name": "Badan Perencanaan Pembangunan Daerah", "short_name": "Bappeda", "active": True}
    put = probe.every_role("PUT", "/staff/agencies/{id}", ids={"id": "bappeda"}, body=agency)
    assert put["coordinator"].status_code == 200, put["coordinator"].text
    category = {"name": "Taman kota", "default_agency_id": "bappeda", "default_type": "aspiration"}
    put = probe.every_role("PUT", "/staff/categories/{code}", ids={"code": "taman"}, body=category)
    assert put["coordinator"].status_code == 200, put["coordinator"].text

    decree = {"number": "800/077/Kep.Dishub/2026", "date": "2026-02-02"}
    new = {
        "name": officer.name,
        "email": officer.email,
        "role": "operator",
        "agency_id": AGENCY,
        "decree": decree,
    }
    added = probe.every_role("POST", "/staff/officers", body=new)
    assert added["coordinator"].status_code == 201, added["coordinator"].text
    assert added["operator"].status_code == 403, added["operator"].text
    ids = {"officer_id": added["coordinator"].json()["id"]}
    roster = probe.every_role("GET", "/staff/officers")
    assert officer.email in roster["official"].text  # the official's agency's officers
    assert roster["operator"].status_code == 403, roster["operator"].text
    off = probe.every_role("PATCH", "/staff/officers/{officer_id}", ids=ids, body={"active": False})
    assert off["coordinator"].status_code == 200, off["coordinator"].text
    as_officer = {"role": "operator", "agency_id": AGENCY, "sub": ids["officer_id"]}
    assert probe.call(LOCAL, "POST", "/_local/token", body=as_officer).status_code == 401  # inactive
    on = probe.call(
        probe.staff("coordinator"), "PATCH", "/staff/officers/{officer_id}", ids=ids, body={"active": True}
    )
    assert on.status_code == 200, on.text


def _public_reads(probe: Probe, filed: Mapping[str, Filed], days: tuple[date, date]) -> None:
    """Every read without a token (or with a wrong one): lists, pages, reports, summaries."""
    public_lists: list[dict[str, Any]] = [{}, {"status": "DONE"}, {"category": "pju"}, {"agency_id": AGENCY}]
    for params in [*public_lists, {"limit": 1}]:
        page = probe.call(PUBLIC, "GET", "/reports", params=params)
        assert page.status_code == 200, page.text
        if cursor := page.json()["next_cursor"]:
            probe.call(PUBLIC, "GET", "/reports", params={**params, "cursor": cursor})
    for first, last in ((None, None), (days[0], days[0]), (days[1], days[1])):
        summary_range = {"from": first.isoformat(), "to": last.isoformat()} if first and last else {}
        summary = probe.call(PUBLIC, "GET", "/metrics/summary", params=summary_range)
        assert summary.status_code == 200, summary.text
    wrong_token = Caller("public", "public", {"X-Report-Token": secrets.token_urlsafe(24)})
    for one in filed.values():
        probe.call(PUBLIC, "GET", "/reports/{id}", ids={"id": one.id})
        wrong = probe.call(wrong_token, "GET", "/reports/{id}", ids={"id": one.id})
        assert wrong.status_code == 401, wrong.text
    assert probe.call(PUBLIC, "GET", "/reports/{id}", ids={"id": filed["plain"].id}).status_code == 200


def _new_access_link(probe: Probe, plain: Filed) -> dict[str, Any]:
    """The plain report's reporter asks for a new link (and someone for an unknown report); the new read."""
    asked = probe.call(PUBLIC, "POST", "/reports/{id}/access", ids={"id": plain.id}, body={})
    assert asked.status_code == 202, asked.text
    unknown = probe.call(PUBLIC, "POST", "/reports/{id}/access", ids={"id": "LPR-AAAA-AAAA"}, body={})
    assert unknown.status_code == 202, unknown.text
    [link] = [
        item
        for item in probe.local_items("/_local/outbox")
        if item["report_id"] == plain.id and item["template"] == "access_link"
    ]
    return probe.own_read(plain, link_token(link["message"], plain.id))


def _erasure(probe: Probe, process: LocalStackProcess, endpoint: str) -> Erasure:
    """A reporter of their own is told (the code, the verification), attaches a document of their own, then
    the coordinator erases their identity (every role tries); casework and messages go on afterwards."""
    marker = Marker.new()
    filed = probe.file(_new_report(marker.identity()), key=str(uuid.uuid4()))
    probe.confirm(filed)
    ids = {"id": filed.id}
    probe.act(filed, "verify", VERIFY, "coordinator")
    photo = _photo_signed_by(marker)
    form = probe.call(
        probe.reporter(filed),
        "POST",
        "/reports/{id}/attachments",
        ids=ids,
        body={"content_type": "image/jpeg", "size": len(photo)},
    )
    _upload(form, photo)
    private_keys = [key for key in _objects(endpoint) if key.endswith(form.json()["attachment_id"])]
    assert private_keys, "the reporter's document was stored"
    identity = probe.call(probe.staff("coordinator"), "GET", IDENTITY_ROUTE, ids=ids)
    assert identity.status_code == 200, identity.text
    assert marker.nik in identity.text
    assert {
        item["template"] for item in probe.local_items("/_local/outbox") if item["report_id"] == filed.id
    } >= {
        CONFIRM_CONTACT,
        "laporan_diverifikasi",
    }

    since = Since.now(probe, process)
    reason = {"reason": "Permintaan pelapor (UU PDP)."}
    erased = probe.every_role("POST", "/staff/reports/{id}/erase-identity", ids=ids, body=reason)
    assert erased["coordinator"].status_code == 200, erased["coordinator"].text
    assert {erased[role].status_code for role in ("operator", "official", "leadership")} <= {403, 404}
    again = probe.call(
        probe.staff("coordinator"), "POST", "/staff/reports/{id}/erase-identity", ids=ids, body=reason
    )
    assert again.status_code == 200, again.text
    assert again.json()["version"] == erased["coordinator"].json()["version"], "a second call changes nothing"
    gone = probe.call(probe.staff("coordinator"), "GET", IDENTITY_ROUTE, ids=ids)
    assert (gone.status_code, gone.json()["error"]["code"]) == (410, "identity_erased")
    assert probe.call(probe.reporter(filed), "GET", "/reports/{id}", ids=ids).status_code == 401
    # The casework goes on (telling staff), and the jobs later: nothing more reaches the reporter.
    probe.act(filed, "return", {"reason": "Bukan wewenang kami."}, "operator")
    probe.act(filed, "verify", VERIFY, "coordinator")
    probe.act(filed, "followups", {"message": "Petugas memeriksa lokasi."}, "operator")
    asked = probe.call(PUBLIC, "POST", "/reports/{id}/access", ids=ids, body={})
    assert asked.status_code == 202, asked.text
    return Erasure(marker, filed, since, private_keys, erased["coordinator"].json())


def _redaction(probe: Probe, process: LocalStackProcess, report: Filed) -> Redaction:
    """The reporter types their phone and name into a reply; the coordinator redacts that entry (every role
    tries)."""
    words = Marker.new()
    typed = f"Hubungi saya di {words.phone}, atas nama {words.name}."
    probe.reply(report, typed)
    ids = {"id": report.id}
    timeline = probe.call(probe.staff("coordinator"), "GET", "/staff/reports/{id}", ids=ids).json()[
        "timeline"
    ]
    [entry] = [entry for entry in timeline if entry["note"] == typed]
    body = {"field": "entry", "seq": entry["seq"], "text": "[disunting: data pribadi]"}
    redacted = probe.every_role("POST", "/staff/reports/{id}/redactions", ids=ids, body=body)
    assert redacted["coordinator"].status_code == 200, redacted["coordinator"].text
    assert {redacted[role].status_code for role in ("operator", "official", "leadership")} <= {403, 404}
    since = Since.now(probe, process)
    for caller in (probe.staff("coordinator"), probe.reporter(report), PUBLIC):
        probe.call(
            caller, "GET", "/staff/reports/{id}" if caller.audience == "staff" else "/reports/{id}", ids=ids
        )
    return Redaction(words, report.id, entry["seq"], since)


def _photo_signed_by(marker: Marker) -> bytes:
    """A phone's photo whose metadata names the reporter: Exif Artist and description, and a comment."""
    from io import BytesIO

    from PIL import Image

    exif = Image.Exif()
    exif[0x013B] = marker.name  # Artist
    exif[0x010E] = f"{marker.email} {marker.phone}"  # ImageDescription
    buffer = BytesIO()
    Image.new("RGB", (24, 16), (200, 120, 40)).save(
        buffer, "JPEG", exif=exif.tobytes(), comment=f"NIK {marker.nik}".encode()
    )
    return buffer.getvalue()


def _upload(form: requests.Response, photo: bytes) -> None:
    assert form.status_code == 201, form.text
    upload = form.json()["upload"]
    stored = requests.post(
        upload["url"],
        data=upload["fields"],
        files={"file": ("photo.jpg", photo, "image/jpeg")},
        timeout=TIMEOUT,
    )
    assert stored.status_code == 204, stored.text


def _attachments(probe: Probe, filed: Mapping[str, Filed], marker: Marker) -> list[bytes]:
    """The reporter attaches a photo signed with the marker, and so does the coordinator (a staff photo is
    public once scrubbed; the reporter's, added after verification, is not); every role tries the staff
    route. The files are fetched through the reporter's and the public's links. Returns the bytes served."""
    plain = filed["plain"]
    photo = _photo_signed_by(marker)
    assert marker.found_in(photo.decode("latin-1")), "the marker is in the photo as uploaded"
    body = {"content_type": "image/jpeg", "size": len(photo)}
    ids = {"id": plain.id}
    _upload(probe.call(probe.reporter(plain), "POST", "/reports/{id}/attachments", ids=ids, body=body), photo)
    staff = probe.every_role("POST", "/staff/reports/{id}/attachments", ids=ids, body=body)
    assert staff["leadership"].status_code == 403, staff["leadership"].text
    _upload(staff["coordinator"], photo)
    own = [a["download_url"] for a in probe.own_read(plain)["attachments"] if a["download_url"]]
    public = probe.call(PUBLIC, "GET", "/reports/{id}", ids=ids).json()["attachments"]
    assert len(own) == 2, "the reporter's and the coordinator's photo, both scrubbed"
    assert len(public) == 1, "only the coordinator's: the reporter's came after the verification"
    served = [requests.get(link, timeout=TIMEOUT) for link in [*own, public[0]["download_url"]]]
    assert all(answer.status_code == 200 for answer in served)
    return [answer.content for answer in served]


@dataclass(frozen=True)
class Scenario:
    officer: Marker
    filed: dict[str, Filed]
    new_token_read: dict[str, Any]  # the plain report read with the token of its new access link
    served_files: list[bytes]
    erasure: Erasure
    redaction: Redaction


def _scenario(probe: Probe, marker: Marker, process: LocalStackProcess, endpoint: str) -> Scenario:
    today = datetime.now(WIB).date()
    filed = _submit(probe, marker)
    _casework(probe, filed)
    served_files = _attachments(probe, filed, marker)
    erasure = _erasure(probe, process, endpoint)
    redaction = _redaction(probe, process, filed["auto"])
    late_day = _calendar_and_jobs(probe, today)
    _open311(probe, marker)
    officer = Marker.new()
    _administration(probe, officer)
    _staff_reads(probe, filed, today)
    _public_reads(probe, filed, (today, late_day))
    new_token_read = _new_access_link(probe, filed["plain"])
    return Scenario(officer, filed, new_token_read, served_files, erasure, redaction)


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Observed:
    """The scenario on a stack of its own; what every sink holds once the stack has stopped."""
    process = LocalStackProcess(tmp_path_factory.mktemp("privacy-markers") / "local-data")
    marker = Marker.new()
    try:
        base_url = process.start()
        endpoint = _embedded_endpoint(process)
        tap = EventTap(endpoint)
        probe = Probe(base_url)
        scenario = _scenario(probe, marker, process, endpoint)
        filed = scenario.filed
        outbox = probe.local_items("/_local/outbox")
        dead_letters = probe.local_items("/_local/dead-letters")
        events = tap.drain()
        agencies = [
            agency["id"] for agency in requests.get(f"{base_url}/agencies", timeout=TIMEOUT).json()["items"]
        ]
        report_ids = [one.id for one in filed.values()] + [scenario.erasure.filed.id]
        table = _read_table(endpoint, report_ids, agencies)
        objects = _objects(endpoint)
        own_reads = {name: probe.own_read(one) for name, one in filed.items() if name != "plain"}
        own_reads["plain"] = scenario.new_token_read
    finally:
        exit_code = process.stop()
    assert exit_code == 0, process.output_tail()
    writes = [_write(line, entry) for line, entry in logged_writes(process.data_dir / LOG_FILE_NAME)]
    kept = [process.data_dir / SNAPSHOT_FILE_NAME, *(process.data_dir / S3_DIR_NAME).rglob("*")]
    data_files = {str(path): path.read_bytes() for path in kept if path.is_file()}
    return Observed(
        marker=marker,
        officer=scenario.officer,
        filed=filed,
        answers=probe.answers,
        outbox=outbox,
        dead_letters=dead_letters,
        events=events,
        buses=tap.buses,
        table=table,
        writes=writes,
        stdout=process.stdout_path.read_text(encoding="utf-8", errors="replace"),
        stderr=process.stderr_path.read_text(encoding="utf-8", errors="replace"),
        own_reads=own_reads,
        operations={(answer.method, answer.operation) for answer in probe.answers},
        served_files=scenario.served_files,
        erasure=scenario.erasure,
        redaction=scenario.redaction,
        objects=objects,
        data_files=data_files,
    )


# --- the sinks ---------------------------------------------------------------------------------------------


def _lines_with(marker: Marker, text: str) -> list[str]:
    """Where the marker is, as `line N: …context…` (a window around the first needle of each line)."""
    found: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if needles := marker.found_in(line):
            at = line.lower().index(needles[0])
            found.append(f"line {number}: …{line[max(0, at - 200) : at + 60]}…")
    return found


def _every_marker(observed: Observed) -> tuple[Marker, ...]:
    """The reporters' markers and the words a reporter typed: none may be in a log, an event, a public
    answer."""
    return (observed.marker, observed.erasure.marker, observed.redaction.words)


def _values(document: Any, key: str) -> list[Any]:
    if isinstance(document, dict):
        found = [document[key]] if key in document else []
        return found + [value for inner in document.values() for value in _values(inner, key)]
    if isinstance(document, list):
        return [value for inner in document for value in _values(inner, key)]
    return []


def test_the_marker_went_in_and_comes_out_to_the_reporter_and_the_identity_route(observed: Observed) -> None:
    marker, filed = observed.marker, observed.filed
    for name, one in filed.items():
        nik = one.reporter.get("nik")
        assert observed.own_reads[name]["reporter"] == {
            "name": marker.name,
            "email": one.reporter.get("email"),
            "phone": one.reporter.get("phone"),
            "nik": f"{nik[:4]}********{nik[-4:]}" if nik else None,  # masked to the reporter
        }, name
    by_path = {
        answer.path: answer
        for answer in observed.answers
        if answer.operation == IDENTITY_ROUTE and answer.caller == "coordinator"
    }
    for one in filed.values():
        answer = by_path[IDENTITY_ROUTE.format(id=one.id)]
        assert answer.status == 200, answer.where
        for value in one.reporter.values():
            assert value in answer.text, f"{answer.where} lacks {value}"
    plain_log = [
        answer
        for answer in observed.answers
        if answer.operation == "/staff/reports/{id}/access-log"
        and answer.caller == "coordinator"
        and answer.path.endswith(f"/{filed['plain'].id}/access-log")
    ]
    roles = _values(json.loads(plain_log[-1].body), "actor_role")
    assert {"coordinator", "official"} <= set(roles), roles
    assert sum(
        1 for write in observed.writes if _is_identity_item(write) and marker.found_in(write.text)
    ) >= len(filed)


def test_no_log_line_and_no_metric_holds_the_marker(observed: Observed) -> None:
    # The capture works: structured logs, EMF metrics and the gateway's request lines are there.
    assert '"message":"report filed"' in observed.stdout
    assert '"message":"escalation run"' in observed.stdout
    assert '"message":"indicators computed"' in observed.stdout
    assert '"_aws":{' in observed.stdout, "no EMF line on stdout"
    assert "local: POST /reports -> 201" in observed.stderr
    for marker in _every_marker(observed):
        assert _lines_with(marker, observed.stdout) == [], "stdout (logs, EMF) names the reporter"
        assert _lines_with(marker, observed.stderr) == [], "stderr names the reporter"


def test_no_public_answer_holds_the_marker(observed: Observed) -> None:
    # Refused submissions count as public: an error names the field, never echoes the value.
    public = [
        answer
        for answer in observed.answers
        if answer.audience in ("public", "local") or (answer.caller == "submitter" and answer.status >= 400)
    ]
    assert sum(1 for answer in public if answer.caller == "submitter") == 4
    assert any(answer.operation == "/reports/{id}" and answer.status == 200 for answer in public)
    leaks = [
        answer.where
        for answer in public
        for marker in _every_marker(observed)
        if marker.found_in(answer.text)
    ]
    assert leaks == []


def test_no_staff_answer_but_the_identity_route_holds_the_marker(observed: Observed) -> None:
    staff = [
        answer
        for answer in observed.answers
        if answer.audience == "staff" and not (answer.operation == IDENTITY_ROUTE and answer.status == 200)
    ]
    markers = (observed.marker, observed.erasure.marker)
    leaks = [answer.where for answer in staff for marker in markers if marker.found_in(answer.text)]
    assert leaks == []


def test_no_index_and_no_write_but_the_identity_item_holds_the_marker(observed: Observed) -> None:
    marker = observed.marker
    written_elsewhere = [
        f"{write.where}: {marker.found_in(write.text)}"
        for write in observed.writes
        if marker.found_in(write.text) and not _is_identity_item(write)
    ]
    assert written_elsewhere == [], "the marker was written outside the identity item"
    indexed_identity = [
        f"{write.where}: {sorted(write.attributes & INDEX_ATTRIBUTES)}"
        for write in observed.writes
        if _is_identity_item(write) and write.attributes & INDEX_ATTRIBUTES
    ]
    assert indexed_identity == [], "an identity item carries an index attribute"
    indexed_marker = [
        write.where
        for write in observed.writes
        if write.attributes & INDEX_ATTRIBUTES and marker.found_in(write.text)
    ]
    assert indexed_marker == []

    table = observed.table
    assert table.index_names == set(INDEXES), "an index this test does not read"
    queued = {_string(item.get("id")) for item in table.index_items["queue-index"]}
    assert {one.id for one in observed.filed.values()} <= queued
    for index, items in table.index_items.items():
        assert items or index in ("public-index", "updates-index")
        assert [item for item in items if marker.found_in(json.dumps(item))] == [], index
    for one in observed.filed.values():
        identity = [item for item in table.identity_items[one.id] if _string(item.get("sk")) == "I"]
        assert len(identity) == 1, one.id
        assert marker.found_in(json.dumps(identity[0])), one.id
        assert not set(identity[0]) & INDEX_ATTRIBUTES, one.id
        leaky = [
            f"{_string(item.get('pk'))} / {_string(item.get('sk'))}"
            for item in [*table.report_items[one.id], *table.identity_items[one.id]]
            if _string(item.get("sk")) != "I" and marker.found_in(json.dumps(item))
        ]
        assert leaky == [], one.id


def test_no_event_and_no_dead_letter_holds_the_marker(observed: Observed) -> None:
    events = observed.events
    assert len(observed.buses) >= 2, observed.buses  # the default bus and the application's
    # The tap saw every kind of event the scenario sets off, the jobs' and the access link's included.
    missing = {f"lapor.report.{action}" for action in EVENT_ACTIONS} - {
        event["detail-type"] for event in events
    }
    assert missing == set()
    leaks = [
        f"{event['detail-type']} {event['detail'].get('report_id')}"
        for event in events
        for marker in _every_marker(observed)
        if marker.found_in(json.dumps(event))
    ]
    assert leaks == []
    assert observed.dead_letters == []


def test_only_the_reporter_is_told_and_only_as_the_recipient(observed: Observed) -> None:
    marker = observed.marker
    for item in observed.outbox:
        rest = json.dumps(
            {key: value for key, value in item.items() if key != "recipient"}, ensure_ascii=False
        )
        where = f"{item['template']} to {item['channel']} for {item['report_id']}"
        assert marker.found_in(rest) == [], f"{where}: the message itself names the reporter"
        if marker.found_in(item["recipient"]):
            assert item["channel"] in ("email", "sms"), where
            assert item["recipient"] in (marker.email, marker.phone), where
        if item["channel"] == "staff":
            assert not marker.found_in(item["recipient"]), where
    recipients = {(item["channel"], item["recipient"]) for item in observed.outbox}
    assert ("email", marker.email) in recipients
    assert ("sms", marker.phone) in recipients, "the phone-only reporter was told by SMS"


def test_the_codes_the_delivery_records_and_the_contact_counters_hold_no_identity(observed: Observed) -> None:
    marker, table = observed.marker, observed.table
    codes = [item for item in observed.outbox if item["template"] == CONFIRM_CONTACT]
    assert {(item["channel"], item["recipient"], item["state"]) for item in codes} >= {
        ("email", marker.email, "delivered"),
        ("sms", marker.phone, "delivered"),
    }
    for item in codes:
        assert code_in(item["message"])
        assert not marker.found_in(item["message"])
    confirmed = ("plain", "anonymous", "confidential", "pending")
    for name, one in observed.filed.items():
        records = [item for item in table.report_items[one.id] if _string(item.get("sk")).startswith("SEND#")]
        states = {_string(item.get("template")): _string(item.get("state")) for item in records}
        if name in confirmed:
            assert states.get(CONFIRM_CONTACT) == "delivered", (name, states)
            assert len(records) > 1, f"{name}: nothing but the code reached a confirmed reporter"
            assert set(states.values()) == {"delivered"}, (name, states)
        else:  # the contact's codes of the day were used up: the code is held back, and nothing else is due
            assert states == {CONFIRM_CONTACT: "failed"}, (name, states)
            assert {_string(item.get("reason")) for item in records} == {"daily_cap"}, name
        for item in records:
            assert set(item) - {"pk", "sk"} <= DELIVERY_ATTRIBUTES, sorted(item)
            assert not marker.found_in(json.dumps(item)), name
    assert len(table.contact_items) >= 2, "the e-mail's and the phone's daily code counters"
    assert [item for item in table.contact_items if marker.found_in(json.dumps(item))] == []
    for item in table.contact_items:
        assert marker.email not in json.dumps(item)


def test_after_the_erasure_the_reporter_is_nowhere_but_in_what_was_written_before(observed: Observed) -> None:
    erasure = observed.erasure
    marker, report_id, since = erasure.marker, erasure.filed.id, erasure.since
    assert "identity_erased" in [entry["action"] for entry in erasure.answer["timeline"]]
    # Before: the reporter was told (those messages stand for what was delivered, and stay).
    before = observed.outbox[: since.outbox]
    told = {item["template"] for item in before if item["recipient"] in (marker.email, marker.phone)}
    assert told >= {CONFIRM_CONTACT, "laporan_diverifikasi"}
    # After: messages about the report went on (to staff), none to the reporter, none naming them.
    later = observed.outbox[since.outbox :]
    assert [item for item in later if item["report_id"] == report_id], "nothing happened afterwards"
    assert [item for item in later if item["report_id"] == report_id and item["channel"] != "staff"] == []
    assert [item for item in later if marker.found_in(json.dumps(item))] == []
    assert [
        write.where for write in observed.writes if write.line > since.writes and marker.found_in(write.text)
    ] == []
    assert [a.where for a in observed.answers[since.answers :] if marker.found_in(a.text)] == []
    # Now: no table item, no object, no file of the data folder.
    assert [item for item in observed.table.every_item if marker.found_in(json.dumps(item))] == []
    [identity] = observed.table.identity_items[report_id]  # the tokens' item is gone; the identity's is bare
    assert (_string(identity.get("sk")), _string(identity.get("contact_state"))) == ("I", "erased")
    assert not set(identity) & {"name", "email", "phone", "nik"}, sorted(identity)
    assert set(erasure.private_keys) & set(observed.objects) == set(), (
        "the reporter's document is still there"
    )
    assert [key for key, data in observed.objects.items() if marker.found_in(data.decode("latin-1"))] == []
    assert [
        path for path, data in observed.data_files.items() if marker.found_in(data.decode("latin-1"))
    ] == []
    attachments = erasure.answer.get("attachments") or []
    assert not [item for item in attachments if any(key.endswith(item["id"]) for key in erasure.private_keys)]


def test_redacted_words_are_nowhere_after_the_redaction(observed: Observed) -> None:
    redaction = observed.redaction
    words, since = redaction.words, redaction.since
    written = [write for write in observed.writes if words.found_in(write.text)]
    assert written, "the reporter's words went in"
    assert all(write.line <= since.writes for write in written)
    assert [a.where for a in observed.answers[since.answers :] if words.found_in(a.text)] == []
    redacting = [a for a in observed.answers if a.operation == "/staff/reports/{id}/redactions"]
    assert redacting
    assert [a.where for a in redacting if words.found_in(a.text)] == []
    assert [item for item in observed.table.every_item if words.found_in(json.dumps(item))] == []
    assert [item for item in observed.outbox if words.found_in(json.dumps(item))] == []
    last_staff_read = next(
        json.loads(a.body)
        for a in reversed(observed.answers)
        if a.caller == "coordinator" and a.path == f"/staff/reports/{redaction.report_id}" and a.status == 200
    )
    entries = {entry["seq"]: entry for entry in last_staff_read["timeline"]}
    assert entries[redaction.seq]["note"] == "[disunting: data pribadi]"
    [redact] = [entry for entry in last_staff_read["timeline"] if entry["action"] == "redact"]
    assert redact["note"] == f"entry {redaction.seq} (reply)"


def test_no_attachment_served_holds_the_marker(observed: Observed) -> None:
    assert observed.served_files
    for served in observed.served_files:
        assert served.startswith(b"\xff\xd8"), "a JPEG"
        assert not observed.marker.found_in(served.decode("latin-1"))


def test_every_operation_ran_and_every_staff_one_with_every_role(observed: Observed) -> None:
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert operations - observed.operations == set()
    for method, path in sorted(operations):
        if path.startswith("/staff/"):
            callers = {a.caller for a in observed.answers if (a.method, a.operation) == (method, path)}
            assert {*STAFF_ROLES, "public"} <= callers, f"{method} {path}: {sorted(callers)}"


def test_the_jobs_fired_every_step(observed: Observed) -> None:
    reads = observed.own_reads

    def actions(name: str) -> list[str]:
        return [entry["action"] for entry in reads[name]["timeline"]]

    assert (reads["confidential"]["status"], actions("confidential")[-1]) == ("DONE", "auto_close")
    assert (reads["pending"]["status"], actions("pending")[-1]) == ("ARCHIVED", "expire")
    assert {"remind", "breach", "escalate"} <= set(actions("submitted"))
    assert {"remind", "breach", "escalate"} <= set(actions("anonymous"))
    assert reads["plain"]["status"] == "DONE"
    assert reads["plain"]["rating"]["score"] == 4
    assert reads["referred"]["status"] == "REFERRED"
    assert reads["archived"]["status"] == "ARCHIVED"
    assert reads["auto"]["agency"]["id"] == OTHER_AGENCY
    assert [entry["actor_role"] for entry in reads["auto"]["timeline"][:2]] == ["reporter", "system"]


def test_an_officers_email_is_in_the_rosters_answers_and_item_alone(observed: Observed) -> None:
    email = observed.officer.email
    answers = [answer for answer in observed.answers if email in answer.text.lower()]
    assert answers, "the roster's answers hold the e-mail"
    assert {answer.operation for answer in answers} <= ROSTER_ROUTES, [a.where for a in answers]
    assert email not in observed.stdout.lower()  # logs and metrics
    assert email not in observed.stderr.lower()
    assert [event for event in observed.events if email in json.dumps(event).lower()] == []
    assert [item for item in observed.outbox if email in json.dumps(item).lower()] == []
    holders = {
        (_string(i.get("pk")), _string(i.get("sk"))[:8])
        for i in observed.table.every_item
        if email in json.dumps(i)
    }
    assert holders == {("ROSTER", "OFFICER#")}  # the roster's item, not its audit entries, no index
    assert {write.pk for write in observed.writes if email in write.text} == {"ROSTER"}
