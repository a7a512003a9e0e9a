"""Where the functions' services are built from the adapters: on first use, once per container, from the
function's settings (`lapor.settings`). The one place that knows both sides of every port.

Nothing is built at import, and each builder imports only the adapters and the service it needs, so a cold
start pays only for what the function's trigger uses: a handler imports this module and calls the builders
of its own routes. `reset()` forgets everything built (tests, and the local stack between stacks).

| Builder | Used by |
|---|---|
| `intake_service`, `submission_idempotency`, `token_secret`, `metrics_service` | intake |
| `casework`, `catalog_admin`, `calendar_admin`, `routing_rules_admin`, `roster_admin` | staff |
| `metrics_service`, `exports`, `open311_keys` | staff |
| `leadership_reports` (`roster`) | staff (breakdowns, officers' activity, the monthly recap) |
| `event_publisher` | intake (codes, links), staff (a calendar change), report_stream |
| `report_stream_service` | report_stream |
| `escalation_service` | escalation |
| `metrics_service` | metrics |
| `open311_service`, `open311_keys` | open311 |
| `attachment_service` | attachments (and, for their file lists, intake, staff, open311) |
| `contact_service` | intake (confirmation codes, access links) |
| `delivery_service` (`message_sender`, `notify_settings`) | notify |
| `delivery_feedback_service` | delivery_status |
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lapor.settings import NotifySettings, settings

if TYPE_CHECKING:
    from lapor.adapters.dynamodb.open311 import DynamoOpen311Store
    from lapor.adapters.dynamodb.repository import DynamoReportRepository
    from lapor.adapters.event_bus import EventBridgePublisher
    from lapor.ports import MessageSender, NikVault, RosterStore, StaffDirectory
    from lapor.services.attachments import AttachmentService
    from lapor.services.calendar_admin import CalendarAdmin
    from lapor.services.casework import CaseworkService
    from lapor.services.catalog_admin import CatalogAdmin
    from lapor.services.city_setup import CitySetupCache
    from lapor.services.contact import ContactService
    from lapor.services.delivery import DeliveryService
    from lapor.services.delivery_feedback import DeliveryFeedbackService
    from lapor.services.escalation import EscalationService
    from lapor.services.exports import ExportService
    from lapor.services.intake import IntakeService
    from lapor.services.leadership import LeadershipReports
    from lapor.services.metrics import MetricsService
    from lapor.services.open311 import Open311Service
    from lapor.services.open311_keys import Open311KeyService
    from lapor.services.report_stream import ReportStreamService
    from lapor.services.roster_admin import RosterAdmin
    from lapor.services.routing_rules_admin import RoutingRulesAdmin

# --- what every function shares ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def repository() -> DynamoReportRepository:
    from lapor.adapters.dynamodb.client import dynamodb_client
    from lapor.adapters.dynamodb.repository import DynamoReportRepository

    config = settings()
    retention = timedelta(days=config.identity_retention_days)
    return DynamoReportRepository(dynamodb_client(), config.table_name, retention)


@lru_cache(maxsize=1)
def city_setup() -> CitySetupCache:
    from lapor.services.city_setup import CitySetupCache

    return CitySetupCache(repository().city_setup)


def due_shards() -> int:
    """The due index's partitions, as the adapter lays them out (the services only count them)."""
    from lapor.adapters.dynamodb.items import DUE_SHARDS

    return DUE_SHARDS


@lru_cache(maxsize=1)
def attachment_service() -> AttachmentService | None:
    """The attachments' service, for a function with the bucket (ATTACHMENTS_BUCKET); None for the others.

    Building it creates no client: the S3 client is made on the first form, link or scrub.
    """
    config = settings()
    if not config.attachments_bucket:
        return None
    from lapor.adapters.dynamodb.attachments import DynamoAttachmentRecords
    from lapor.adapters.dynamodb.client import dynamodb_client
    from lapor.adapters.s3_files import S3FileStore
    from lapor.services.attachments import AttachmentService

    records = DynamoAttachmentRecords(dynamodb_client(), config.table_name)
    files = S3FileStore(config.attachments_bucket, config.attachments_public_endpoint)
    return AttachmentService(repository(), records, files)


@lru_cache(maxsize=1)
def event_publisher() -> EventBridgePublisher:
    from lapor.adapters.event_bus import EventBridgePublisher

    bus = settings().event_bus_name
    if not bus:
        raise RuntimeError("EVENT_BUS_NAME is not set")
    return EventBridgePublisher(bus)


def token_secret() -> bytes:
    """The key access tokens are derived from (TOKEN_SECRET_ARN in AWS, TOKEN_SECRET locally)."""
    from lapor.adapters.secrets import token_secret as read_secret

    return read_secret(settings())


# --- intake -----------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def nik_vault() -> NikVault:
    """Seals and opens NIKs with the identity key (or the local stack's stand-in)."""
    if "nik_vault" in _STAND_INS:
        vault: NikVault = _STAND_INS["nik_vault"]
        return vault
    from lapor.adapters.kms_vault import KmsNikVault

    return KmsNikVault(settings().identity_key_id or "")


@lru_cache(maxsize=1)
def intake_service() -> IntakeService:
    from lapor.services.intake import IntakeService

    return IntakeService(repository(), city_setup(), vault=nik_vault, attachments=attachment_service())


@lru_cache(maxsize=1)
def submission_idempotency() -> tuple[Any, Any]:
    """The persistence layer and config of the submission's idempotency (one pair for this one use)."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

    from lapor.adapters.dynamodb.client import dynamodb_client

    config = settings()
    table = config.idempotency_table_name
    if not table:
        raise RuntimeError("IDEMPOTENCY_TABLE_NAME is not set")
    persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=dynamodb_client())
    idempotency_config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="body",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=config.idempotency_expiry_seconds,
        hash_function="sha256",
    )
    return persistence, idempotency_config


# --- staff ------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def casework() -> CaseworkService:
    from lapor.services.casework import CaseworkService

    return CaseworkService(repository(), city_setup(), vault=nik_vault, attachments=attachment_service())


@lru_cache(maxsize=1)
def staff_directory() -> StaffDirectory:
    """Cognito in AWS (USER_POOL_ID); locally, where `/_local/token` signs officers in, the roster alone."""
    from lapor.adapters.cognito_directory import CognitoDirectory, RosterOnlyDirectory

    pool = settings().user_pool_id
    return CognitoDirectory(pool) if pool else RosterOnlyDirectory()


@lru_cache(maxsize=1)
def roster_admin() -> RosterAdmin:
    from lapor.services.roster_admin import RosterAdmin

    return RosterAdmin(roster(), city_setup(), directory=staff_directory)


@lru_cache(maxsize=1)
def catalog_admin() -> CatalogAdmin:
    from lapor.adapters.dynamodb.catalog import DynamoCatalog
    from lapor.adapters.dynamodb.client import dynamodb_client
    from lapor.services.catalog_admin import CatalogAdmin

    return CatalogAdmin(DynamoCatalog(dynamodb_client(), settings().table_name), city_setup())


@lru_cache(maxsize=1)
def roster() -> RosterStore:
    """The officer roster (the application table's `ROSTER` partition)."""
    from lapor.adapters.dynamodb.client import dynamodb_client
    from lapor.adapters.dynamodb.roster import DynamoRoster

    return DynamoRoster(dynamodb_client(), settings().table_name)


@lru_cache(maxsize=1)
def calendar_admin() -> CalendarAdmin:
    from lapor.services.calendar_admin import CalendarAdmin

    return CalendarAdmin(repository(), city_setup(), publisher=event_publisher)


@lru_cache(maxsize=1)
def routing_rules_admin() -> RoutingRulesAdmin:
    from lapor.services.routing_rules_admin import RoutingRulesAdmin

    return RoutingRulesAdmin(repository(), city_setup())


@lru_cache(maxsize=1)
def exports() -> ExportService:
    from lapor.services.exports import ExportService

    return ExportService(repository())


# --- indicators (staff and intake read them, the nightly job computes them) -------------------------------


@lru_cache(maxsize=1)
def metrics_service() -> MetricsService:
    from lapor.services.metrics import MetricsService

    return MetricsService(
        repository(),
        city_setup(),
        due_shards=due_shards(),
        response_time_target_hk=settings().response_time_target_hk,
    )


@lru_cache(maxsize=1)
def leadership_reports() -> LeadershipReports:
    from lapor.services.leadership import LeadershipReports

    return LeadershipReports(
        repository(), city_setup(), roster(), target_hk=settings().response_time_target_hk
    )


# --- the stream, the escalation job -----------------------------------------------------------------------


@lru_cache(maxsize=1)
def report_stream_service() -> ReportStreamService:
    from lapor.services.report_stream import ReportStreamService

    return ReportStreamService(repository(), city_setup(), event_publisher())


@lru_cache(maxsize=1)
def escalation_service() -> EscalationService:
    from lapor.observability import log_unexpected
    from lapor.services.escalation import EscalationService

    return EscalationService(repository(), city_setup(), due_shards=due_shards(), on_failure=log_unexpected)


# --- Open311 ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def open311_store() -> DynamoOpen311Store:
    from lapor.adapters.dynamodb.client import dynamodb_client
    from lapor.adapters.dynamodb.open311 import DynamoOpen311Store

    return DynamoOpen311Store(dynamodb_client(), settings().table_name)


@lru_cache(maxsize=1)
def open311_service() -> Open311Service:
    from lapor.services.open311 import Open311Service

    return Open311Service(open311_store(), city_setup(), attachments=attachment_service())


@lru_cache(maxsize=1)
def open311_keys() -> Open311KeyService:
    from lapor.services.open311_keys import Open311KeyService

    return Open311KeyService(open311_store())


# --- reaching the reporter --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def contact_service() -> ContactService:
    from lapor.services.contact import ContactService

    return ContactService(repository(), city_setup())


@lru_cache(maxsize=1)
def notify_settings() -> NotifySettings:
    return NotifySettings.from_env(os.environ)


@lru_cache(maxsize=1)
def message_sender() -> MessageSender:
    """The channels: SES e-mail, End User Messaging SMS, the staff topic; or the local stack's stand-in."""
    if "message_sender" in _STAND_INS:
        sender: MessageSender = _STAND_INS["message_sender"]
        return sender
    from lapor.adapters.channels import ChannelRouter, SesEmailSender, SmsSender
    from lapor.adapters.sns_publisher import SnsPublisher

    config = notify_settings()
    return ChannelRouter(
        {
            "email": SesEmailSender(config.email_sender, config.email_configuration_set),
            "sms": SmsSender(config.sms_origination, config.sms_configuration_set, config.sms_max_price),
            "staff": SnsPublisher(config.notifications_topic_arn),
        }
    )


@lru_cache(maxsize=1)
def delivery_service() -> DeliveryService:
    from lapor.adapters.dynamodb.client import dynamodb_client
    from lapor.adapters.dynamodb.contacts import DynamoContactBook
    from lapor.adapters.dynamodb.deliveries import DynamoDeliveryLog
    from lapor.adapters.secrets import token_secret as read_secret
    from lapor.services.delivery import DeliveryService, SmsBudget

    config = notify_settings()
    client = dynamodb_client()
    return DeliveryService(
        DynamoContactBook(client, config.table_name),
        DynamoDeliveryLog(client, config.table_name),
        message_sender(),
        secret=lambda: read_secret(config),
        base_url=config.public_base_url,
        sms_budget=SmsBudget(
            monthly_limit=round(config.sms_monthly_limit_usd * MICRO),
            per_message=round(config.sms_price_usd * MICRO),
        ),
    )


@lru_cache(maxsize=1)
def delivery_feedback_service() -> DeliveryFeedbackService:
    from lapor.adapters.dynamodb.client import dynamodb_client
    from lapor.adapters.dynamodb.contacts import DynamoContactBook
    from lapor.adapters.dynamodb.deliveries import DynamoDeliveryLog
    from lapor.services.delivery_feedback import DeliveryFeedbackService

    table = settings().table_name
    return DeliveryFeedbackService(
        DynamoDeliveryLog(dynamodb_client(), table), DynamoContactBook(dynamodb_client(), table)
    )


# --- for tests and the local stack ------------------------------------------------------------------------

MICRO = 1_000_000
_STAND_INS: dict[str, Any] = {}


def stand_in(builder: str, instance: Any) -> None:
    """The local stack's (and tests') stand-in for what a builder makes (the message channels); None puts
    the real one back. Never used in AWS."""
    if instance is None:
        _STAND_INS.pop(builder, None)
    else:
        _STAND_INS[builder] = instance
    reset()


_BUILT: tuple[Callable[..., Any], ...] = (
    repository,
    city_setup,
    attachment_service,
    event_publisher,
    nik_vault,
    intake_service,
    submission_idempotency,
    casework,
    roster,
    staff_directory,
    roster_admin,
    catalog_admin,
    calendar_admin,
    routing_rules_admin,
    exports,
    metrics_service,
    leadership_reports,
    report_stream_service,
    escalation_service,
    open311_store,
    open311_service,
    open311_keys,
    contact_service,
    notify_settings,
    message_sender,
    delivery_service,
    delivery_feedback_service,
)


def reset() -> None:
    """Forget every service, adapter and client built so far (the next call builds them anew)."""
    from lapor.adapters.cognito_directory import cognito_client
    from lapor.adapters.dynamodb.client import dynamodb_client
    from lapor.adapters.event_bus import events_client
    from lapor.adapters.kms_vault import kms_client

    for built in (*_BUILT, dynamodb_client, events_client, kms_client, cognito_client, settings):
        built.cache_clear()  # type: ignore[attr-defined]
