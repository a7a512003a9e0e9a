"""Create the template's event buses, SNS topics (with their KMS key) and S3 buckets in the embedded moto,
for the handlers.

Tables are created by `local.persistence.store`, KMS keys by `local.aws.kms`; the e-mail and SMS
configuration sets are read from the template as they are used (`local.aws.publications`). Cognito, queues,
roles, log groups and the web ACL are not needed locally (the gateway checks tokens itself and does not
emulate WAF, dead letters are kept by the stack) and are left out.
"""

from __future__ import annotations

from local.aws.moto_server import EmbeddedApi, EmbeddedApiError
from local.aws.s3.client import EmbeddedS3
from local.lambdas.triggers import DEFAULT_BUS
from local.template import Template

SNS_API_VERSION = "2010-03-31"


def create_event_buses_and_topics(api: EmbeddedApi, template: Template) -> None:
    for name in template.event_buses():
        if name == DEFAULT_BUS:
            continue
        try:
            api.json_call("events", "AWSEvents.CreateEventBus", {"Name": name}, json_version="1.1")
        except EmbeddedApiError as error:
            if b"ResourceAlreadyExists" not in error.answer:
                raise
    for topic in template.topics():
        request = {"Action": "CreateTopic", "Name": topic.name, "Version": SNS_API_VERSION}
        if topic.kms_master_key_id:
            request |= {
                "Attributes.entry.1.key": "KmsMasterKeyId",
                "Attributes.entry.1.value": topic.kms_master_key_id,
            }
        api.query_call("sns", request)


def create_buckets(s3: EmbeddedS3, template: Template) -> list[str]:
    """Create every bucket of the template (by its local name); returns the names."""
    names = [bucket.name for bucket in template.buckets()]
    for name in names:
        s3.create_bucket(name)
    return names
