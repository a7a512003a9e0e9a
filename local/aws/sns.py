"""SNS publications: to a topic a function of the template subscribes to (`Type: SNS`), delivered to it in
Lambda's SNS event shape; to any other topic, into the outbox (`GET /_local/outbox`), which stands for what
the topic's subscribers (people) receive.

The notifier sends a staff message as the body and `channel`, `recipient`, `template` and `report_id` as
message attributes (docs/ARCHITECTURE.md, Reaching the reporter); those make the outbox entry. Requests are
SNS's query protocol, form-encoded; the MessageId is moto's. The local SMS service publishes its events to
its configuration set's topic the same way (`local.aws.sms`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from local.aws.environment import REGION
from local.lambdas.triggers import TopicTrigger, TriggerInvoker
from local.memory_logs import Pending, outbox_entry

STAFF_MESSAGE_STATE = "sent"  # SNS took it; what becomes of it at the subscriber's is not known
_BATCH_ENTRY = "PublishBatchRequestEntries.member.{}."


@dataclass(frozen=True)
class Publication:
    """One message SNS accepted on a topic, with its attributes as SNS delivers them (`{"Type", "Value"}`)."""

    topic_arn: str
    message_id: str
    message: str
    subject: str | None = None
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def outbox_entry(self) -> dict[str, Any]:
        values = {name: attribute.get("Value") for name, attribute in self.attributes.items()}
        return outbox_entry(
            values.get("channel"),
            values.get("recipient"),
            values.get("template"),
            values.get("report_id"),
            self.message,
            STAFF_MESSAGE_STATE,
            self.at,
        )


PendingPublications = Pending[Publication]


def new_publication(topic_arn: str, message: str) -> Publication:
    """A message an AWS service publishes to a topic itself (End User Messaging SMS's events)."""
    return Publication(topic_arn, str(uuid.uuid4()), message)


def _message_attributes(form: Mapping[str, str], prefix: str = "") -> dict[str, dict[str, str]]:
    attributes: dict[str, dict[str, str]] = {}
    index = 1
    while f"{prefix}MessageAttributes.entry.{index}.Name" in form:
        entry = f"{prefix}MessageAttributes.entry.{index}."
        data_type = form.get(entry + "Value.DataType", "String")
        attributes[form[entry + "Name"]] = {
            "Type": data_type,
            "Value": form.get(entry + "Value.StringValue", form.get(entry + "Value.BinaryValue", "")),
        }
        index += 1
    return attributes


def published(form: Mapping[str, str], answer: bytes) -> list[Publication]:
    """The messages of a successful `Publish` or `PublishBatch` request (moto answered 200)."""
    action = form.get("Action")
    message_ids = _message_ids(answer)
    topic = form.get("TopicArn") or form.get("TargetArn") or ""
    if action == "Publish":
        return [
            Publication(
                topic,
                message_ids.get("", ""),
                form.get("Message", ""),
                form.get("Subject"),
                _message_attributes(form),
            )
        ]
    if action != "PublishBatch":
        return []
    publications: list[Publication] = []
    index = 1
    while _BATCH_ENTRY.format(index) + "Id" in form:
        entry = _BATCH_ENTRY.format(index)
        if form[entry + "Id"] in message_ids:
            publications.append(
                Publication(
                    topic,
                    message_ids[form[entry + "Id"]],
                    form.get(entry + "Message", ""),
                    form.get(entry + "Subject"),
                    _message_attributes(form, entry),
                )
            )
        index += 1
    return publications


def _message_ids(answer: bytes) -> dict[str, str]:
    """MessageId by the batch entry's Id (`""` for a single Publish's)."""
    try:
        root = ElementTree.fromstring(answer)  # noqa: S314 - moto's own answer
    except ElementTree.ParseError:
        return {}
    found: dict[str, str] = {}
    for node in root.iter():
        children = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in node}
        if node.tag.endswith("PublishResult") and "MessageId" in children:
            found[""] = children["MessageId"]
        elif node.tag.endswith("member") and "MessageId" in children and "Id" in children:
            found[children["Id"]] = children["MessageId"]
    return found


def lambda_sns_event(publication: Publication, trigger: TopicTrigger) -> dict[str, Any]:
    """What SNS hands a subscribed function: one record a message."""
    subscription = f"{publication.topic_arn}:{uuid.uuid5(uuid.NAMESPACE_URL, trigger.function_id)}"
    endpoint = f"https://sns.{REGION}.amazonaws.com"
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": publication.message_id,
                    "TopicArn": publication.topic_arn,
                    "Subject": publication.subject,
                    "Message": publication.message,
                    "Timestamp": publication.at.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
                    "SignatureVersion": "1",
                    "Signature": "",
                    "SigningCertUrl": f"{endpoint}/SimpleNotificationService-local.pem",
                    "UnsubscribeUrl": f"{endpoint}/?Action=Unsubscribe&SubscriptionArn={subscription}",
                    "MessageAttributes": publication.attributes,
                },
            }
        ]
    }


class TopicDelivery:
    """Dispatch what was published to subscribed topics to the subscribed functions (SNS invokes them
    asynchronously: Lambda's retries, then the dead letters)."""

    def __init__(
        self, triggers: list[TopicTrigger], pending: PendingPublications, invoker: TriggerInvoker
    ) -> None:
        self._triggers = triggers
        self._pending = pending
        self._invoker = invoker

    def discard_pending(self) -> None:
        self._pending.take_all()

    def dispatch_pending(self) -> int:
        publications = self._pending.take_all()
        for publication in publications:
            for trigger in self._triggers:
                if trigger.topic_arn == publication.topic_arn and trigger.accepts(
                    publication.attributes, publication.message
                ):
                    event = lambda_sns_event(publication, trigger)
                    self._invoker.invoke_async(
                        trigger.function_id, event, trigger.event_name, "SNS", trigger.maximum_retry_attempts
                    )
        return len(publications)
