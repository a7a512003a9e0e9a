"""Watches what handlers publish through the embedded moto server, and lets moto answer as usual.

EventBridge `PutEvents` entries that moto accepted are held in `events` for the stack to dispatch to the
template's rules; SNS `Publish` and `PublishBatch` messages go to the outbox (`GET /_local/outbox`).
Nothing of either is logged.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from urllib.parse import parse_qsl

from local.aws.eventbridge import PendingEvents, accepted_events
from local.aws.sns import published_notifications
from local.aws.wsgi import (
    StartResponse,
    WSGIApplication,
    WSGIEnviron,
    answer_of,
    read_request_body,
)
from local.memory_logs import outbox

PUT_EVENTS_TARGET = "AWSEvents.PutEvents"
SNS_ACTIONS = frozenset({"Publish", "PublishBatch"})
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


def _is_sns_request(environ: WSGIEnviron) -> bool:
    return "/sns/aws4_request" in str(environ.get("HTTP_AUTHORIZATION", "")) and str(
        environ.get("CONTENT_TYPE", "")
    ).startswith(FORM_MEDIA_TYPE)


class PublicationMiddleware:
    def __init__(self, app: WSGIApplication) -> None:
        self.app = app
        self.events = PendingEvents()

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET") == PUT_EVENTS_TARGET:
            body = read_request_body(environ)
            status, chunks = self._answer(environ, start_response, body)
            if status.startswith("200"):
                request = json.loads(body or b"{}")
                self.events.add(accepted_events(request, json.loads(b"".join(chunks) or b"{}")))
            return chunks
        if _is_sns_request(environ):
            body = read_request_body(environ)
            form = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
            if form.get("Action") in SNS_ACTIONS:
                status, chunks = self._answer(environ, start_response, body)
                if status.startswith("200"):
                    for item in published_notifications(form, b"".join(chunks)):
                        outbox.append(item)
                return chunks
            environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)

    def _answer(
        self, environ: WSGIEnviron, start_response: StartResponse, body: bytes
    ) -> tuple[str, list[bytes]]:
        """Moto's answer, read in full, and its status line."""
        return answer_of(self.app, environ, start_response, body)
