"""The local stack's consequences of a request: table stream records to `Type: DynamoDB` functions (filters,
batches, partial batch failures, dead letters), EventBridge events to `Type: EventBridgeRule` functions, SNS
publications to `Type: SNS` functions or the outbox, e-mail (SES v2) and SMS (End User Messaging SMS) to the
outbox with their providers' events to the functions that take them, and the loop between them, all before
the gateway answers.

One in-memory stack for the module, on a small template with stand-in handlers written into a tmp folder.
"""

from __future__ import annotations

import json
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from local.aws.environment import ACCOUNT_ID, REGION
from local.aws.moto_server import EmbeddedApi, EmbeddedApiError
from local.gateway.authorizer import issue_token
from local.gateway.http_types import IncomingRequest
from local.gateway.server import Gateway, build_gateway
from local.lambdas.consequences import MAX_ROUNDS
from local.lambdas.triggers import matches, parse_pattern, read_triggers
from local.memory_logs import dead_letters, outbox
from local.stack import LocalBackend
from local.template import EventDestination, Template, load_template, local_key_id
from tests.integration.conftest import process_state_kept, reset_moto
from tests.integration.standin_records import RECEIVED

STANDIN_PACKAGE = "standin_events"
MAIL_SET = "lapor-local-mail"
TEXT_SET = "lapor-local-texts"
STREAM_FILTERS = [
    '{"eventName": ["INSERT"], "dynamodb": {"Keys": {"sk": {"S": ["R"]}}}}',
    '{"eventName": ["INSERT", "MODIFY"], "dynamodb": {"Keys": {"sk": {"S": [{"prefix": "T#"}]}}}}',
    '{"dynamodb": {"Keys": {"sk": {"S": [{"prefix": "P#"}]}}}}',
]

TEMPLATE = f"""
Globals:
  Function:
    Timeout: 5
    Environment:
      Variables:
        TABLE_NAME: !Ref AppTable
Resources:
  AppTable:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions:
        - {{AttributeName: pk, AttributeType: S}}
        - {{AttributeName: sk, AttributeType: S}}
      KeySchema:
        - {{AttributeName: pk, KeyType: HASH}}
        - {{AttributeName: sk, KeyType: RANGE}}
      StreamSpecification: {{StreamViewType: NEW_AND_OLD_IMAGES}}
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties: {{UserPoolName: !Sub "${{AWS::StackName}}-staff"}}
  UserPoolClient:
    Type: AWS::Cognito::UserPoolClient
    Properties: {{UserPoolId: !Ref UserPool}}
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth:
        Authorizers:
          CognitoAuthorizer: {{UserPoolArn: !GetAtt UserPool.Arn}}
  EventBus:
    Type: AWS::Events::EventBus
    Properties: {{Name: !Sub "${{AWS::StackName}}-bus"}}
  NotificationsTopic:
    Type: AWS::SNS::Topic
  TopicKey:
    Type: AWS::KMS::Key
    Properties: {{Description: the SMS events topic's key}}
  MailSet:
    Type: AWS::SES::ConfigurationSet
    Properties: {{Name: !Sub "${{AWS::StackName}}-mail"}}
  MailSetEvents:
    Type: AWS::SES::ConfigurationSetEventDestination
    Properties:
      ConfigurationSetName: !Ref MailSet
      EventDestination:
        Name: to-the-default-bus
        Enabled: true
        MatchingEventTypes: [DELIVERY, BOUNCE, COMPLAINT]
        EventBridgeDestination:
          EventBusArn: !Sub
            "arn:${{AWS::Partition}}:events:${{AWS::Region}}:${{AWS::AccountId}}:event-bus/default"
  TextEvents:
    Type: AWS::SNS::Topic
    Properties: {{TopicName: !Sub "${{AWS::StackName}}-text-events", KmsMasterKeyId: !Ref TopicKey}}
  TextSet:
    Type: AWS::SMSVOICE::ConfigurationSet
    Properties:
      ConfigurationSetName: !Sub "${{AWS::StackName}}-texts"
      EventDestinations:
        - EventDestinationName: to-the-topic
          Enabled: true
          MatchingEventTypes: [TEXT_DELIVERED, TEXT_BLOCKED, TEXT_INVALID, TEXT_CARRIER_UNREACHABLE]
          SnsDestination: {{TopicArn: !Ref TextEvents}}
  Feedback:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: {STANDIN_PACKAGE}.handlers.feedback
      EventInvokeConfig: {{MaximumRetryAttempts: 1}}
      Events:
        MailEvents:
          Type: EventBridgeRule
          Properties:
            Pattern:
              source: [aws.ses]
              detail: {{mail: {{tags: {{"ses:configuration-set": [!Ref MailSet]}}}}}}
        TextEvents:
          Type: SNS
          Properties:
            Topic: !Ref TextEvents
            FilterPolicyScope: MessageBody
            FilterPolicy: {{eventType: [TEXT_DELIVERED, TEXT_BLOCKED, TEXT_INVALID]}}
  Writer:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: {STANDIN_PACKAGE}.handlers.writer
      Environment:
        Variables:
          EVENT_BUS_NAME: !Ref EventBus
          BUS_ARN: !GetAtt EventBus.Arn
          USER_POOL_ID: !Ref UserPool
          MAIL_SET: !Ref MailSet
          TEXT_SET: !Ref TextSet
          TEXT_EVENTS_TOPIC: !Ref TextEvents
          KEY_ID: !Ref TopicKey
          KEY_ARN: !GetAtt TopicKey.Arn
      Events:
        Write: {{Type: Api, Properties: {{RestApiId: !Ref Api, Path: /write, Method: post}}}}
        StaffWrite:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /staff/write
            Method: post
            Auth: {{Authorizer: CognitoAuthorizer}}
  Stream:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: {STANDIN_PACKAGE}.handlers.stream
      Environment:
        Variables:
          EVENT_BUS_NAME: !Ref EventBus
      Events:
        TableStream:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt AppTable.StreamArn
            StartingPosition: LATEST
            BatchSize: 2
            MaximumRetryAttempts: 2
            FunctionResponseTypes: [ReportBatchItemFailures]
            FilterCriteria:
              Filters:
                - Pattern: '{STREAM_FILTERS[0]}'
                - Pattern: '{STREAM_FILTERS[1]}'
                - Pattern: '{STREAM_FILTERS[2]}'
  Notify:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: {STANDIN_PACKAGE}.handlers.notify
      Environment:
        Variables:
          NOTIFICATIONS_TOPIC_ARN: !Ref NotificationsTopic
      Events:
        DomainEvents:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref EventBus
            Pattern:
              source: [lapor]
              detail-type: [{{prefix: lapor.report.}}]
            RetryPolicy: {{MaximumRetryAttempts: 1}}
  Audit:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: {STANDIN_PACKAGE}.handlers.audit
      Events:
        EveryChange:
          Type: DynamoDB
          Properties: {{Stream: !GetAtt AppTable.StreamArn, StartingPosition: LATEST}}
  Other:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: {STANDIN_PACKAGE}.handlers.other
      Events:
        OtherSource:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref EventBus
            Pattern: {{source: [other]}}
        DefaultBus:
          Type: EventBridgeRule
          Properties:
            Pattern: {{source: [lapor]}}
"""

STANDIN_HANDLERS = """
import json
import os

import boto3

from tests.integration.standin_records import RECEIVED
_clients = {}
PING_PONG_LAST = 25


def _client(service):
    if service not in _clients:
        _clients[service] = boto3.client(service)
    return _clients[service]


def _put_event(source, detail_type, detail):
    _client("events").put_events(
        Entries=[
            {
                "Source": source,
                "DetailType": detail_type,
                "Detail": json.dumps(detail),
                "EventBusName": os.environ["EVENT_BUS_NAME"],
            }
        ]
    )


def _send(send, **request):
    # The provider's answer, or the error code it refused with.
    from botocore.exceptions import ClientError

    try:
        return {"MessageId": send(**request)["MessageId"]}
    except ClientError as error:
        return {"error": error.response["Error"]["Code"]}


def _email(to, configuration_set=None):
    tags = {"report_id": "LPR-1", "delivery": "000001-confirm_contact", "template": "confirm_contact"}
    return _send(
        _client("sesv2").send_email,
        FromEmailAddress="lapor@example.go.id",
        Destination={"ToAddresses": [to]},
        Content={"Simple": {"Subject": {"Data": "Kode"}, "Body": {"Text": {"Data": "Kode Anda 123456."}}}},
        EmailTags=[{"Name": name, "Value": value} for name, value in tags.items()],
        ConfigurationSetName=configuration_set or os.environ["MAIL_SET"],
    )


def _text(to, configuration_set=None, context=None):
    return _send(
        _client("pinpoint-sms-voice-v2").send_text_message,
        DestinationPhoneNumber=to,
        OriginationIdentity="phone-local",
        MessageBody="Kode Anda 123456.",
        MessageType="TRANSACTIONAL",
        ConfigurationSetName=configuration_set or os.environ["TEXT_SET"],
        Context=context or {
            "report_id": "LPR-2", "delivery": "000001-confirm_contact", "template": "confirm_contact"
        },
    )


def writer(event, context):
    body = json.loads(event["body"] or "{}")
    RECEIVED["writer"].append(event)
    for item in body.get("items", []):
        _client("dynamodb").put_item(TableName=os.environ["TABLE_NAME"], Item=item)
    for published in body.get("events", []):
        _put_event(published["source"], published["detail_type"], published["detail"])
    sent = [_email(**email) for email in body.get("emails", [])]
    sent += [_text(**text) for text in body.get("texts", [])]
    for message in body.get("publish", []):
        _client("sns").publish(TopicArn=os.environ["TEXT_EVENTS_TOPIC"], Message=json.dumps(message))
    answer = {"bus": os.environ["EVENT_BUS_NAME"], "sent": sent}
    return {"statusCode": 200, "body": json.dumps(answer)}


def stream(event, context):
    RECEIVED["stream"].append(event)
    failures = []
    for record in event["Records"]:
        image = record["dynamodb"].get("NewImage", {})
        if image.get("raise", {}).get("BOOL"):
            raise RuntimeError("stand-in stream failure")
        if image.get("fail", {}).get("BOOL"):
            failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
            continue
        sort_key = record["dynamodb"]["Keys"]["sk"]["S"]
        if sort_key.startswith("T#") and record["eventName"] == "INSERT":
            action = image.get("action", {}).get("S", "submitted")
            _put_event("lapor", "lapor.report." + action, {"report_id": image["pk"]["S"]})
        if sort_key.startswith("P#") and int(sort_key[2:]) < PING_PONG_LAST:
            item = {"pk": {"S": "PING"}, "sk": {"S": "P#" + str(int(sort_key[2:]) + 1)}}
            _client("dynamodb").put_item(TableName=os.environ["TABLE_NAME"], Item=item)
    return {"batchItemFailures": failures}


def notify(event, context):
    RECEIVED["notify"].append(event)
    if event["detail-type"] == "lapor.report.boom":
        raise RuntimeError("stand-in notify failure")
    report_id = event["detail"]["report_id"]
    _client("sns").publish(
        TopicArn=os.environ["NOTIFICATIONS_TOPIC_ARN"],
        Message="Laporan " + report_id + " diterima.",
        MessageAttributes={
            name: {"DataType": "String", "StringValue": value}
            for name, value in {
                "channel": "email",
                "recipient": "pelapor@example.id",
                "template": "laporan_diterima",
                "report_id": report_id,
            }.items()
        },
    )
    # A write of its own, which the stream's filters leave out: the loop still ends.
    item = {"pk": {"S": report_id}, "sk": {"S": "N#" + event["id"]}}
    _client("dynamodb").put_item(TableName=os.environ["TABLE_NAME"], Item=item)


def audit(event, context):
    RECEIVED["audit"].append(event)


def other(event, context):
    RECEIVED["other"].append(event)


def feedback(event, context):
    RECEIVED["feedback"].append(event)
    for record in event.get("Records", []):
        if json.loads(record["Sns"]["Message"]).get("context", {}).get("fail"):
            raise RuntimeError("stand-in feedback failure")
"""


@dataclass
class Stack:
    backend: LocalBackend
    gateway: Gateway
    template: Template
    first_delivery: list[str] | None = None  # the sort keys `Audit` got after the stack's first request

    @property
    def received(self) -> dict[str, list[dict[str, Any]]]:
        return RECEIVED

    def post(self, path: str, body: Any, headers: list[tuple[str, str]] | None = None) -> Any:
        request = IncomingRequest(
            "POST",
            path,
            headers=[("Content-Type", "application/json"), *(headers or [])],
            body=json.dumps(body).encode(),
        )
        return self.gateway.handle(request)

    def get(self, path: str) -> Any:
        return json.loads(self.gateway.handle(IncomingRequest("GET", path)).body)

    def stream_arn(self) -> str:
        api = EmbeddedApi(self.backend.db.endpoint_url)
        table = api.json_call("dynamodb", "DynamoDB_20120810.DescribeTable", {"TableName": "AppTable"})
        return str(table["Table"]["LatestStreamArn"])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with process_state_kept(STANDIN_PACKAGE):
        root = tmp_path_factory.mktemp("events-stack")
        package = root / "fn" / STANDIN_PACKAGE
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "handlers.py").write_text(STANDIN_HANDLERS)
        (root / "template.yaml").write_text(TEMPLATE)
        template = load_template(root / "template.yaml")
        reset_moto()
        backend = LocalBackend.start(template, None)
        gateway = build_gateway(
            template, backend.functions, backend.secret, root / "openapi.json", backend.consequences.run
        )
        try:
            started = Stack(backend, gateway, template)
            started.post("/write", {"items": [_item("START", "FIRST")]})
            started.first_delivery = [
                sk for invocation in started.received["audit"] for sk in _sort_keys(invocation)
            ]
            yield started
        finally:
            backend.stop()
            reset_moto()


@pytest.fixture
def events_stack(stack: Stack) -> Stack:
    """The module's stack, with nothing received, published or dead-lettered yet."""
    stack.backend.consequences.run()
    outbox.clear()
    dead_letters.clear()
    RECEIVED.clear()
    return stack


def _item(pk: str, sk: str, **attributes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"pk": {"S": pk}, "sk": {"S": sk}}
    for name, value in attributes.items():
        item[name] = {"BOOL": value} if isinstance(value, bool) else {"S": str(value)}
    return item


def _records(invocations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [record for invocation in invocations for record in invocation["Records"]]


def _sort_keys(invocation: dict[str, Any]) -> list[str]:
    return [record["dynamodb"]["Keys"]["sk"]["S"] for record in invocation["Records"]]


# --- the template ---------------------------------------------------------------------------------------


def test_buses_topics_and_triggers_come_from_the_template(events_stack: Stack) -> None:
    template = events_stack.template
    writer = template.functions()["Writer"]
    assert writer.environment["EVENT_BUS_NAME"] == "lapor-local-bus"
    assert writer.environment["BUS_ARN"] == f"arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/lapor-local-bus"
    assert "USER_POOL_ID" not in writer.environment  # Cognito exists only in AWS
    topic_arn = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:NotificationsTopic"
    assert template.functions()["Notify"].environment["NOTIFICATIONS_TOPIC_ARN"] == topic_arn
    assert template.event_buses() == ["lapor-local-bus"]
    text_events = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:lapor-local-text-events"
    assert [topic.arn for topic in template.topics()] == [topic_arn, text_events]
    # A KMS key is its id (the same for one logical id, every time) and its ARN; configuration sets names.
    key_id = writer.environment["KEY_ID"]
    assert str(uuid.UUID(key_id)) == key_id == local_key_id("TopicKey")
    assert writer.environment["KEY_ARN"] == f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{key_id}"
    assert template.topics()[1].kms_master_key_id == key_id
    assert (writer.environment["MAIL_SET"], writer.environment["TEXT_SET"]) == (MAIL_SET, TEXT_SET)
    assert template.email_configuration_sets() == {
        MAIL_SET: [EventDestination("eventbridge", "default", frozenset({"DELIVERY", "BOUNCE", "COMPLAINT"}))]
    }
    [text_destination] = template.sms_configuration_sets()[TEXT_SET]
    assert (text_destination.kind, text_destination.target) == ("sns", text_events)

    triggers = read_triggers(template)
    assert triggers.problems == []
    stream, audit = triggers.streams
    assert (stream.function_id, stream.table_name, stream.batch_size) == ("Stream", "AppTable", 2)
    assert stream.maximum_retry_attempts == 2
    assert stream.reports_batch_item_failures
    assert len(stream.filters) == 3
    assert (audit.batch_size, audit.maximum_retry_attempts, audit.filters) == (100, 3, ())
    assert not audit.reports_batch_item_failures
    rules = {(rule.function_id, rule.event_name): rule.bus_name for rule in triggers.rules}
    assert rules == {
        ("Notify", "DomainEvents"): "lapor-local-bus",
        ("Other", "OtherSource"): "lapor-local-bus",
        ("Other", "DefaultBus"): "default",
        ("Feedback", "MailEvents"): "default",
    }
    [subscription] = triggers.topics
    assert (subscription.function_id, subscription.topic_arn) == ("Feedback", text_events)
    assert (subscription.maximum_retry_attempts, subscription.filter_policy_scope) == (1, "MessageBody")
    assert triggers.subscribed_topics == {text_events}


def test_routes_naming_the_cognito_authorizer_need_a_token(events_stack: Stack) -> None:
    routes = {route.path: route.authorizer for route in events_stack.template.routes()}
    assert routes == {"/write": None, "/staff/write": "CognitoAuthorizer"}
    assert events_stack.post("/staff/write", {}).status == 401
    token = issue_token(events_stack.backend.secret, "coordinator", sub="c-1")
    accepted = events_stack.post("/staff/write", {}, [("Authorization", f"Bearer {token}")])
    assert accepted.status == 200
    [event] = events_stack.received["writer"]
    assert event["requestContext"]["authorizer"]["claims"]["sub"] == "c-1"
    assert events_stack.post("/write", {}).status == 200


# --- table streams ---------------------------------------------------------------------------------------


def test_a_write_reaches_the_stream_function_in_lambda_shape_through_its_filters(
    events_stack: Stack,
) -> None:
    report = _item("REPORT#1", "R", title="Lampu mati")
    identity = _item("REPORT#1", "I", name="Siti")
    assert events_stack.post("/write", {"items": [report, identity]}).status == 200

    # `Audit` has no filters and gets both; the identity item is filtered out of `Stream`'s batch.
    [everything] = events_stack.received["audit"]
    assert [record["dynamodb"]["Keys"]["sk"]["S"] for record in everything["Records"]] == ["R", "I"]
    [invocation] = events_stack.received["stream"]
    [record] = invocation["Records"]
    assert set(invocation) == {"Records"}
    assert set(record) == {
        "eventID",
        "eventName",
        "eventVersion",
        "eventSource",
        "awsRegion",
        "dynamodb",
        "eventSourceARN",
    }
    assert record["eventName"] == "INSERT"
    assert record["eventVersion"] == "1.1"
    assert record["eventSource"] == "aws:dynamodb"
    assert record["awsRegion"] == REGION
    assert record["eventSourceARN"] == events_stack.stream_arn()
    change = record["dynamodb"]
    assert list(change) == [
        "ApproximateCreationDateTime",
        "Keys",
        "NewImage",
        "SequenceNumber",
        "SizeBytes",
        "StreamViewType",
    ]
    assert isinstance(change["ApproximateCreationDateTime"], int)
    assert change["Keys"] == {"pk": {"S": "REPORT#1"}, "sk": {"S": "R"}}
    assert change["NewImage"] == report
    assert change["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert change["SizeBytes"] > 0

    # A changed report is not an INSERT: filtered out; a changed timeline item passes, with both images.
    events_stack.post("/write", {"items": [_item("REPORT#1", "R", title="Lampu padam")]})
    assert len(events_stack.received["stream"]) == 1
    events_stack.post("/write", {"items": [_item("REPORT#2", "T#000001", note="a")]})
    events_stack.post("/write", {"items": [_item("REPORT#2", "T#000001", note="b")]})
    modified = events_stack.received["stream"][-1]["Records"][0]
    assert modified["eventName"] == "MODIFY"
    assert modified["dynamodb"]["OldImage"]["note"] == {"S": "a"}
    assert modified["dynamodb"]["NewImage"]["note"] == {"S": "b"}


def test_what_the_start_up_wrote_is_never_delivered(events_stack: Stack) -> None:
    # The seed (and, on a data folder, the replayed and compacted log) is written before the streams are
    # positioned at LATEST: the first request's delivery holds its own write only.
    assert events_stack.first_delivery == ["FIRST"]


def test_records_come_in_batches_of_batch_size_in_order(events_stack: Stack) -> None:
    items = [_item("REPORT#3", f"T#00000{seq}") for seq in range(1, 4)]
    events_stack.post("/write", {"items": items})
    assert [_sort_keys(invocation) for invocation in events_stack.received["stream"]] == [
        ["T#000001", "T#000002"],
        ["T#000003"],
    ]


def test_a_partial_batch_failure_is_retried_from_the_failed_record_then_dead_lettered(
    events_stack: Stack,
) -> None:
    good, bad = _item("REPORT#4", "T#000001"), _item("REPORT#4", "T#000002", fail=True)
    events_stack.post("/write", {"items": [good, bad]})

    # One try and MaximumRetryAttempts (2) retries from the checkpoint; the good record is not sent again.
    assert [_sort_keys(invocation) for invocation in events_stack.received["stream"]] == [
        ["T#000001", "T#000002"],
        ["T#000002"],
        ["T#000002"],
    ]
    [letter] = events_stack.get("/_local/dead-letters")["items"]
    assert letter["function"] == "Stream"
    assert letter["trigger"] == "TableStream"
    assert letter["type"] == "DynamoDB"
    assert letter["attempts"] == 3
    assert letter["error"] == "batchItemFailures"
    failed_sequence = events_stack.received["stream"][-1]["Records"][0]["dynamodb"]["SequenceNumber"]
    info = letter["payload"]["DDBStreamBatchInfo"]
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == failed_sequence
    assert info["batchSize"] == 1
    assert info["streamArn"] == events_stack.stream_arn()
    assert letter["payload"]["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert "NewImage" not in json.dumps(letter)  # metadata only, as Lambda sends it
    # The shard moved on: the next write is delivered alone.
    events_stack.post("/write", {"items": [_item("REPORT#4", "T#000003")]})
    assert _sort_keys(events_stack.received["stream"][-1]) == ["T#000003"]


def test_a_raising_stream_function_retries_the_whole_batch(events_stack: Stack) -> None:
    items = [_item("REPORT#5", "T#000001"), _item("REPORT#5", "T#000002", **{"raise": True})]
    assert events_stack.post("/write", {"items": items}).status == 200
    assert [len(invocation["Records"]) for invocation in events_stack.received["stream"]] == [2, 2, 2]
    [letter] = dead_letters.items()
    assert letter["error"] == "RuntimeError"
    assert letter["payload"]["responseContext"]["functionError"] == "Unhandled"
    assert letter["payload"]["DDBStreamBatchInfo"]["batchSize"] == 2


# --- EventBridge and SNS ------------------------------------------------------------------------------------


def _event(source: str, detail_type: str, report_id: str = "LPR-1") -> dict[str, Any]:
    return {"source": source, "detail_type": detail_type, "detail": {"report_id": report_id}}


def test_put_events_reach_the_rules_whose_pattern_matches(events_stack: Stack) -> None:
    published = [
        _event("lapor", "lapor.report.verified"),
        _event("lapor", "elsewhere.verified"),
        _event("other", "lapor.report.verified"),
    ]
    events_stack.post("/write", {"events": published})

    [delivered] = events_stack.received["notify"]
    assert set(delivered) == {
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    }
    assert delivered["version"] == "0"
    assert delivered["source"] == "lapor"
    assert delivered["detail-type"] == "lapor.report.verified"
    assert delivered["detail"] == {"report_id": "LPR-1"}
    assert delivered["account"] == ACCOUNT_ID
    assert delivered["region"] == REGION
    assert delivered["resources"] == []
    assert datetime.strptime(delivered["time"], "%Y-%m-%dT%H:%M:%SZ")
    # `Other` matches source "other" on the bus; its default-bus rule never sees the bus's events.
    assert [event["source"] for event in events_stack.received["other"]] == ["other"]


def test_an_sns_publication_lands_in_the_outbox(events_stack: Stack) -> None:
    events_stack.post("/write", {"events": [_event("lapor", "lapor.report.submitted", "LPR-7")]})
    [item] = events_stack.get("/_local/outbox")["items"]
    assert {key: value for key, value in item.items() if key != "at"} == {
        "channel": "email",
        "recipient": "pelapor@example.id",
        "template": "laporan_diterima",
        "report_id": "LPR-7",
        "message": "Laporan LPR-7 diterima.",
        "state": "sent",
    }
    assert datetime.fromisoformat(item["at"]).utcoffset() is not None


def test_a_failing_event_function_is_retried_per_its_retry_policy_then_dead_lettered(
    events_stack: Stack,
) -> None:
    events_stack.post("/write", {"events": [_event("lapor", "lapor.report.boom")]})
    assert len(events_stack.received["notify"]) == 2  # RetryPolicy: MaximumRetryAttempts 1
    [letter] = dead_letters.items()
    assert (letter["function"], letter["type"], letter["attempts"]) == ("Notify", "EventBridgeRule", 2)
    assert letter["error"] == "RuntimeError"
    assert letter["payload"]["detail-type"] == "lapor.report.boom"
    assert letter["payload"]["id"] == events_stack.received["notify"][0]["id"]


# --- e-mail, SMS and their providers' events ---------------------------------------------------------------


def _sent(stack: Stack, body: dict[str, Any]) -> list[dict[str, str]]:
    answer = stack.post("/write", body)
    assert answer.status == 200, answer.body
    sent: list[dict[str, str]] = json.loads(answer.body)["sent"]
    return sent


def _fields(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entry.items() if key != "at"}


def test_an_email_is_kept_in_the_outbox_and_its_delivery_reaches_the_rule_of_its_set(
    events_stack: Stack,
) -> None:
    [sent] = _sent(events_stack, {"emails": [{"to": "siti@example.id"}]})
    assert set(sent) == {"MessageId"}
    [entry] = outbox.items()
    assert _fields(entry) == {
        "channel": "email",
        "recipient": "siti@example.id",
        "template": "confirm_contact",
        "report_id": "LPR-1",
        "message": "Kode Anda 123456.",
        "state": "delivered",
    }
    [event] = events_stack.received["feedback"]
    assert (event["source"], event["detail-type"], event["account"]) == (
        "aws.ses",
        "Email Delivered",
        ACCOUNT_ID,
    )
    assert event["resources"] == [f"arn:aws:ses:{REGION}:{ACCOUNT_ID}:configuration-set/{MAIL_SET}"]
    detail = event["detail"]
    assert detail["eventType"] == "Delivery"
    assert detail["mail"]["messageId"] == sent["MessageId"]
    assert detail["mail"]["destination"] == ["siti@example.id"]
    assert {name: detail["mail"]["tags"][name] for name in ("report_id", "delivery", "template")} == {
        "report_id": ["LPR-1"],
        "delivery": ["000001-confirm_contact"],
        "template": ["confirm_contact"],
    }
    assert detail["mail"]["tags"]["ses:configuration-set"] == [MAIL_SET]
    assert detail["delivery"]["recipients"] == ["siti@example.id"]
    assert "Other" not in {invocation.get("source") for invocation in events_stack.received["other"]}


@pytest.mark.parametrize(
    ("to", "detail_types", "state"),
    [
        ("success@simulator.amazonses.com", ["Email Delivered"], "delivered"),
        ("bounce@simulator.amazonses.com", ["Email Bounced"], "bounced"),
        ("bounce+siti@simulator.amazonses.com", ["Email Bounced"], "bounced"),
        ("suppressionlist@simulator.amazonses.com", ["Email Bounced"], "bounced"),
        ("complaint@simulator.amazonses.com", ["Email Delivered", "Email Complaint Received"], "complained"),
    ],
)
def test_the_mailbox_simulators_addresses_answer_as_in_ses(
    events_stack: Stack, to: str, detail_types: list[str], state: str
) -> None:
    _sent(events_stack, {"emails": [{"to": to}]})
    assert [entry["state"] for entry in outbox.items()] == [state]
    events = events_stack.received["feedback"]
    assert [event["detail-type"] for event in events] == detail_types
    if "Email Bounced" in detail_types:
        bounce = events[0]["detail"]["bounce"]
        assert bounce["bounceType"] == "Permanent"
        assert bounce["bouncedRecipients"][0]["emailAddress"] == to
    if "Email Complaint Received" in detail_types:
        assert events[1]["detail"]["complaint"]["complainedRecipients"] == [{"emailAddress": to}]


def test_an_email_with_a_configuration_set_ses_does_not_have_is_refused(events_stack: Stack) -> None:
    assert _sent(events_stack, {"emails": [{"to": "siti@example.id", "configuration_set": "nope"}]}) == [
        {"error": "NotFoundException"}
    ]
    assert _sent(events_stack, {"emails": [{"to": "not an address"}]}) == [{"error": "BadRequestException"}]
    assert outbox.items() == []
    assert events_stack.received["feedback"] == []


def test_an_sms_is_kept_in_the_outbox_and_its_event_reaches_the_topics_function(events_stack: Stack) -> None:
    [sent] = _sent(events_stack, {"texts": [{"to": "+6281234567890"}]})
    [entry] = outbox.items()
    assert _fields(entry) == {
        "channel": "sms",
        "recipient": "+6281234567890",
        "template": "confirm_contact",
        "report_id": "LPR-2",
        "message": "Kode Anda 123456.",
        "state": "delivered",
    }
    [invocation] = events_stack.received["feedback"]
    [record] = invocation["Records"]
    assert (record["EventSource"], record["EventVersion"]) == ("aws:sns", "1.0")
    notification = record["Sns"]
    assert notification["Type"] == "Notification"
    assert notification["TopicArn"] == f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:lapor-local-text-events"
    assert record["EventSubscriptionArn"].startswith(notification["TopicArn"] + ":")
    assert datetime.fromisoformat(notification["Timestamp"].replace("Z", "+00:00"))
    message = json.loads(notification["Message"])
    assert message["eventType"] == "TEXT_DELIVERED"
    assert message["messageStatus"] == "DELIVERED"
    assert message["messageId"] == sent["MessageId"]
    assert message["destinationPhoneNumber"] == "+6281234567890"
    assert message["context"] == {
        "report_id": "LPR-2",
        "delivery": "000001-confirm_contact",
        "template": "confirm_contact",
    }
    assert isinstance(message["eventTimestamp"], int)


@pytest.mark.parametrize(
    ("to", "event_type", "state"),
    [
        ("+6280012345678", "TEXT_BLOCKED", "bounced"),
        ("+6280000000003", "TEXT_INVALID", "bounced"),
        ("+6280000000002", "TEXT_CARRIER_UNREACHABLE", "failed"),
    ],
)
def test_numbers_of_the_reserved_range_fail_as_documented(
    events_stack: Stack, to: str, event_type: str, state: str
) -> None:
    _sent(events_stack, {"texts": [{"to": to}]})
    assert [entry["state"] for entry in outbox.items()] == [state]
    delivered = [
        json.loads(record["Sns"]["Message"])["eventType"]
        for invocation in events_stack.received["feedback"]
        for record in invocation["Records"]
    ]
    # The subscription's FilterPolicy (on the body) leaves TEXT_CARRIER_UNREACHABLE out.
    assert delivered == ([] if event_type == "TEXT_CARRIER_UNREACHABLE" else [event_type])


def test_an_sms_the_service_refuses_leaves_nothing(events_stack: Stack) -> None:
    refused = _sent(
        events_stack,
        {"texts": [{"to": "081234567890"}, {"to": "+6281234567890", "configuration_set": "nope"}]},
    )
    assert refused == [{"error": "ValidationException"}, {"error": "ResourceNotFoundException"}]
    assert outbox.items() == []
    assert events_stack.received["feedback"] == []


def test_what_the_local_sms_service_does_not_run_or_cannot_read_is_refused(events_stack: Stack) -> None:
    api = EmbeddedApi(events_stack.backend.db.endpoint_url)
    for target, request, refusal in (
        ("PinpointSMSVoiceV2.DescribePhoneNumbers", {}, b"UnknownOperationException"),
        ("PinpointSMSVoiceV2.SendTextMessage", {"Context": "not a map"}, b"SerializationException"),
    ):
        with pytest.raises(EmbeddedApiError) as refused:
            api.json_call("sms-voice", target, request)
        assert (refused.value.status, refusal in refused.value.answer) == (400, True)
    assert outbox.items() == []


def test_a_publication_to_a_subscribed_topic_goes_to_its_function_and_a_failing_one_is_dead_lettered(
    events_stack: Stack,
) -> None:
    good = {"eventType": "TEXT_DELIVERED", "context": {}}
    filtered = {"eventType": "TEXT_SPAM", "context": {}}
    failing = {"eventType": "TEXT_BLOCKED", "context": {"fail": "yes"}}
    events_stack.post("/write", {"publish": [good, filtered, failing]})
    messages = [
        json.loads(record["Sns"]["Message"])
        for invocation in events_stack.received["feedback"]
        for record in invocation["Records"]
    ]
    assert messages == [good, failing, failing]  # EventInvokeConfig: MaximumRetryAttempts 1
    assert outbox.items() == []  # a subscribed topic's messages are not people's
    [letter] = dead_letters.items()
    assert (letter["function"], letter["trigger"], letter["type"]) == ("Feedback", "TextEvents", "SNS")
    assert (letter["attempts"], letter["error"]) == (2, "RuntimeError")
    assert json.loads(letter["payload"]["Records"][0]["Sns"]["Message"]) == failing


# --- the loop --------------------------------------------------------------------------------------------


def test_stream_and_events_run_to_the_end_before_the_answer(events_stack: Stack) -> None:
    timeline_entry = _item("LPR-8", "T#000001", action="verified")
    assert events_stack.post("/write", {"items": [timeline_entry]}).status == 200
    # stream -> event -> notify (which writes an item the stream's filters leave out) -> outbox, and stop
    assert len(events_stack.received["stream"]) == 1
    [event] = events_stack.received["notify"]
    assert event["detail-type"] == "lapor.report.verified"
    assert [item["report_id"] for item in outbox.items()] == ["LPR-8"]
    assert dead_letters.items() == []


def test_a_function_that_keeps_triggering_itself_is_stopped_after_the_round_limit(
    events_stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert events_stack.post("/write", {"items": [_item("PING", "P#0")]}).status == 200
    assert len(events_stack.received["stream"]) == MAX_ROUNDS
    assert f"after {MAX_ROUNDS} rounds" in capsys.readouterr().err
    # What was left runs after the next request, from where the stream stopped.
    events_stack.backend.consequences.run()
    last = _sort_keys(events_stack.received["stream"][-1])
    assert last == ["P#25"]
    assert len(events_stack.received["stream"]) == 26


# --- patterns ----------------------------------------------------------------------------------------------

RECORD = {
    "eventName": "INSERT",
    "dynamodb": {"Keys": {"sk": {"S": "T#000001"}}, "NewImage": {"n": {"N": "1"}, "flag": {"BOOL": True}}},
    "tags": ["a", "b"],
    "count": 5,
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"eventName": ["INSERT", "MODIFY"]}, True),
        ({"eventName": ["REMOVE"]}, False),
        ({"dynamodb": {"Keys": {"sk": {"S": [{"prefix": "T#"}]}}}}, True),
        ({"dynamodb": {"Keys": {"sk": {"S": [{"prefix": "R"}]}}}}, False),
        ({"dynamodb": {"Keys": {"sk": {"S": [{"suffix": "001"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"n": {"N": ["1"]}}}}, True),
        ({"dynamodb": {"NewImage": {"n": {"N": [1]}}}}, False),
        ({"dynamodb": {"NewImage": {"flag": {"BOOL": [True]}}}}, True),
        ({"dynamodb": {"NewImage": {"gone": {"S": [{"exists": False}]}}}}, True),
        ({"dynamodb": {"NewImage": {"gone": {"S": [{"exists": True}]}}}}, False),
        ({"dynamodb": {"NewImage": {"n": [{"exists": True}]}}}, False),  # on leaves only, as EventBridge
        ({"dynamodb": {"Keys": {"sk": {"S": [{"wildcard": "T#*1"}]}}}}, True),
        ({"eventName": [{"anything-but": "REMOVE"}]}, True),
        ({"eventName": [{"anything-but": ["INSERT", "MODIFY"]}]}, False),
        ({"eventName": [{"anything-but": {"prefix": "IN"}}]}, False),
        ({"missing": [{"anything-but": "x"}]}, False),
        ({"eventName": [{"equals-ignore-case": "insert"}]}, True),
        ({"tags": ["b"]}, True),
        ({"tags": ["c"]}, False),
        ({"count": [{"numeric": [">", 1, "<=", 5]}]}, True),
        ({"count": [{"numeric": ["<", 5]}]}, False),
        ({"$or": [{"eventName": ["REMOVE"]}, {"count": [5]}]}, True),
        ({"eventName": ["INSERT"], "count": [6]}, False),
        ({}, True),
    ],
)
def test_patterns_match_as_eventbridge_and_lambda_filters_do(pattern: dict[str, Any], expected: bool) -> None:
    assert matches(parse_pattern(json.dumps(pattern)), RECORD) is expected


@pytest.mark.parametrize(
    "pattern",
    [
        '{"eventName": "INSERT"}',
        '{"a": [{"prefx": "x"}]}',
        '{"$or": [{"a": [{"sufix": "x"}]}]}',
        "[1]",
        "{not json",
    ],
)
def test_unsupported_patterns_are_refused_when_read(pattern: str) -> None:
    with pytest.raises(ValueError, match="pattern"):
        parse_pattern(pattern)


def test_a_trigger_with_an_unsupported_pattern_is_reported_not_run(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(
        textwrap.dedent(
            """
            Resources:
              T:
                Type: AWS::DynamoDB::Table
                Properties:
                  AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
                  KeySchema: [{AttributeName: pk, KeyType: HASH}]
              F:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: x.handler
                  Events:
                    S:
                      Type: DynamoDB
                      Properties:
                        Stream: !GetAtt T.StreamArn
                        FilterCriteria: {Filters: [{Pattern: '{"a": [{"cidrr": "10.0.0.0/8"}]}'}]}
                    R:
                      Type: EventBridgeRule
                      Properties: {EventBusName: !Ref Nowhere, Pattern: {source: [x]}}
            """
        )
    )
    triggers = read_triggers(load_template(path))
    assert triggers.streams == []
    assert triggers.rules == []
    assert len(triggers.problems) == 2
