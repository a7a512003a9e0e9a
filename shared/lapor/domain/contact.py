"""Reaching the reporter (API.md, "Reaching the reporter"): the contact's confirmation by a 6-digit code,
the caps that keep Lapor from being a tool for messaging strangers, and the access link's pending token.

Pure. The code is derived (HMAC) from the server secret, the report and a nonce, so the notifier that sends
it and a retry of the same event send the same code, and nothing but its keyed hash is stored (with the
identity). Comparisons are constant-time. A contact is keyed for the daily cap by a keyed hash too: the
table never holds an address outside the identity item.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from lapor.domain.wallclock import Instant

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(hours=24)
MAX_CODE_ATTEMPTS = 5  # a code is void after five wrong ones: every attempt is counted before it is compared
CODES_PER_CONTACT_PER_DAY = 3
LINKS_PER_REPORT_PER_DAY = 3
CONFIRM_TEMPLATE = "confirm_contact"


class ContactState(StrEnum):
    UNCONFIRMED = "unconfirmed"  # given at filing; only `confirm_contact` may reach it
    CONFIRMED = "confirmed"  # every reporter message goes to it
    UNDELIVERABLE = "undeliverable"  # it bounced or complained: nothing more is sent
    CLIENT = "client"  # filed through Open311: the client system owns the conversation
    ERASED = "erased"  # the identity was erased: nothing is sent


class ContactStatus(BaseModel):
    """What the identity item keeps of the contact's confirmation (never in an index, event or log)."""

    model_config = ConfigDict(frozen=True)

    state: ContactState = ContactState.UNCONFIRMED
    code_hash: str | None = None
    code_expires_at: Instant | None = None
    code_nonce: str | None = None  # the request that issued the current code (a retry issues it again)
    code_attempts: int = 0  # attempts at the current code, each counted before it is compared

    @property
    def confirmed(self) -> bool:
        return self.state is ContactState.CONFIRMED

    @property
    def may_receive_code(self) -> bool:
        return self.state is ContactState.UNCONFIRMED


class CodeCheck(StrEnum):
    CONFIRMED = "confirmed"  # the right code: the contact is confirmed now
    ALREADY = "already"  # confirmed before: 200 again
    WRONG = "wrong"  # 422 invalid_code
    VOID = "void"  # five wrong codes, or none issued, or the contact cannot be confirmed: 409 code_void


def confirmation_code(secret: bytes, report_id: str, nonce: str) -> str:
    """The 6-digit code for one issuing request (the same request, the same code)."""
    digest = hmac.new(secret, f"confirm-code\x1f{report_id}\x1f{nonce}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def code_digest(secret: bytes, report_id: str, code: str) -> str:
    """What is stored of a code: keyed, so a stolen table cannot be searched through a million codes."""
    return hmac.new(secret, f"code-hash\x1f{report_id}\x1f{code}".encode(), hashlib.sha256).hexdigest()


def check_code(status: ContactStatus, secret: bytes, report_id: str, given: str, at: datetime) -> CodeCheck:
    if status.confirmed:
        return CodeCheck.ALREADY
    if status.state is not ContactState.UNCONFIRMED or status.code_hash is None:
        return CodeCheck.VOID
    if status.code_attempts >= MAX_CODE_ATTEMPTS:
        return CodeCheck.VOID
    candidate = code_digest(secret, report_id, given.strip())
    fresh = status.code_expires_at is not None and at < status.code_expires_at
    if hmac.compare_digest(candidate, status.code_hash) and fresh:
        return CodeCheck.CONFIRMED
    return CodeCheck.WRONG


def e164(phone: str) -> str:
    """An Indonesian number as SMS delivery wants it: `0812…`, `62812…` and `+62 812-…` are `+62812…`."""
    digits = "".join(c for c in phone if c.isdigit())
    if phone.strip().startswith("+"):
        return f"+{digits}"
    if digits.startswith("0"):
        return f"+62{digits[1:]}"
    return f"+{digits}"


def contact_key(secret: bytes, channel: str, address: str) -> str:
    """The contact as the daily cap counts it: one key however it is spelled (case, spaces, 0 or +62)."""
    normal = e164(address) if channel == "sms" else "".join(address.split()).casefold()
    return hmac.new(secret, f"contact\x1f{channel}\x1f{normal}".encode(), hashlib.sha256).hexdigest()[:40]


class IssueResult(StrEnum):
    ISSUED = "issued"  # a new code is stored and counted against the contact's day
    REISSUED = "reissued"  # the same request again (a retried event): the same code, not counted twice
    CAPPED = "capped"  # the contact has had its codes for the WIB day: none is sent
    REFUSED = "refused"  # the contact is confirmed, undeliverable, erased or a client's: none is sent
