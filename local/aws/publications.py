"""Watches what handlers publish and send through the embedded moto server.

- EventBridge `PutEvents` entries that moto accepted are held in `events` for the stack to dispatch to the
  template's rules (`local.aws.eventbridge`).
- SNS `Publish` and `PublishBatch`, answered by moto: a message to a topic a function subscribes to is held in
  `notifications` for the stack to deliver to it; any other goes to the outbox (`local.aws.sns`).
- SES v2 `SendEmail`, answered by moto: the message goes to the outbox and its events, as SES's mailbox
  simulator makes them, to `events` or `notifications` (`local.aws.ses`).
- End User Messaging SMS (`pinpoint-sms-voice-v2`), which moto lacks, answered here: the message goes to the
  outbox and its event to `notifications` (`local.aws.sms`).

`configure` tells it the template's configuration sets and the subscribed topics. Nothing is logged.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from moto.ses.models import ses_backends

from local.aws import ses, sms
from local.aws.environment import ACCOUNT_ID, REGION
from local.aws.eventbridge import PendingEvents, accepted_events
from local.aws.sns import PendingPublications, Publication, published
from local.aws.wsgi import (
    StartResponse,
    WSGIApplication,
    WSGIEnviron,
    answer_of,
    read_request_body,
)
from local.memory_logs import outbox
from local.template import EventDestination

PUT_EVENTS_TARGET = "AWSEvents.PutEvents"
SNS_ACTIONS = frozenset({"Publish", "PublishBatch"})
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


def _is_sns_request(environ: WSGIEnviron) -> bool:
    return "/sns/aws4_request" in str(environ.get("HTTP_AUTHORIZATION", "")) and str(
        environ.get("CONTENT_TYPE", "")
    ).startswith(FORM_MEDIA_TYPE)


def _is_send_email(environ: WSGIEnviron) -> bool:
    return environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == ses.SEND_EMAIL_PATH


class PublicationMiddleware:
    def __init__(self, app: WSGIApplication) -> None:
        self.app = app
        self.events = PendingEvents()
        self.notifications = PendingPublications()
        self._email_sets: Mapping[str, list[EventDestination]] = {}
        self._sms_sets: Mapping[str, list[EventDestination]] = {}
        self._subscribed: frozenset[str] = frozenset()

    def configure(
        self,
        email_sets: Mapping[str, list[EventDestination]],
        sms_sets: Mapping[str, list[EventDestination]],
        subscribed_topics: frozenset[str],
    ) -> None:
        self._email_sets, self._sms_sets, self._subscribed = email_sets, sms_sets, subscribed_topics

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if target == PUT_EVENTS_TARGET:
            body = read_request_body(environ)
            status, chunks = answer_of(self.app, environ, start_response, body)
            if status.startswith("200"):
                request = json.loads(body or b"{}")
                self.events.add(accepted_events(request, json.loads(b"".join(chunks) or b"{}")))
            return chunks
        if target.startswith(sms.TARGET_PREFIX):
            answered = sms.answer(target, read_request_body(environ), self._sms_sets)
            start_response(answered.status, answered.headers)
            if answered.entry is not None:
                outbox.append(answered.entry)
            self.notifications.add(answered.publications)
            return [json.dumps(answered.body).encode()]
        if _is_send_email(environ):
            return self._send_email(environ, start_response)
        if _is_sns_request(environ):
            body = read_request_body(environ)
            form = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
            if form.get("Action") in SNS_ACTIONS:
                status, chunks = answer_of(self.app, environ, start_response, body)
                if status.startswith("200"):
                    self._publish(published(form, b"".join(chunks)))
                return chunks
            environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)

    def _publish(self, publications: list[Publication]) -> None:
        for publication in publications:
            if publication.topic_arn in self._subscribed:
                self.notifications.add([publication])
            else:
                outbox.append(publication.outbox_entry())

    def _send_email(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        body = read_request_body(environ)
        try:
            request = ses.EmailRequest.parse(body)
        except (ValueError, AttributeError, TypeError):  # not SES v2's JSON: moto answers it as SES would
            environ["wsgi.input"] = io.BytesIO(body)
            return self.app(environ, start_response)
        if request.configuration_set is not None and request.configuration_set not in self._email_sets:
            status, headers, refusal = ses.not_found(request.configuration_set)
            start_response(status, headers)
            return [refusal]
        ses_backends[ACCOUNT_ID][REGION].verify_email_identity(request.source)
        answered: list[Any] = []
        status, chunks = answer_of(self.app, environ, lambda *given: answered.extend(given[:2]), body)
        if status.startswith("200"):
            message_id = str(json.loads(b"".join(chunks) or b"{}").get("MessageId", ""))
            sent = ses.email_sent(
                request, message_id, self._email_sets.get(request.configuration_set or "", [])
            )
            outbox.append(sent.entry)
            self.events.add(sent.events)
            self._publish(sent.publications)
        else:
            answered[1], chunks = ses.as_sesv2_error(answered[1], chunks)
        start_response(*answered)
        return chunks
