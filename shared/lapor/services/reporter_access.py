"""The reporter's token: which report it opens, and an access link's token taking over on first use.

Every reporter route (intake's and the contact's) checks the token here. The current token opens the report;
so does the token of the newest access link, which on its first use becomes the only one (API.md: "The current
token stays valid until a token from a link is first used"). A token's first use changes neither the report's
version nor its timeline. A token that opens nothing is `BadToken`, whether or not the report exists.
"""

from __future__ import annotations

from lapor.domain.errors import BadToken
from lapor.domain.identifiers import is_report_id, token_hash
from lapor.ports import StoredReport, TokenStore


def own_report(
    store: TokenStore, report_id: str, token: str | None, *, with_identity: bool = False
) -> StoredReport:
    if not token or not is_report_id(report_id):
        raise BadToken(report_id)
    stored = store.get(report_id, with_identity=with_identity, with_token=True)
    if stored is None:
        raise BadToken(report_id)
    if stored.token_is(token):
        return stored
    if stored.link_token_is(token):
        store.promote_access(report_id, token_hash(token))
        return stored
    raise BadToken(report_id)
