"""The staff notifications topic: one SNS publication per message (lapor.ports.MessageSender).

The body is the message's text; `channel`, `recipient`, `template` and `report_id` travel as message
attributes, which delivery (SES, an SMS gateway, the staff console) filters its subscriptions on. The
client is built on first use, with standard retries and bounded attempts and timeouts, like the DynamoDB
client: a slow topic costs a retry, and a publication that still fails raises so the event is retried.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from lapor.adapters.sdk_config import new_client
from lapor.domain.notifications import Message

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef


@lru_cache(maxsize=1)
def sns_client() -> SNSClient:
    client: SNSClient = new_client("sns")
    return client


class SnsPublisher:
    def __init__(self, topic_arn: str, client: SNSClient | None = None) -> None:
        self._topic_arn = topic_arn
        self._client = client

    def send(self, message: Message) -> str:
        client = self._client or sns_client()
        answer = client.publish(
            TopicArn=self._topic_arn,
            Message=message.text,
            MessageAttributes={
                "channel": _string(message.channel),
                "recipient": _string(message.recipient),
                "template": _string(message.template),
                "report_id": _string(message.report_id),
            },
        )
        return str(answer.get("MessageId", ""))


def _string(text: str) -> MessageAttributeValueTypeDef:
    return {"DataType": "String", "StringValue": text}
