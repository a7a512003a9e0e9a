"""Filing a report, once per `Idempotency-Key`.

The idempotency store keeps the first answer so that a retry gets the same one, but never the access token
or the identity: the stored answer has neither; the token is re-derived from the secret, the report id and
the key, and `reporter` is taken from the retried body, which the store has checked (by hash) to be the
same as the first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from intake.answers import Submission
from lapor.domain.errors import IdempotencyKeyReused, RequestInProgress, StoreUnavailable
from lapor.domain.identifiers import derived_access_token, derived_report_id, new_access_token
from lapor.domain.models import IdentityOnFile, NewReport
from lapor.domain.views import own_view
from lapor.services.intake import Submitted
from lapor.wiring import (
    contact_service,
    event_publisher,
    intake_service,
    submission_idempotency,
    token_secret,
)

SubmitOnce = Callable[..., dict[str, Any]]
# Whether this request filed a new report (not a replay of the idempotency store or of an earlier filing).
_FILED_NOW: ContextVar[bool] = ContextVar("filed_now", default=False)


@dataclass(frozen=True)
class Filing:
    answer: Submission
    new: bool  # False: a retry answered with the report its first attempt filed (counted as a replay)


def file_report(
    new: NewReport, raw_body: dict[str, Any], key: str | None, context: LambdaContext | None
) -> Filing:
    if key is None:
        submitted = intake_service().submit(new, lambda _report_id: new_access_token())
        answer = _with_secrets(_answer_without_secrets(submitted), submitted.access_token, new)
        return Filing(answer, new=not submitted.replayed)
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    _persistence, config = submission_idempotency()
    if context is not None:
        config.register_lambda_context(context)
    _FILED_NOW.set(False)
    try:
        stored = _submit_once()(request={"key": key, "body": raw_body})
    except IdempotencyValidationError as error:
        raise IdempotencyKeyReused(key) from error
    except IdempotencyAlreadyInProgressError as error:
        raise RequestInProgress(key) from error
    except IdempotencyPersistenceLayerError as error:
        raise StoreUnavailable("idempotency store") from error
    token = derived_access_token(token_secret(), str(stored["id"]), key)
    return Filing(_with_secrets(stored, token, new), new=_FILED_NOW.get())


@lru_cache(maxsize=1)
def _submit_once() -> SubmitOnce:
    from aws_lambda_powertools.utilities.idempotency import idempotent_function

    persistence, config = submission_idempotency()

    @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=config)
    def submit_once(request: dict[str, Any]) -> dict[str, Any]:
        new = NewReport.model_validate(request["body"])
        secret = token_secret()
        key = str(request["key"])
        body = hashlib.sha256(json.dumps(request["body"], sort_keys=True).encode()).hexdigest()
        submitted = intake_service().submit(
            new,
            lambda report_id: derived_access_token(secret, report_id, key),
            first_id=derived_report_id(secret, key, body),  # a retry after the key's record is gone finds it
        )
        _FILED_NOW.set(not submitted.replayed)
        return _answer_without_secrets(submitted)

    return submit_once  # type: ignore[no-any-return]


def _answer_without_secrets(submitted: Submitted) -> dict[str, Any]:
    report = submitted.change.after
    view = own_view(report, [submitted.change.entry])
    return {
        "id": report.id,
        "status": report.status.value,
        "deadlines": view.deadlines.model_dump(mode="json"),
        "report": view.model_dump(mode="json"),
    }


def _with_secrets(stored: dict[str, Any], token: str, new: NewReport) -> Submission:
    shown = IdentityOnFile.of(new.reporter, None).shown()  # the NIK masked, as in every reporter's read
    report = {**stored["report"], "reporter": shown.model_dump(mode="json")}
    return Submission.model_validate({**stored, "access_token": token, "report": report})


def send_access_link(report_id: str) -> None:
    """A new access link for the report's reporter (nothing is said about whether the report exists)."""
    contact_service().request_access(report_id, token_secret(), event_publisher())
