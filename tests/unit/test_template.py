"""The deployment template keeps its promises: least privilege, protected data, arm64, the HTTP error shape.

Reads template.yaml as YAML only (no SAM transform, no sockets); `make template` runs the real tools.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "template.yaml"

IDENTITY_ATTRIBUTES = {"name", "email", "phone", "nik", "reporter", "token_hash"}

# Gateway response type -> (status code, or None to keep API Gateway's own, error code)
EXPECTED_GATEWAY_RESPONSES: dict[str, tuple[int | None, str]] = {
    "MISSING_AUTHENTICATION_TOKEN": (404, "not_found"),
    "RESOURCE_NOT_FOUND": (404, "not_found"),
    "UNAUTHORIZED": (401, "unauthorized"),
    "EXPIRED_TOKEN": (401, "unauthorized"),
    "INVALID_SIGNATURE": (401, "unauthorized"),
    "AUTHORIZER_FAILURE": (401, "unauthorized"),
    "ACCESS_DENIED": (403, "forbidden"),
    "THROTTLED": (429, "throttled"),
    "REQUEST_TOO_LARGE": (413, "payload_too_large"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "unsupported_media_type"),
    "BAD_REQUEST_BODY": (400, "bad_request"),
    "BAD_REQUEST_PARAMETERS": (400, "bad_request"),
    "INTEGRATION_TIMEOUT": (504, "server_error"),
    "DEFAULT_4XX": (None, "client_error"),
    "DEFAULT_5XX": (None, "server_error"),
}

INTAKE_ROUTES = {
    ("post", "/reports"),
    ("get", "/reports"),
    ("get", "/reports/{id}"),
    ("post", "/reports/{id}/replies"),
    ("post", "/reports/{id}/rating"),
    ("get", "/categories"),
    ("get", "/agencies"),
    ("get", "/health"),
}


class CfnLoader(yaml.SafeLoader):
    """A safe loader that reads CloudFormation's short-form tags as their long form (!Ref x -> {"Ref": x})."""


def _construct_intrinsic(loader: CfnLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = tag_suffix if tag_suffix in ("Ref", "Condition") else f"Fn::{tag_suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        scalar = loader.construct_scalar(node)
        value = scalar.split(".", 1) if tag_suffix == "GetAtt" else scalar
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


yaml.add_multi_constructor("!", _construct_intrinsic, Loader=CfnLoader)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    data = yaml.load(TEMPLATE_PATH.read_text(encoding="utf-8"), Loader=CfnLoader)  # noqa: S506
    assert isinstance(data, dict)
    return data


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {rid: res for rid, res in template["Resources"].items() if res["Type"] == kind}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(node: Any) -> Iterator[dict[str, Any]]:
    """Every IAM policy statement anywhere under ``node`` (inline role policies, SAM Policies, ...)."""
    if isinstance(node, dict):
        statements = _as_list(node.get("Statement", []))
        if statements and all(isinstance(stmt, dict) and "Effect" in stmt for stmt in statements):
            yield from statements
        for value in node.values():
            yield from _statements(value)
    elif isinstance(node, list):
        for value in node:
            yield from _statements(value)


def _function_policy_statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    return [stmt for doc in function["Properties"].get("Policies", []) for stmt in doc["Statement"]]


def test_template_parses_with_short_form_tags(template: dict[str, Any]) -> None:
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert template["Resources"]["AppTable"]["Properties"]["StreamSpecification"]
    assert template["Globals"]["Function"]["Runtime"] == {"Ref": "PythonRuntime"}


def test_the_logical_ids_are_kept(template: dict[str, Any]) -> None:
    expected = {"Api", "DomainLayer", "AppTable", "IdempotencyTable", "TokenSecret", "IntakeFunction"}
    assert expected <= set(template["Resources"])


def test_policy_statements_are_found(template: dict[str, Any]) -> None:
    # Guards the search below: it must see the intake function's statements.
    assert len(list(_statements(template))) >= 4


def test_no_iam_statement_allows_scan_or_a_wildcard(template: dict[str, Any]) -> None:
    for statement in _statements(template):
        assert "NotAction" not in statement, statement
        assert "NotResource" not in statement, statement
        actions = [str(action).lower() for action in _as_list(statement.get("Action", []))]
        assert "dynamodb:scan" not in actions, statement
        assert not any(action == "*" or action.endswith(":*") for action in actions), statement
        if "Principal" not in statement:  # trust policies have no Resource
            assert "*" not in _as_list(statement["Resource"]), statement


def test_function_policies_are_explicit_statements_not_sam_templates(template: dict[str, Any]) -> None:
    functions = _resources(template, "AWS::Serverless::Function")
    assert functions
    for function_id, function in functions.items():
        policies = function["Properties"].get("Policies", [])
        for policy in _as_list(policies):
            assert isinstance(policy, dict), f"{function_id}: managed policy by name: {policy}"
            assert set(policy) == {"Version", "Statement"}, f"{function_id}: SAM policy template: {policy}"


def test_intake_has_exactly_the_access_it_uses(template: dict[str, Any]) -> None:
    statements = _function_policy_statements(template["Resources"]["IntakeFunction"])
    granted: dict[str, set[str]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for resource in _as_list(statement["Resource"]):
            key = json.dumps(resource, sort_keys=True)
            granted.setdefault(key, set()).update(_as_list(statement["Action"]))

    app_table = json.dumps({"Fn::GetAtt": ["AppTable", "Arn"]}, sort_keys=True)
    public_index = json.dumps({"Fn::Sub": "${AppTable.Arn}/index/public-index"}, sort_keys=True)
    idempotency = json.dumps({"Fn::GetAtt": ["IdempotencyTable", "Arn"]}, sort_keys=True)
    secret = json.dumps({"Ref": "TokenSecret"}, sort_keys=True)
    assert granted == {
        app_table: {
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:ConditionCheckItem",
        },
        public_index: {"dynamodb:Query"},
        idempotency: {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        secret: {"secretsmanager:GetSecretValue"},
    }


def test_app_table_is_protected(template: dict[str, Any]) -> None:
    table = template["Resources"]["AppTable"]
    props = table["Properties"]
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["DeletionProtectionEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["SSESpecification"].get("SSEType") == "KMS"
    assert props["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def test_idempotency_table_expires_and_is_encrypted(template: dict[str, Any]) -> None:
    table = template["Resources"]["IdempotencyTable"]
    props = table["Properties"]
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert props["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True


def test_no_index_projects_identity_or_the_token_hash(template: dict[str, Any]) -> None:
    tables = _resources(template, "AWS::DynamoDB::Table")
    indexes = [
        index
        for table in tables.values()
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
        for index in table["Properties"].get(kind, [])
    ]
    assert {index["IndexName"] for index in indexes} >= {"public-index", "inbox-index", "due-index"}
    for index in indexes:
        projection = index["Projection"]
        assert projection["ProjectionType"] in ("INCLUDE", "KEYS_ONLY"), index["IndexName"]
        projected = set(projection.get("NonKeyAttributes", []))
        assert not projected & IDENTITY_ATTRIBUTES, index["IndexName"]


def test_every_function_is_arm64_through_globals(template: dict[str, Any]) -> None:
    function_globals = template["Globals"]["Function"]
    assert function_globals["Architectures"] == ["arm64"]
    for function_id, function in _resources(template, "AWS::Serverless::Function").items():
        assert function["Properties"].get("Architectures", ["arm64"]) == ["arm64"], function_id
        assert "Runtime" not in function["Properties"], function_id


def test_the_layer_is_built_for_the_functions_runtime_and_architecture(template: dict[str, Any]) -> None:
    layer = template["Resources"]["DomainLayer"]
    runtime = template["Globals"]["Function"]["Runtime"]
    assert layer["Properties"]["ContentUri"] == "shared/"
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Properties"]["CompatibleRuntimes"] == [runtime]
    assert layer["Metadata"]["BuildMethod"] == runtime
    assert layer["Metadata"]["BuildArchitecture"] == "arm64"
    assert template["Globals"]["Function"]["Layers"] == [{"Ref": "DomainLayer"}]


def test_runtime_and_tracing_parameters(template: dict[str, Any]) -> None:
    params = template["Parameters"]
    assert params["PythonRuntime"]["AllowedValues"] == ["python3.11", "python3.12", "python3.13"]
    assert params["PythonRuntime"]["Default"] == "python3.13"
    assert params["Tracing"]["AllowedValues"] == ["Active", "PassThrough"]
    assert params["Tracing"]["Default"] == "PassThrough"
    assert template["Conditions"]["TracingActive"] == {"Fn::Equals": [{"Ref": "Tracing"}, "Active"]}
    function_globals = template["Globals"]["Function"]
    assert function_globals["Tracing"] == {"Ref": "Tracing"}
    assert function_globals["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] == {
        "Fn::If": ["TracingActive", "false", "true"]
    }


def test_every_function_has_a_log_group_with_retention(template: dict[str, Any]) -> None:
    log_groups = _resources(template, "AWS::Logs::LogGroup").values()
    names = {json.dumps(group["Properties"]["LogGroupName"]) for group in log_groups}
    for group in log_groups:
        assert "RetentionInDays" in group["Properties"]
    for function_id in _resources(template, "AWS::Serverless::Function"):
        assert json.dumps({"Fn::Sub": f"/aws/lambda/${{{function_id}}}"}) in names, function_id


def test_intake_routes_are_unchanged(template: dict[str, Any]) -> None:
    events = template["Resources"]["IntakeFunction"]["Properties"]["Events"]
    routes = {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in events.values()}
    assert routes == INTAKE_ROUTES
    assert all(e["Type"] == "Api" and e["Properties"]["RestApiId"] == {"Ref": "Api"} for e in events.values())


def test_stage_throttling_is_set(template: dict[str, Any]) -> None:
    settings = template["Resources"]["Api"]["Properties"]["MethodSettings"]
    everything = [s for s in settings if s["ResourcePath"] == "/*" and s["HttpMethod"] == "*"]
    assert everything
    assert "ThrottlingRateLimit" in everything[0]
    assert "ThrottlingBurstLimit" in everything[0]


@pytest.mark.parametrize(("response_type", "expected"), sorted(EXPECTED_GATEWAY_RESPONSES.items()))
def test_gateway_responses_use_the_contract(
    template: dict[str, Any], response_type: str, expected: tuple[int | None, str]
) -> None:
    status, code = expected
    response = template["Resources"]["Api"]["Properties"]["GatewayResponses"][response_type]
    assert response.get("StatusCode") == status
    body = json.loads(response["ResponseTemplates"]["application/json"])
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["details"] == []
    assert body["error"]["message"].strip()
    assert "$" not in response["ResponseTemplates"]["application/json"]  # a static body, not VTL


def test_throttled_answer_says_when_to_retry(template: dict[str, Any]) -> None:
    response = template["Resources"]["Api"]["Properties"]["GatewayResponses"]["THROTTLED"]
    retry_after = response["ResponseParameters"]["Headers"]["Retry-After"]
    assert retry_after.startswith("'")
    assert retry_after.endswith("'")
    assert int(retry_after.strip("'")) > 0


def test_outputs(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert {"ApiUrl", "AppTableName", "IdempotencyTableName"} <= set(outputs)
    assert outputs["AppTableName"]["Value"] == {"Ref": "AppTable"}
    assert outputs["IdempotencyTableName"]["Value"] == {"Ref": "IdempotencyTable"}
