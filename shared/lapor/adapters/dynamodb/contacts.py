"""The reporter's contact, for the notifier and the providers' feedback: reading it with its confirmation,
issuing a code within the contact's daily cap, marking it undeliverable.

Only the contact leaves this module; the rest of the identity (name, NIK) is read with the item and dropped
here, and none of it is ever logged. A code is issued in one transaction: the contact's count for the WIB
day (an item keyed by a keyed hash of the address, expiring two days later) and the code's hash on the
identity. A retried event issues the same code again without counting it twice (`code_nonce`).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from lapor.adapters.dynamodb.codec import value
from lapor.adapters.dynamodb.items import (
    IDENTITY_SK,
    REPORT_SK,
    TTL_ATTRIBUTE,
    contact_day_key,
    contact_from_item,
    identity_from_item,
    identity_pk,
    report_pk,
)
from lapor.adapters.dynamodb.repository import DynamoReportRepository, _raise_unexpected
from lapor.domain.calendar import WIB
from lapor.domain.contact import ContactState, IssueResult
from lapor.domain.errors import StoreUnavailable
from lapor.domain.notifications import contact_of
from lapor.domain.wallclock import iso
from lapor.ports import IssuedCode, ReporterContact

COUNTER_KEPT = timedelta(days=2)


class DynamoContactBook(DynamoReportRepository):
    def reporter_contact(self, report_id: str) -> ReporterContact | None:
        items = self._query_all(
            {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND sk = :sk",
                "ExpressionAttributeValues": {
                    ":pk": value(identity_pk(report_id)),
                    ":sk": value(IDENTITY_SK),
                },
                "ConsistentRead": True,
            }
        )
        if not items:
            return None
        status = contact_from_item(items[0])
        if status.state is ContactState.ERASED:
            return None
        return ReporterContact(contact=contact_of(identity_from_item(items[0])), status=status)

    def issue_code(self, report_id: str, code: IssuedCode) -> IssueResult:
        expires = datetime.combine(code.day, time(), tzinfo=WIB) + COUNTER_KEPT
        reasons = self._transact(
            [
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": {k: value(v) for k, v in contact_day_key(code.contact_key, code.day).items()},
                        "UpdateExpression": "ADD codes :one SET #ttl = :expires",
                        "ConditionExpression": "attribute_not_exists(codes) OR codes < :per_day",
                        "ExpressionAttributeNames": {"#ttl": TTL_ATTRIBUTE},
                        "ExpressionAttributeValues": {
                            ":one": value(1),
                            ":per_day": value(code.per_day),
                            ":expires": value(int(expires.astimezone(UTC).timestamp())),
                        },
                    }
                },
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": {"pk": value(identity_pk(report_id)), "sk": value(IDENTITY_SK)},
                        "UpdateExpression": (
                            "SET code_hash = :hash, code_expires_at = :expires, code_nonce = :nonce, "
                            "code_attempts = :zero"
                        ),
                        "ConditionExpression": (
                            "contact_state = :unconfirmed AND "
                            "(attribute_not_exists(code_nonce) OR code_nonce <> :nonce)"
                        ),
                        "ExpressionAttributeValues": {
                            ":hash": value(code.code_hash),
                            ":expires": value(iso(code.expires_at)),
                            ":nonce": value(code.nonce),
                            ":zero": value(0),
                            ":unconfirmed": value(ContactState.UNCONFIRMED.value),
                        },
                    }
                },
            ]
        )
        if not reasons:
            return IssueResult.ISSUED
        if "TransactionConflict" in reasons:
            raise StoreUnavailable("transaction conflict")  # the event is retried
        if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
            current = self.reporter_contact(report_id)
            if (
                current is not None
                and current.status.may_receive_code
                and current.status.code_nonce == code.nonce
            ):
                return IssueResult.REISSUED  # this very request, retried: the same code, counted once
            return IssueResult.REFUSED
        if reasons[0] == "ConditionalCheckFailed":
            return IssueResult.CAPPED
        _raise_unexpected(reasons)
        return IssueResult.REFUSED

    def mark_undeliverable(self, report_id: str, reason: str) -> None:
        """The identity's contact and the report's flag; an erased or missing identity is left alone."""
        reasons = self._transact(
            [
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": {"pk": value(identity_pk(report_id)), "sk": value(IDENTITY_SK)},
                        "UpdateExpression": (
                            "SET contact_state = :undeliverable, undeliverable_reason = :reason"
                        ),
                        "ConditionExpression": "attribute_exists(pk) AND contact_state <> :erased",
                        "ExpressionAttributeValues": {
                            ":undeliverable": value(ContactState.UNDELIVERABLE.value),
                            ":erased": value(ContactState.ERASED.value),
                            ":reason": value(reason),
                        },
                    }
                },
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": {"pk": value(report_pk(report_id)), "sk": value(REPORT_SK)},
                        "UpdateExpression": "SET contact_confirmed = :false",
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeValues": {":false": value(False)},
                    }
                },
            ]
        )
        if "ConditionalCheckFailed" in reasons:
            return
        _raise_conflict_or_unexpected(reasons)


def _raise_conflict_or_unexpected(reasons: list[str]) -> None:
    if "TransactionConflict" in reasons:
        raise StoreUnavailable("transaction conflict")
    _raise_unexpected(reasons)
