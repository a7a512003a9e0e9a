"""Reaching the reporter (API.md, "Reaching the reporter"): confirming the contact with its code, asking for
a new code, and asking for an access link, each bounded so that no one can make Lapor message a stranger.

- `confirm`: the right code confirms the contact (200, again 200 once confirmed); a wrong one is 422
  `invalid_code`, counted; after five wrong codes the code is void (409 `code_void`) until a new one is sent.
  Confirming changes neither the report's version nor its timeline.
- `request_code`: a new code to the contact on file, through the notifier (which applies the contact's daily
  cap); nothing for a contact that is not waiting for confirmation. The answer is 202 either way.
- `request_access`: a new access link, only to a confirmed contact, at most three a report a WIB day. The
  link's token is derived from the secret and a fresh nonce (only the nonce travels in the event); the
  current token keeps working until the link's token is first used. The answer is 202 either way: the caller
  learns nothing about the report.
"""

from __future__ import annotations

from lapor.domain.calendar import local_date
from lapor.domain.contact import LINKS_PER_REPORT_PER_DAY, MAX_CODE_ATTEMPTS, CodeCheck, check_code
from lapor.domain.errors import CodeVoid, InvalidCode, StoreUnavailable
from lapor.domain.events import (
    ACCESS_LINK_DETAIL_TYPE,
    CONTACT_CODE_DETAIL_TYPE,
    AccessLinkRequested,
    ContactCodeRequested,
)
from lapor.domain.identifiers import derived_access_token, is_report_id, new_access_token, token_hash
from lapor.ports import EventPublisher, ReporterAccess
from lapor.services.base import Service
from lapor.services.reporter_access import own_report


class ContactService(Service[ReporterAccess]):
    def confirm(self, report_id: str, token: str | None, code: str, secret: bytes) -> bool:
        """True once the contact is confirmed; `InvalidCode` (422) or `CodeVoid` (409) otherwise."""
        stored = own_report(self._store, report_id, token, with_identity=True)
        if stored.contact is None:
            raise CodeVoid(report_id)
        verdict = check_code(stored.contact, secret, report_id, code, self._now())
        if verdict is CodeCheck.ALREADY:
            return True
        # Every attempt is counted, conditional on fewer than five before it, in the same write that acts on
        # it: racing requests cannot try more than five codes, and a failed write counts none.
        if verdict is CodeCheck.CONFIRMED and self._store.confirm_contact(report_id, MAX_CODE_ATTEMPTS):
            return True
        if verdict is CodeCheck.WRONG and self._store.count_code_attempt(report_id, MAX_CODE_ATTEMPTS):
            raise InvalidCode()
        if self._confirmed_meanwhile(report_id, token):
            return True
        raise CodeVoid(report_id)

    def _confirmed_meanwhile(self, report_id: str, token: str | None) -> bool:
        """A concurrent attempt with the right code confirmed the contact first."""
        again = own_report(self._store, report_id, token, with_identity=True)
        return again.contact is not None and again.contact.confirmed

    def request_code(self, report_id: str, token: str | None, publisher: EventPublisher) -> bool:
        """Have a new code sent (the notifier applies the contact's daily cap); False when none is due."""
        stored = own_report(self._store, report_id, token, with_identity=True)
        if stored.contact is None or not stored.contact.may_receive_code:
            return False
        event = ContactCodeRequested(report_id=report_id, nonce=new_access_token(), at=self._now())
        publisher.publish(CONTACT_CODE_DETAIL_TYPE, event.model_dump(mode="json"))
        return True

    def request_access(self, report_id: str, secret: bytes, publisher: EventPublisher) -> bool:
        """Have a new access link sent to a confirmed contact, within the report's daily cap."""
        if not is_report_id(report_id):
            return False
        stored = self._store.get(report_id, with_identity=True)
        if stored is None or stored.contact is None or not stored.contact.confirmed:
            return False
        at = self._now()
        nonce = new_access_token()
        link_hash = token_hash(derived_access_token(secret, report_id, f"access:{nonce}"))
        if not self._store.renew_access(report_id, link_hash, local_date(at), LINKS_PER_REPORT_PER_DAY):
            return False
        event = AccessLinkRequested(report_id=report_id, nonce=nonce, at=at)
        try:
            publisher.publish(ACCESS_LINK_DETAIL_TYPE, event.model_dump(mode="json"))
        except StoreUnavailable:
            self._store.release_access(report_id, link_hash, local_date(at))  # so that asking again works
            raise
        return True
