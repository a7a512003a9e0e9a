"""The reports' attachment records on DynamoDB: one `UPLOADS` item per report (docs/ARCHITECTURE.md).

| Item | `pk` | `sk` | Notes |
|---|---|---|---|
| attachment records | `REPORT#<id>` | `UPLOADS` | `revision`; `files`: attachment id -> record |

Adding a record is conditional on the revision the caller counted against (so two concurrent uploads cannot
both take the last slot); the scrubber settles one record by a conditional update of that record alone,
which never frees or takes a slot the count relies on, so it leaves the revision as it is.
"""

from __future__ import annotations

from datetime import datetime

from lapor.adapters.dynamodb.codec import from_item, to_item, value
from lapor.adapters.dynamodb.items import (
    UPLOADS_SK,
    attachment_fields,
    attachment_from_fields,
    report_pk,
    uploads_item,
)
from lapor.adapters.dynamodb.repository import DynamoReportRepository, _sdk_errors
from lapor.domain.attachments import Attachment, AttachmentStatus
from lapor.domain.errors import VersionConflict
from lapor.domain.wallclock import iso

_FAILED_CONDITION = "ConditionalCheckFailedException"


class DynamoAttachmentRecords(DynamoReportRepository):
    def reserve(self, report_id: str, based_on: int, record: Attachment) -> None:
        key = {"pk": value(report_pk(report_id)), "sk": value(UPLOADS_SK)}
        client_error, _ = _sdk_errors()
        try:
            if based_on == 0:
                self._call(
                    "put_item",
                    {
                        "TableName": self._table,
                        "Item": to_item(uploads_item(report_id, 1, [record])),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    },
                )
                return
            self._call(
                "update_item",
                {
                    "TableName": self._table,
                    "Key": key,
                    "UpdateExpression": "SET #files.#id = :record, #revision = :next",
                    "ConditionExpression": "#revision = :based_on",
                    "ExpressionAttributeNames": {
                        "#files": "files",
                        "#id": record.id,
                        "#revision": "revision",
                    },
                    "ExpressionAttributeValues": {
                        ":record": value(attachment_fields(record)),
                        ":next": value(based_on + 1),
                        ":based_on": value(based_on),
                    },
                },
            )
        except client_error as error:
            if error.response.get("Error", {}).get("Code") == _FAILED_CONDITION:
                raise VersionConflict(report_id) from error
            raise

    def record(self, report_id: str, attachment_id: str) -> Attachment | None:
        answer = self._call(
            "get_item",
            {
                "TableName": self._table,
                "Key": {"pk": value(report_pk(report_id)), "sk": value(UPLOADS_SK)},
                "ProjectionExpression": "#files.#id",
                "ExpressionAttributeNames": {"#files": "files", "#id": attachment_id},
                "ConsistentRead": True,
            },
        )
        item = from_item(answer.get("Item") or {})
        fields = (item.get("files") or {}).get(attachment_id)
        return attachment_from_fields(attachment_id, fields) if fields else None

    def settle(
        self,
        report_id: str,
        attachment_id: str,
        status: AttachmentStatus,
        size: int | None,
        at: datetime,
        reason: str | None = None,
    ) -> bool:
        sets = ["#files.#id.#status = :status", "#files.#id.#settled_at = :at"]
        values = {":status": value(status.value), ":at": value(iso(at)), ":pending": value("pending")}
        if size is not None:
            sets.append("#files.#id.#size = :size")
            values[":size"] = value(size)
        if reason is not None:
            sets.append("#files.#id.#reason = :reason")
            values[":reason"] = value(reason)
        client_error, _ = _sdk_errors()
        try:
            self._call(
                "update_item",
                {
                    "TableName": self._table,
                    "Key": {"pk": value(report_pk(report_id)), "sk": value(UPLOADS_SK)},
                    "UpdateExpression": "SET " + ", ".join(sets),
                    "ConditionExpression": "#files.#id.#status = :pending",
                    "ExpressionAttributeNames": {
                        "#files": "files",
                        "#id": attachment_id,
                        "#status": "status",
                        "#settled_at": "settled_at",
                        **({"#size": "size"} if size is not None else {}),
                        **({"#reason": "reason"} if reason is not None else {}),
                    },
                    "ExpressionAttributeValues": values,
                },
            )
        except client_error as error:
            if error.response.get("Error", {}).get("Code") == _FAILED_CONDITION:
                return False
            raise
        return True
