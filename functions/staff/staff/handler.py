"""Staff: the staff API (API.md, "Staff") behind the Cognito authorizer.

One resolver, its routes in one Router per concern (`staff.routes`): reads, actions, administration, the
officer roster, metrics, Open311 keys. The caller comes from the authorizer's claims in the request context
(`lapor.http.claims`), once the roster has not refused them (an inactive officer: 401); each route reads its
validated input, calls one use case (built by `lapor.wiring`) and answers.
"""

from __future__ import annotations

from lapor.http.resolver import guarded, make_resolver
from lapor.observability import instrument
from staff.routes import actions, administration, metrics, officers, open311_keys, reads

app = make_resolver()
for concern in (reads, actions, administration, officers, metrics, open311_keys):
    app.include_router(concern.router)

lambda_handler = instrument(guarded(app))
