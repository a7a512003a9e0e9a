"""Create the template's event buses and SNS topics in the embedded moto, so handlers can publish to them.

Tables are created by `local.persistence`; Cognito, queues, roles and log groups are not needed locally
(the gateway checks tokens itself, dead letters are kept by the stack) and are left out.
"""

from __future__ import annotations

from local.embedded_api import EmbeddedApi, EmbeddedApiError
from local.published_events import DEFAULT_BUS
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
        api.query_call("sns", {"Action": "CreateTopic", "Name": topic.name, "Version": SNS_API_VERSION})
