"""Delivery status: what became of each message to a reporter (`lapor.services.delivery_feedback`).

Two triggers: an EventBridge rule on the default bus for SES's events of the stack's configuration set, and
the SNS topic End User Messaging SMS publishes its events to. Each event settles the message's delivery record
beside the report (`delivered`, `bounced`, `complained`, `failed`); a permanent bounce, a complaint, an
invalid or blocked number marks the contact undeliverable, so nothing more is sent to it. A failure to write
raises: the rule (and SNS's asynchronous invocation) retries, then dead-letters. An event that is not ours is
ignored. Nothing logged names an address or a number.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from delivery_status.feedback import SES_SOURCE, from_ses, from_sms_topic
from lapor.observability import instrument, logger, metrics
from lapor.services.delivery_feedback import DeliveryFeedbackService
from lapor.wiring import delivery_feedback_service


def handle(
    event: dict[str, Any], context: Any, service: DeliveryFeedbackService | None = None
) -> dict[str, Any]:
    if isinstance(event, dict) and event.get("source") == SES_SOURCE:
        found = from_ses(event)
    elif isinstance(event, dict) and event.get("Records"):
        found = from_sms_topic(event)
    else:
        found = []
    chosen = service or (delivery_feedback_service() if found else None)
    settled = 0
    for feedback in found:
        assert chosen is not None
        if chosen.record(feedback):
            settled += 1
        metrics.add_metric(
            name=f"Delivery{feedback.outcome.state.value.capitalize()}", unit=MetricUnit.Count, value=1
        )
    logger.info(
        "delivery feedback",
        extra={
            "events": len(found),
            "settled": settled,
            "states": [f.outcome.state.value for f in found],
            "report_ids": [f.report_id for f in found],
        },
    )
    return {"events": len(found), "settled": settled}


lambda_handler = instrument(handle)
