"""The local stack's building blocks: tables from template.yaml, the REST v1 event, dev tokens, and the
gateway in-process with a stand-in function."""

from __future__ import annotations

import base64
import json
import os
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from moto import mock_aws

from local.aws.environment import REGION
from local.gateway.authorizer import (
    AUDIENCE,
    ISSUER,
    InvalidTokenError,
    bearer_token,
    issue_token,
    verify_token,
)
from local.gateway.http_types import IncomingRequest
from local.gateway.proxy import build_rest_event
from local.gateway.routes import RouteTable
from local.gateway.server import MAX_BODY_BYTES, build_gateway
from local.lambdas.runtime import FunctionRegistry
from local.lambdas.triggers import read_triggers
from local.memory_logs import outbox
from local.template import (
    LOCAL_PARAMETERS,
    PARAMETER_OVERRIDES_VARIABLE,
    ApiRoute,
    Template,
    TemplateError,
    load_template,
)
from tools.cfn_yaml import parse_template_text
from tools.tables import create_tables

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "template.yaml"
SECRET = "test-secret-0123456789abcdef0123456789"


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")


@pytest.fixture
def isolated_process_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Invocations set environment variables and extend sys.path: undo both after the test."""
    saved_environ = dict(os.environ)
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield
    os.environ.clear()
    os.environ.update(saved_environ)
    for name in [name for name in sys.modules if name.split(".")[0] == "standin_echo"]:
        del sys.modules[name]


def _raw_template_tables() -> dict[str, dict[str, Any]]:
    document = parse_template_text(TEMPLATE_PATH.read_text(encoding="utf-8"))
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in document["Resources"].items()
        if resource["Type"] == "AWS::DynamoDB::Table"
    }


# --- template.yaml -------------------------------------------------------------------------------------


def test_short_tags_read_as_their_long_form() -> None:
    document = parse_template_text(
        textwrap.dedent(
            """
            A: !Ref Table
            B: !GetAtt Table.StreamArn
            C: !Sub "${AWS::StackName}-x"
            D: !If [Cond, "yes", "no"]
            E: !Equals [!Ref P, v]
            """
        )
    )
    assert document == {
        "A": {"Ref": "Table"},
        "B": {"Fn::GetAtt": ["Table", "StreamArn"]},
        "C": {"Fn::Sub": "${AWS::StackName}-x"},
        "D": {"Fn::If": ["Cond", "yes", "no"]},
        "E": {"Fn::Equals": [{"Ref": "P"}, "v"]},
    }


def test_create_tables_builds_the_tables_and_indexes_of_the_template(aws_env: None) -> None:
    import boto3

    expected = _raw_template_tables()
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        assert sorted(create_tables(client, load_template(TEMPLATE_PATH).tables())) == sorted(expected)
        for name, properties in expected.items():
            table = client.describe_table(TableName=name)["Table"]
            assert table["KeySchema"] == properties["KeySchema"]
            assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
            indexes = {index["IndexName"]: index for index in table.get("GlobalSecondaryIndexes", [])}
            wanted = {index["IndexName"]: index for index in properties.get("GlobalSecondaryIndexes", [])}
            assert set(indexes) == set(wanted)
            for index_name, index in wanted.items():
                assert indexes[index_name]["KeySchema"] == index["KeySchema"]
                assert (
                    indexes[index_name]["Projection"]["ProjectionType"]
                    == index["Projection"]["ProjectionType"]
                )
                assert sorted(indexes[index_name]["Projection"].get("NonKeyAttributes", [])) == sorted(
                    index["Projection"].get("NonKeyAttributes", [])
                )
            stream = properties.get("StreamSpecification")
            if stream:
                assert table["StreamSpecification"] == {
                    "StreamEnabled": True,
                    "StreamViewType": stream["StreamViewType"],
                }
            ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if properties.get("TimeToLiveSpecification"):
                assert ttl["TimeToLiveStatus"] == "ENABLED"
                assert ttl["AttributeName"] == properties["TimeToLiveSpecification"]["AttributeName"]
            else:
                assert ttl["TimeToLiveStatus"] == "DISABLED"


def test_function_environment_resolves_tables_and_drops_what_exists_only_in_aws() -> None:
    template = load_template(TEMPLATE_PATH)
    intake = template.functions()["IntakeFunction"]
    assert intake.environment["TABLE_NAME"] == "AppTable"
    assert intake.environment["IDEMPOTENCY_TABLE_NAME"] == "IdempotencyTable"
    assert intake.environment["POWERTOOLS_SERVICE_NAME"] == "intake"
    assert "TOKEN_SECRET_ARN" not in intake.environment
    assert intake.module_name == "intake.handler"
    assert intake.code_dir == TEMPLATE_PATH.parent / "functions" / "intake"
    assert ("GET", "/reports/{id}", "IntakeFunction", None) in {
        (route.method, route.path, route.function_id, route.authorizer) for route in template.routes()
    }
    assert template.stage_name() == "v1"


def test_staff_routes_and_only_they_name_the_cognito_authorizer() -> None:
    # The Api has Auth.Authorizers and no DefaultAuthorizer; each /staff route names CognitoAuthorizer (its
    # CORS preflight none: a browser's preflight carries no credentials).
    for route in load_template(TEMPLATE_PATH).routes():
        staff = route.path.startswith("/staff/") and route.method != "OPTIONS"
        expected = "CognitoAuthorizer" if staff else None
        assert route.authorizer == expected, route


def test_buses_topics_and_triggers_of_the_template_resolve_locally() -> None:
    template = load_template(TEMPLATE_PATH)
    topic_arns = {topic.arn for topic in template.topics()}
    for function in template.functions().values():
        if "EVENT_BUS_NAME" in function.environment:
            assert function.environment["EVENT_BUS_NAME"] in template.event_buses(), function.logical_id
        if "NOTIFICATIONS_TOPIC_ARN" in function.environment:
            assert function.environment["NOTIFICATIONS_TOPIC_ARN"] in topic_arns, function.logical_id
    triggers = read_triggers(template)
    assert triggers.problems == []
    # The template's own buses, and the default one, where S3 and SES send their events.
    assert {rule.bus_name for rule in triggers.rules} <= {*template.event_buses(), "default"}
    assert "default" in {rule.bus_name for rule in triggers.rules}
    # Every topic a function subscribes to is the template's, and some function is subscribed.
    assert triggers.topics
    assert triggers.subscribed_topics <= topic_arns


def test_keys_configuration_sets_and_the_sms_topic_of_the_template_resolve_locally() -> None:
    template = load_template(TEMPLATE_PATH)
    keys = {key.logical_id: key for key in template.kms_keys()}
    assert set(keys) == {"IdentityKey", "SmsEventsKey"}
    for function_id in ("IntakeFunction", "StaffFunction"):
        assert template.functions()[function_id].environment["IDENTITY_KEY_ID"] == keys["IdentityKey"].key_id
    assert load_template(TEMPLATE_PATH).kms_keys() == template.kms_keys()  # the same ids on every start
    [sms_topic] = [topic for topic in template.topics() if topic.logical_id == "SmsEventsTopic"]
    assert sms_topic.kms_master_key_id == keys["SmsEventsKey"].key_id

    notify = template.functions()["NotifyFunction"].environment
    email_sets = template.email_configuration_sets()
    assert list(email_sets) == [notify["EMAIL_CONFIGURATION_SET"]] == ["lapor-local-reporters"]
    [email_destination] = email_sets["lapor-local-reporters"]
    assert (email_destination.kind, email_destination.target) == ("eventbridge", "default")
    assert {"DELIVERY", "BOUNCE", "COMPLAINT"} <= email_destination.event_types
    sms_sets = template.sms_configuration_sets()
    assert list(sms_sets) == [notify["SMS_CONFIGURATION_SET"]]
    [sms_destination] = sms_sets[notify["SMS_CONFIGURATION_SET"]]
    assert (sms_destination.kind, sms_destination.target) == ("sns", sms_topic.arn)
    assert {"TEXT_DELIVERED", "TEXT_BLOCKED", "TEXT_INVALID"} <= sms_destination.event_types

    triggers = read_triggers(template)
    [ses_rule] = [rule for rule in triggers.rules if rule.event_name == "EmailEvents"]
    assert ses_rule.bus_name == "default"
    assert ses_rule.pattern["detail"]["mail"]["tags"]["ses:configuration-set"] == ["lapor-local-reporters"]
    [sms_subscription] = [topic for topic in triggers.topics if topic.event_name == "SmsEvents"]
    assert (sms_subscription.function_id, sms_subscription.topic_arn) == (
        "DeliveryStatusFunction",
        sms_topic.arn,
    )
    assert sms_subscription.maximum_retry_attempts == 2  # its EventInvokeConfig


def test_sms_go_out_locally_from_a_stand_in_origination_identity_unless_overridden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    template = load_template(TEMPLATE_PATH)
    assert template.condition("SmsConfigured")
    origination = template.functions()["NotifyFunction"].environment["SMS_ORIGINATION_IDENTITY"]
    assert origination == LOCAL_PARAMETERS["SmsOriginationIdentityArn"]
    assert ":phone-number/" in origination

    monkeypatch.setenv(PARAMETER_OVERRIDES_VARIABLE, "SmsOriginationIdentityArn= PublicBaseUrl=https://x.id")
    overridden = load_template(TEMPLATE_PATH)
    assert not overridden.condition("SmsConfigured")
    environment = overridden.functions()["NotifyFunction"].environment
    assert (environment["SMS_ORIGINATION_IDENTITY"], environment["PUBLIC_BASE_URL"]) == ("", "https://x.id")
    assert load_template(TEMPLATE_PATH, {"Tracing": "Active"}).condition("TracingActive")


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ("SmsOriginationIdentityArn=+6281234", "does not allow"),  # its AllowedPattern
        ("Tracing=Sometimes", "does not allow"),  # its AllowedValues
        ("NoSuchParameter=1", "has no parameter NoSuchParameter"),
        ("Tracing", "is not Name=Value"),
    ],
)
def test_an_override_cloudformation_would_refuse_is_refused(
    monkeypatch: pytest.MonkeyPatch, overrides: str, problem: str
) -> None:
    monkeypatch.setenv(PARAMETER_OVERRIDES_VARIABLE, overrides)
    with pytest.raises(TemplateError, match=problem):
        load_template(TEMPLATE_PATH)


def test_what_runs_only_in_aws_resolves_to_nothing_and_breaks_nothing() -> None:
    template = load_template(TEMPLATE_PATH)
    web_acls = [
        logical_id
        for logical_id, resource in template.resources.items()
        if resource["Type"].startswith("AWS::WAFv2::")
    ]
    assert web_acls  # the template has a web ACL: the local gateway does not emulate WAF
    for logical_id in web_acls:
        assert template.resolve_scalar({"Ref": logical_id}) is None
        assert template.resolve_scalar({"Fn::GetAtt": [logical_id, "Arn"]}) is None


AUTH_TEMPLATE = """
Conditions:
  Never: !Equals [a, b]
Globals:
  Function:
    Timeout: 5
    Environment:
      Variables:
        TABLE_NAME: !Ref AppTable
        FLAG: !If [Never, "on", "off"]
        ARN: !GetAtt AppTable.Arn
Resources:
  AppTable:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth:
        DefaultAuthorizer: StaffPool
        Authorizers:
          StaffPool: {UserPoolArn: !GetAtt Pool.Arn}
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: standin_echo.handler.lambda_handler
      Events:
        Staff: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/staff/reports/{id}", Method: get}}
        Public: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/things/{id}", Method: get,
                                         Auth: {Authorizer: NONE}}}
        Boom: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /boom, Method: post,
                                       Auth: {Authorizer: NONE}}}
        Nightly:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 1 * * ? *)
            ScheduleExpressionTimezone: Asia/Jakarta
            Input: '{"source": "aws.scheduler", "time": "<aws.scheduler.scheduled-time>", "detail": {}}'
  Other:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: standin_echo.handler.lambda_handler
      Events:
        PerEvent:
          Type: Api
          Properties: {Path: /mine, Method: any, Auth: {Authorizer: StaffPool}}
        EscalationSchedule:
          Type: ScheduleV2
          Properties: {ScheduleExpression: rate(15 minutes)}
"""

STANDIN_HANDLER = """
import json


def lambda_handler(event, context):
    if event.get("path") == "/boom":
        raise RuntimeError("stand-in failure")
    if event.get("source") == "aws.scheduler" or "detail-type" in event:
        remaining_ms = context.get_remaining_time_in_millis()
        return {"job": "ran", "time": event.get("time"), "remaining_ms": remaining_ms}
    return {
        "statusCode": 200,
        "multiValueHeaders": {"Content-Type": ["application/json"], "X-Two": ["a", "b"]},
        "body": json.dumps({"event": event, "function": context.function_name}),
    }
"""


@pytest.fixture
def auth_template(tmp_path: Path) -> Template:
    package = tmp_path / "fn" / "standin_echo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "handler.py").write_text(STANDIN_HANDLER)
    path = tmp_path / "template.yaml"
    path.write_text(AUTH_TEMPLATE)
    return load_template(path)


def test_routes_take_the_default_authorizer_unless_an_event_says_none(auth_template: Template) -> None:
    routes = {(route.method, route.path): route.authorizer for route in auth_template.routes()}
    assert routes == {
        ("GET", "/staff/reports/{id}"): "StaffPool",
        ("GET", "/things/{id}"): None,
        ("POST", "/boom"): None,
        ("ANY", "/mine"): "StaffPool",
    }


def test_environment_follows_conditions_and_drops_attributes(auth_template: Template) -> None:
    echo = auth_template.functions()["Echo"]
    assert echo.environment == {"TABLE_NAME": "AppTable", "FLAG": "off"}
    assert echo.timeout_seconds == 5


def test_schedules_are_parsed(auth_template: Template) -> None:
    schedules = {schedule.event_name: schedule for schedule in auth_template.schedules()}
    nightly = schedules["Nightly"]
    assert nightly.function_id == "Echo"
    assert nightly.expression == "cron(0 1 * * ? *)"
    assert nightly.timezone == "Asia/Jakarta"
    assert nightly.input == {
        "source": "aws.scheduler",
        "time": "<aws.scheduler.scheduled-time>",
        "detail": {},
    }
    assert "escalation" in schedules["EscalationSchedule"].job_names


# --- route matching and the REST v1 event ------------------------------------------------------------

ROUTES = RouteTable(
    [
        ApiRoute("GET", "/reports", "Fn", "List", None),
        ApiRoute("GET", "/reports/{id}", "Fn", "Get", None),
        ApiRoute("POST", "/reports/{id}/replies", "Fn", "Reply", None),
        ApiRoute("GET", "/reports/summary", "Fn", "Summary", None),
        ApiRoute("ANY", "/files/{proxy+}", "Fn", "Files", None),
    ]
)


@pytest.mark.parametrize(
    ("method", "path", "resource", "parameters"),
    [
        ("GET", "/reports", "/reports", {}),
        ("GET", "/reports/LPR-1", "/reports/{id}", {"id": "LPR-1"}),
        ("GET", "/reports/summary", "/reports/summary", {}),
        ("POST", "/reports/LPR%2B1/replies", "/reports/{id}/replies", {"id": "LPR+1"}),
        ("DELETE", "/files/a/b.txt", "/files/{proxy+}", {"proxy": "a/b.txt"}),
    ],
)
def test_routes_match_like_api_gateway(
    method: str, path: str, resource: str, parameters: dict[str, str]
) -> None:
    match = ROUTES.match(method, path)
    assert match is not None
    assert match.route.path == resource
    assert match.path_parameters == parameters


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/nope"), ("POST", "/reports/1"), ("GET", "/reports/1/replies/x"), ("GET", "/")],
)
def test_unknown_routes_and_methods_do_not_match(method: str, path: str) -> None:
    assert ROUTES.match(method, path) is None


def test_rest_event_has_the_v1_proxy_shape() -> None:
    request = IncomingRequest(
        method="GET",
        path="/reports/LPR-1",
        query="limit=5&status=a&status=b",
        headers=[("Host", "127.0.0.1:3000"), ("User-Agent", "pytest"), ("Accept", "a"), ("Accept", "b")],
    )
    match = ROUTES.match("GET", "/reports/LPR-1")
    assert match is not None
    event = build_rest_event(request, match, "v1", request_id="c6af9ac6-7b61-11e6-9a41-93e8deadbeef", now=0)
    assert event["resource"] == "/reports/{id}"
    assert event["path"] == "/reports/LPR-1"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "LPR-1"}
    assert event["queryStringParameters"] == {"limit": "5", "status": "b"}
    assert event["multiValueQueryStringParameters"] == {"limit": ["5"], "status": ["a", "b"]}
    assert event["headers"]["Accept"] == "b"
    assert event["multiValueHeaders"]["Accept"] == ["a", "b"]
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["resourcePath"] == "/reports/{id}"
    assert context["path"] == "/v1/reports/LPR-1"
    assert context["stage"] == "v1"
    assert context["requestId"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert context["requestTimeEpoch"] == 0
    assert context["requestTime"] == "01/Jan/1970:00:00:00 +0000"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "pytest"
    assert "authorizer" not in context


def test_rest_event_without_parameters_has_nulls_and_binary_is_base64() -> None:
    match = ROUTES.match("GET", "/reports")
    assert match is not None
    text = build_rest_event(
        IncomingRequest("GET", "/reports", headers=[("Content-Type", "application/json")], body=b'{"a": 1}'),
        match,
        "v1",
    )
    assert text["pathParameters"] is None
    assert text["queryStringParameters"] is None
    assert text["multiValueQueryStringParameters"] is None
    assert text["body"] == '{"a": 1}'
    assert text["isBase64Encoded"] is False
    binary = build_rest_event(
        IncomingRequest("GET", "/reports", headers=[("Content-Type", "image/png")], body=b"\x89PNG\x00"),
        match,
        "v1",
        claims={"sub": "x"},
    )
    assert binary["isBase64Encoded"] is True
    assert base64.b64decode(binary["body"]) == b"\x89PNG\x00"
    assert binary["requestContext"]["authorizer"] == {"claims": {"sub": "x"}}


# --- dev tokens ----------------------------------------------------------------------------------------


def test_a_good_token_gives_cognito_shaped_string_claims() -> None:
    claims = verify_token(SECRET, issue_token(SECRET, "operator", agency_id="dinas-putr", sub="u-1"))
    assert claims["sub"] == "u-1"
    assert claims["cognito:groups"] == "operator"
    assert claims["custom:agency_id"] == "dinas-putr"
    assert claims["token_use"] == "id"
    assert claims["iss"] == ISSUER
    assert all(isinstance(value, str) for value in claims.values())
    assert claims["exp"].endswith(time.strftime("%Y", time.gmtime(time.time() + 12 * 3600)))


def test_tokens_signed_with_another_key_expired_or_forged_are_refused() -> None:
    now = time.time()
    wrong_key = issue_token("another-secret-of-sufficient-length-1234", "coordinator")
    expired = issue_token(SECRET, "coordinator", now=now - 13 * 3600)
    claims = {
        "sub": "x",
        "token_use": "id",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(now),
        "exp": int(now) + 60,
    }
    unsigned = jwt.encode(claims, key="", algorithm="none")
    header, payload, signature = issue_token(SECRET, "operator", agency_id="a").split(".")
    forged_payload = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged_payload["cognito:groups"] = ["coordinator"]
    forged = ".".join(
        [
            header,
            base64.urlsafe_b64encode(json.dumps(forged_payload).encode()).decode().rstrip("="),
            signature,
        ]
    )
    for token in (wrong_key, expired, unsigned, forged, "not-a-jwt"):
        with pytest.raises(InvalidTokenError):
            verify_token(SECRET, token)


def test_bearer_prefix_is_optional() -> None:
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("abc") == "abc"
    assert bearer_token("Bearer ") is None
    assert bearer_token(None) is None


# --- the gateway in-process, with a stand-in function ---------------------------------------------------


@pytest.fixture
def gateway(auth_template: Template, tmp_path: Path, isolated_process_state: None) -> Any:
    functions = FunctionRegistry(auth_template.functions(), {"TOKEN_SECRET": SECRET})
    openapi = tmp_path / "openapi.json"
    openapi.write_text('{"openapi": "3.0.1"}')
    return build_gateway(auth_template, functions, SECRET, openapi)


def _json(response: Any) -> Any:
    return json.loads(response.body)


def test_gateway_passes_the_event_and_translates_the_answer(gateway: Any) -> None:
    response = gateway.handle(
        IncomingRequest("GET", "/things/7", query="q=1", headers=[("X-Claims", "forged")])
    )
    assert response.status == 200
    assert [value for name, value in response.headers if name == "X-Two"] == ["a", "b"]
    event = _json(response)["event"]
    assert event["resource"] == "/things/{id}"
    assert event["pathParameters"] == {"id": "7"}
    assert event["requestContext"]["path"] == "/v1/things/7"
    assert "authorizer" not in event["requestContext"]
    assert _json(response)["function"] == "Echo"
    assert response.header("x-amzn-RequestId") == event["requestContext"]["requestId"]


def test_gateway_checks_the_token_on_authorized_routes(gateway: Any) -> None:
    assert gateway.handle(IncomingRequest("GET", "/staff/reports/1")).status == 401
    bad = issue_token("another-secret-of-sufficient-length-1234", "coordinator")
    refused = gateway.handle(
        IncomingRequest("GET", "/staff/reports/1", headers=[("Authorization", f"Bearer {bad}")])
    )
    assert refused.status == 401
    assert _json(refused)["error"]["code"] == "unauthorized"

    token = issue_token(SECRET, "official", agency_id="dinkes", sub="staff-1")
    accepted = gateway.handle(
        IncomingRequest("GET", "/staff/reports/1", headers=[("Authorization", f"Bearer {token}")])
    )
    assert accepted.status == 200
    claims = _json(accepted)["event"]["requestContext"]["authorizer"]["claims"]
    assert claims["sub"] == "staff-1"
    assert claims["cognito:groups"] == "official"
    assert claims["custom:agency_id"] == "dinkes"
    per_event = gateway.handle(IncomingRequest("DELETE", "/mine", headers=[("Authorization", token)]))
    assert per_event.status == 200
    assert gateway.handle(IncomingRequest("DELETE", "/mine")).status == 401


def test_gateway_answers_404_413_and_502_in_the_error_shape(gateway: Any) -> None:
    english = [("Accept-Language", "en-US,en;q=0.8")]
    missing = gateway.handle(IncomingRequest("GET", "/nope", headers=english))
    assert missing.status == 404
    assert _json(missing) == {"error": {"code": "not_found", "message": "Not found.", "details": []}}
    wrong_method = gateway.handle(IncomingRequest("DELETE", "/things/1"))
    assert wrong_method.status == 404
    assert _json(wrong_method)["error"]["message"] == "Data tidak ditemukan."

    too_large = gateway.handle(IncomingRequest("POST", "/boom", body=b"x" * (MAX_BODY_BYTES + 1)))
    assert too_large.status == 413
    assert _json(too_large)["error"]["code"] == "payload_too_large"

    failed = gateway.handle(IncomingRequest("POST", "/boom", body=b"{}"))
    assert failed.status == 502
    assert _json(failed)["error"]["code"] == "server_error"


def test_local_token_route_validates_role_and_agency(gateway: Any) -> None:
    def post(body: Any) -> Any:
        return gateway.handle(IncomingRequest("POST", "/_local/token", body=json.dumps(body).encode()))

    issued = post({"role": "coordinator", "sub": "c-1"})
    assert issued.status == 200
    assert verify_token(SECRET, _json(issued)["token"])["sub"] == "c-1"
    missing_agency = post({"role": "operator"})
    assert missing_agency.status == 422
    assert [detail["field"] for detail in _json(missing_agency)["error"]["details"]] == ["agency_id"]
    unknown_role = post({"role": "mayor"})
    assert unknown_role.status == 422
    assert _json(unknown_role)["error"]["details"][0]["field"] == "role"
    malformed = gateway.handle(IncomingRequest("POST", "/_local/token", body=b"{"))
    assert malformed.status == 400


def test_local_jobs_outbox_and_docs(gateway: Any) -> None:
    ran = gateway.handle(IncomingRequest("POST", "/_local/jobs/escalation"))
    assert ran.status == 200
    assert _json(ran)["job"] == "ran"
    nightly = gateway.handle(IncomingRequest("POST", "/_local/jobs/nightly"))
    assert nightly.status == 200
    assert "<aws.scheduler" not in _json(nightly)["time"]
    assert gateway.handle(IncomingRequest("POST", "/_local/jobs/metrics")).status == 501
    assert gateway.handle(IncomingRequest("POST", "/_local/jobs/unknown")).status == 404

    outbox.clear()
    outbox.append({"template": "access_link", "report_id": "LPR-1"})
    listed = gateway.handle(IncomingRequest("GET", "/_local/outbox"))
    assert _json(listed) == {"items": [{"template": "access_link", "report_id": "LPR-1"}]}
    outbox.clear()

    assert _json(gateway.handle(IncomingRequest("GET", "/openapi.json"))) == {"openapi": "3.0.1"}
    docs = gateway.handle(IncomingRequest("GET", "/docs"))
    assert docs.status == 200
    assert b"/openapi.json" in gateway.handle(IncomingRequest("GET", "/docs/lapor-initializer.js")).body
    assert gateway.handle(IncomingRequest("GET", "/docs/swagger-ui-bundle.js")).status == 200
    assert gateway.handle(IncomingRequest("GET", "/docs/../template.yaml")).status == 404
