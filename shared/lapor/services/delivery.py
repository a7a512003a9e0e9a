"""The notifier's use case: each domain event becomes its messages, and each message to the reporter is
delivered only where API.md ("Reaching the reporter") allows, and recorded beside the report.

- Staff messages go out as they are (the staff topic).
- A reporter's message goes only to a confirmed contact. Before confirmation the only message is
  `confirm_contact`: sent when the report is filed and when the reporter asks for a new code, at most three a
  contact a WIB day however many reports name it. An undeliverable, erased or Open311 client's contact gets
  nothing.
- Each reporter message is recorded (`lapor.domain.delivery`) before it is sent, under a key made from the
  event: a retried event skips what it sent already. A refusal for good is recorded as `failed`; a passing
  failure raises, so the event is retried.
- Every SMS is counted against the month's budget first; past it, SMS are recorded `failed: spend_limit`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from lapor.domain.calendar import local_date
from lapor.domain.contact import (
    CODE_LIFETIME,
    CODES_PER_CONTACT_PER_DAY,
    CONFIRM_TEMPLATE,
    IssueResult,
    code_digest,
    confirmation_code,
    contact_key,
)
from lapor.domain.delivery import Delivery, DeliveryState
from lapor.domain.errors import DeliveryRefused
from lapor.domain.events import AccessLinkRequested, ContactCodeRequested, ReportEvent
from lapor.domain.identifiers import derived_access_token
from lapor.domain.lifecycle import Action
from lapor.domain.notifications import (
    Message,
    access_link,
    access_link_message,
    confirm_contact_message,
    messages_for,
    needs_contact,
)
from lapor.domain.wallclock import now_utc
from lapor.ports import ContactBook, DeliveryLog, IssuedCode, MessageSender, ReporterContact


@dataclass(frozen=True)
class SmsBudget:
    """The month's SMS spend limit and what one SMS is counted as, in micro-USD."""

    monthly_limit: int
    per_message: int


@dataclass
class Delivered:
    """What one event's messages came to (for the log and the metrics: no address, no words)."""

    sent: int = 0
    skipped: int = 0  # sent already (a retried event)
    refused: int = 0  # refused for good, or held back by a cap
    withheld: int = 0  # reporter messages not due to this contact (unconfirmed, undeliverable, none)
    templates: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)


class DeliveryService:
    def __init__(
        self,
        contacts: ContactBook,
        log: DeliveryLog,
        sender: MessageSender,
        *,
        secret: Callable[[], bytes],
        base_url: str,
        sms_budget: SmsBudget,
        now: Callable[[], datetime] = now_utc,
    ) -> None:
        self._contacts = contacts
        self._log = log
        self._sender = sender
        self._secret = secret
        self._base_url = base_url
        self._sms_budget = sms_budget
        self._now = now

    def report_event(self, event: ReportEvent) -> Delivered:
        done = Delivered()
        found = self._contacts.reporter_contact(event.report_id) if needs_contact(event) else None
        confirmed = found is not None and found.status.confirmed
        messages = messages_for(event, found.contact if found is not None and confirmed else None)
        if needs_contact(event) and not confirmed:
            done.withheld += 1
            if event.action is Action.SUBMIT and found is not None and found.status.may_receive_code:
                # Filing starts the confirmation: the code is the only message an unconfirmed contact gets.
                code = self._code_message(event.report_id, found, f"submit-{event.seq}", done)
                messages += [code] if code is not None else []
        for message in messages:
            keyed = message.channel == "staff" or message.key
            self._deliver(message if keyed else _keyed(message, f"{event.seq:06d}-{message.template}"), done)
        return done

    def access_link(self, event: AccessLinkRequested) -> Delivered:
        """A new access link, to a confirmed contact only (the token is derived again from the nonce)."""
        done = Delivered()
        found = self._contacts.reporter_contact(event.report_id)
        if found is None or not found.status.confirmed:
            done.withheld += 1
            return done
        token = derived_access_token(self._secret(), event.report_id, "access:" + event.nonce)
        link = access_link(self._base_url, event.report_id, token)
        message = access_link_message(event, found.contact, link)
        self._deliver(_keyed(message, f"link-{event.nonce[:16]}"), done)
        return done

    def contact_code(self, event: ContactCodeRequested) -> Delivered:
        """A new confirmation code, within the contact's daily cap."""
        done = Delivered()
        found = self._contacts.reporter_contact(event.report_id)
        if found is None or not found.status.may_receive_code:
            done.withheld += 1
            return done
        message = self._code_message(event.report_id, found, event.nonce, done)
        if message is not None:
            self._deliver(message, done)
        return done

    def _code_message(
        self, report_id: str, found: ReporterContact, nonce: str, done: Delivered
    ) -> Message | None:
        """Issue a code (its hash stored, counted against the contact's day) and word it."""
        secret = self._secret()
        at = self._now()
        code = confirmation_code(secret, report_id, nonce)
        issued = IssuedCode(
            contact_key=contact_key(secret, found.contact.channel, found.contact.address),
            day=local_date(at),
            nonce=nonce,
            code_hash=code_digest(secret, report_id, code),
            expires_at=at + CODE_LIFETIME,
            per_day=CODES_PER_CONTACT_PER_DAY,
        )
        result = self._contacts.issue_code(report_id, issued)
        key = f"code-{nonce[:16]}"
        if result is IssueResult.CAPPED:
            self._record_refusal(report_id, key, found.contact.channel, "daily_cap", done)
            return None
        if result is IssueResult.REFUSED:
            done.withheld += 1
            return None
        return _keyed(confirm_contact_message(report_id, found.contact, code), key)

    def _deliver(self, message: Message, done: Delivered) -> None:
        done.templates.append(message.template)
        done.channels.append(message.channel)
        if message.channel == "staff":
            self._sender.send(message)
            done.sent += 1
            return
        at = self._now()
        record = Delivery(
            key=message.key,
            template=message.template,
            channel=message.channel,
            state=DeliveryState.SENDING,
            at=at,
            updated_at=at,
        )
        earlier = self._log.begin(message.report_id, record)
        if earlier is not None and earlier.done:
            done.skipped += 1
            return
        if message.channel == "sms" and not self._charge_sms(at):
            self._log.settle(message.report_id, message.key, DeliveryState.FAILED, at, "spend_limit")
            done.refused += 1
            return
        try:
            self._sender.send(message)
        except DeliveryRefused as refused:
            self._log.settle(
                message.report_id, message.key, DeliveryState.FAILED, self._now(), refused.reason
            )
            done.refused += 1
            return
        self._log.settle(message.report_id, message.key, DeliveryState.SENT, self._now(), None)
        done.sent += 1

    def _charge_sms(self, at: datetime) -> bool:
        month = local_date(at).strftime("%Y-%m")
        budget = self._sms_budget
        return self._log.charge_sms(month, budget.per_message, budget.monthly_limit)

    def _record_refusal(self, report_id: str, key: str, channel: str, reason: str, done: Delivered) -> None:
        """A message a cap held back, for staff to see (recorded once, however often the event comes)."""
        at = self._now()
        record = Delivery(
            key=key,
            template=CONFIRM_TEMPLATE,
            channel=channel,
            state=DeliveryState.FAILED,
            at=at,
            updated_at=at,
            reason=reason,
        )
        self._log.begin(report_id, record)
        done.refused += 1


def _keyed(message: Message, key: str) -> Message:
    return Message(message.channel, message.recipient, message.template, message.report_id, message.text, key)
