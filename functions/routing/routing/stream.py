"""The table's stream: new reports get a route (suggested, or assigned by an `auto_dispose` rule), and
every new timeline entry is published as a domain event.

Powertools' BatchProcessor reports partial batch failures: a record that fails is retried (the template
bisects the batch and sends what still fails to the on-failure queue) while the rest of the batch stands.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from lapor.adapters.dynamodb.codec import from_item
from lapor.adapters.dynamodb.items import REPORT_SK, TIMELINE_PREFIX, report_from_item
from lapor.adapters.dynamodb.shared_wiring import city_setup, repository
from lapor.adapters.event_bus import EventBridgePublisher
from lapor.observability import instrument, logger, metrics
from lapor.services.routing import RoutingService
from lapor.settings import settings

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@lru_cache(maxsize=1)
def routing_service() -> RoutingService:
    bus = settings().event_bus_name
    if not bus:
        raise RuntimeError("EVENT_BUS_NAME is not set")
    return RoutingService(repository(), city_setup(), EventBridgePublisher(bus))


def handle_record(record: DynamoDBRecord, service: RoutingService) -> None:
    image = record.raw_event.get("dynamodb", {}).get("NewImage")
    if record.raw_event.get("eventName") != "INSERT" or not image:
        return
    item = from_item(image)
    sort_key = str(item.get("sk", ""))
    if sort_key == REPORT_SK:
        outcome = service.route_new_report(report_from_item(item))
        metrics.add_metric(name=f"Route{outcome.capitalize()}", unit="Count", value=1)
        logger.info("routed a new report", extra={"outcome": outcome})
    elif sort_key.startswith(TIMELINE_PREFIX):
        service.publish_timeline_entry(item)
        metrics.add_metric(name="EventsPublished", unit="Count", value=1)


def process(
    event: dict[str, Any], context: LambdaContext, service: RoutingService | None = None
) -> dict[str, Any]:
    """The batch, with the service given (tests) or built on first use."""
    chosen = service or routing_service()
    answer = process_partial_response(
        event=event,
        record_handler=lambda record: handle_record(record, chosen),
        processor=processor,
        context=context,
    )
    return dict(answer)


lambda_handler = instrument(process)
