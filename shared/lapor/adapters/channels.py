"""Delivery channels behind `lapor.ports.MessageSender`: e-mail through Amazon SES v2, SMS through AWS End
User Messaging SMS (pinpoint-sms-voice-v2), staff messages on the SNS topic; `ChannelRouter` picks by the
message's channel.

Each send carries the report id, the delivery record's key and the template's name (SES message tags, the SMS
`Context`), which the providers' feedback events carry back (`functions/delivery_status`): the record is
found without any address. A refusal that a retry cannot mend (a rejected address, an invalid number, an
opted-out one, a paused account) is `DeliveryRefused` with a fixed reason; throttling and timeouts raise as
they are, so the event is retried. Nothing here logs an address or a message's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from lapor.adapters.sdk_config import new_client
from lapor.domain.contact import e164
from lapor.domain.errors import DeliveryRefused
from lapor.domain.notifications import Message, email_subject
from lapor.ports import MessageSender

EMAIL_REFUSALS: Mapping[str, str] = {
    "MessageRejected": "rejected",
    "AccountSuspendedException": "account_suspended",
    "SendingPausedException": "sending_paused",
    "MailFromDomainNotVerifiedException": "sender_not_verified",
    "NotFoundException": "sender_not_verified",
    "BadRequestException": "bad_request",
}
SMS_REFUSALS: Mapping[str, str] = {
    "ValidationException": "invalid_number",
    "ConflictException": "opted_out",  # the destination opted out, or the identity cannot reach it
    "AccessDeniedException": "sms_not_allowed",
    "ResourceNotFoundException": "origination_not_found",
    "ServiceQuotaExceededException": "sms_quota_exceeded",
}


@lru_cache(maxsize=1)
def sesv2_client() -> Any:
    return new_client("sesv2")


@lru_cache(maxsize=1)
def sms_client() -> Any:
    return new_client("pinpoint-sms-voice-v2")


def _tags(message: Message) -> list[dict[str, str]]:
    return [
        {"Name": "report_id", "Value": message.report_id},
        {"Name": "delivery", "Value": message.key},
        {"Name": "template", "Value": message.template},
    ]


class SesEmailSender:
    def __init__(self, sender: str, configuration_set: str, client: Any = None) -> None:
        self._sender = sender
        self._configuration_set = configuration_set
        self._client = client

    def send(self, message: Message) -> str:
        client = self._client or sesv2_client()
        try:
            answer = client.send_email(
                FromEmailAddress=self._sender,
                Destination={"ToAddresses": [message.recipient]},
                Content={
                    "Simple": {
                        "Subject": {"Data": email_subject(message), "Charset": "UTF-8"},
                        "Body": {"Text": {"Data": message.text, "Charset": "UTF-8"}},
                    }
                },
                EmailTags=_tags(message),
                ConfigurationSetName=self._configuration_set,
            )
        except Exception as error:
            _refused(error, EMAIL_REFUSALS)
            raise
        return str(answer.get("MessageId", ""))


class SmsSender:
    def __init__(self, origination: str, configuration_set: str, max_price: str, client: Any = None) -> None:
        self._origination = origination
        self._configuration_set = configuration_set
        self._max_price = max_price
        self._client = client

    def send(self, message: Message) -> str:
        if not self._origination:
            raise DeliveryRefused("no_sms_origination")  # the stack has no origination identity yet
        client = self._client or sms_client()
        try:
            answer = client.send_text_message(
                DestinationPhoneNumber=e164(message.recipient),
                OriginationIdentity=self._origination,
                MessageBody=message.text,
                MessageType="TRANSACTIONAL",
                ConfigurationSetName=self._configuration_set,
                MaxPrice=self._max_price,
                Context={
                    "report_id": message.report_id,
                    "delivery": message.key,
                    "template": message.template,
                },
            )
        except Exception as error:
            _refused(error, SMS_REFUSALS)
            raise
        return str(answer.get("MessageId", ""))


class ChannelRouter:
    """One sender per channel (`email`, `sms`, `staff`)."""

    def __init__(self, senders: Mapping[str, MessageSender]) -> None:
        self._senders = dict(senders)

    def send(self, message: Message) -> str:
        sender = self._senders.get(message.channel)
        if sender is None:
            raise DeliveryRefused(f"no_{message.channel}_channel")
        return sender.send(message)


def _refused(error: Exception, refusals: Mapping[str, str]) -> None:
    """Raise `DeliveryRefused` for a refusal a retry cannot mend (never quoting the provider's message)."""
    response = getattr(error, "response", None)
    code = (response or {}).get("Error", {}).get("Code", "") if isinstance(response, dict) else ""
    if code in refusals:
        raise DeliveryRefused(refusals[code]) from None
