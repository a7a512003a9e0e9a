"""Report stream: the application table's stream. A new report is routed by the coordinator's routing rules
(an agency suggested, or assigned by an `auto_dispose` rule), and every new timeline entry is published as
a domain event (`lapor.services.report_stream`). The adapter decodes each record
(`lapor.adapters.dynamodb.stream`); this module never reads an item's keys.

Powertools' BatchProcessor reports partial batch failures: a record that fails is retried (the template
bisects the batch and sends what still fails to the on-failure queue) while the rest of the batch stands.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from lapor.adapters.dynamodb.stream import decode
from lapor.domain.events import ReportEvent
from lapor.observability import instrument, logger, metrics
from lapor.services.report_stream import ReportStreamService
from lapor.wiring import report_stream_service

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def handle_record(record: DynamoDBRecord, service: ReportStreamService) -> None:
    inserted = decode(record.raw_event)
    if isinstance(inserted, ReportEvent):
        service.publish(inserted)
        metrics.add_metric(name="EventsPublished", unit="Count", value=1)
    elif inserted is not None:
        outcome = service.route_new_report(inserted)
        metrics.add_metric(name=f"Route{outcome.capitalize()}", unit="Count", value=1)
        logger.info("routed a new report", extra={"outcome": outcome})


def process(
    event: dict[str, Any], context: LambdaContext, service: ReportStreamService | None = None
) -> dict[str, Any]:
    """The batch, with the service given (tests) or built on first use."""
    chosen = service or report_stream_service()
    answer = process_partial_response(
        event=event,
        record_handler=lambda record: handle_record(record, chosen),
        processor=processor,
        context=context,
    )
    return dict(answer)


lambda_handler = instrument(process)
