"""The reporter's contact, for the notifier: one Query of the report's identity item (`sk = "I"`).

Only the contact leaves this module; the rest of the identity (name, NIK) is read with the item and
dropped here, and none of it is ever logged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lapor.adapters.dynamodb.codec import from_item, value
from lapor.adapters.dynamodb.items import IDENTITY_SK, identity_from_item, report_pk
from lapor.domain.notifications import Contact, contact_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoContactBook:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def contact(self, report_id: str) -> Contact | None:
        answer = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk = :sk",
            ExpressionAttributeValues={":pk": value(report_pk(report_id)), ":sk": value(IDENTITY_SK)},
            ConsistentRead=True,
        )
        items = answer.get("Items", [])
        if not items:
            return None
        return contact_of(identity_from_item(from_item(items[0])))
