"""The reports' attachment records on DynamoDB: one `UPLOADS` item per report (docs/ARCHITECTURE.md).

| Item | `pk` | `sk` | Notes |
|---|---|---|---|
| attachment records | `REPORT#<id>` | `UPLOADS` | `revision`; `files`: attachment id -> record |

Every change (a new form's record, a file scrubbed or refused) puts the whole item, conditional on the
revision it was computed from: two concurrent uploads cannot both take the last slot, and a scrub never
overwrites a record another writer changed meanwhile. The item stays small (`lapor.domain.attachments.kept`).
"""

from __future__ import annotations

from collections.abc import Sequence

from lapor.adapters.dynamodb.codec import from_item, to_item, value
from lapor.adapters.dynamodb.items import UPLOADS_SK, attachments_from_item, report_pk, uploads_item
from lapor.adapters.dynamodb.repository import DynamoReportRepository
from lapor.domain.attachments import Attachment, AttachmentSet
from lapor.domain.errors import VersionConflict


class DynamoAttachmentRecords(DynamoReportRepository):
    def attachments(self, report_id: str) -> AttachmentSet:
        answer = self._call(
            "get_item",
            {
                "TableName": self._table,
                "Key": {"pk": value(report_pk(report_id)), "sk": value(UPLOADS_SK)},
                "ConsistentRead": True,
            },
        )
        item = answer.get("Item")
        return attachments_from_item(from_item(item)) if item else AttachmentSet()

    def store(self, report_id: str, based_on: int, files: Sequence[Attachment]) -> None:
        first = based_on == 0
        request = {
            "TableName": self._table,
            "Item": to_item(uploads_item(report_id, based_on + 1, list(files))),
            "ConditionExpression": "attribute_not_exists(pk)" if first else "#revision = :based_on",
        }
        if not first:
            request["ExpressionAttributeNames"] = {"#revision": "revision"}
            request["ExpressionAttributeValues"] = {":based_on": value(based_on)}
        if not self._conditional("put_item", request):
            raise VersionConflict(report_id)
