"""The deployment template keeps its promises: least privilege, protected data, arm64, the HTTP error shape.

Reads template.yaml as YAML only (no SAM transform, no sockets); `make template` runs the real tools.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tools.cfn_yaml import load_template

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

XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}

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


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE_PATH)


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {rid: res for rid, res in template["Resources"].items() if res["Type"] == kind}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements_with_conditions(
    node: Any, conditions: tuple[str, ...] = ()
) -> Iterator[tuple[dict[str, Any], tuple[str, ...]]]:
    """Every IAM policy statement anywhere under ``node``, with the conditions it is under.

    Looks through ``Fn::If`` (the true branch under the condition's name, the false one under ``!name``), so a
    conditional statement or policy is found, and known to be conditional.
    """
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            condition, when_true, when_false = node["Fn::If"]
            yield from _statements_with_conditions(when_true, (*conditions, condition))
            yield from _statements_with_conditions(when_false, (*conditions, f"!{condition}"))
            return
        if node.get("Effect") in ("Allow", "Deny"):
            yield node, conditions
            return
        for value in node.values():
            yield from _statements_with_conditions(value, conditions)
    elif isinstance(node, list):
        for value in node:
            yield from _statements_with_conditions(value, conditions)


def _statements(node: Any) -> list[dict[str, Any]]:
    """Every IAM policy statement anywhere under ``node`` (role policies, trust policies, ...)."""
    return [statement for statement, _ in _statements_with_conditions(node)]


def _keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _keys(value)
    elif isinstance(node, list):
        for value in node:
            yield from _keys(value)


def _role_id(function: dict[str, Any]) -> str:
    role = function["Properties"]["Role"]
    assert isinstance(role, dict), role
    assert set(role) == {"Fn::GetAtt"}, role
    role_id, attribute = role["Fn::GetAtt"]
    assert attribute == "Arn", role
    return str(role_id)


def _role_permissions(role: dict[str, Any]) -> list[tuple[dict[str, Any], tuple[str, ...]]]:
    """The permission statements of a role (not its trust policy), with their conditions."""
    return list(_statements_with_conditions(role["Properties"].get("Policies", [])))


def _log_group_id(function: dict[str, Any]) -> str:
    log_group = function["Properties"]["LoggingConfig"]["LogGroup"]
    assert set(log_group) == {"Ref"}, log_group
    return str(log_group["Ref"])


def _is_the_xray_exception(statement: dict[str, Any], conditions: tuple[str, ...]) -> bool:
    """The one statement allowed Resource "*": X-Ray writes, only when tracing is on.

    X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions, so "*" is the only
    resource they can have; the template grants them only under the TracingActive condition.
    """
    return (
        conditions == ("TracingActive",)
        and statement["Effect"] == "Allow"
        and set(statement) <= {"Sid", "Effect", "Action", "Resource"}
        and set(_as_list(statement["Action"])) == XRAY_ACTIONS
        and _as_list(statement["Resource"]) == ["*"]
    )


def test_template_parses_with_short_form_tags(template: dict[str, Any]) -> None:
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert template["Resources"]["AppTable"]["Properties"]["StreamSpecification"]
    assert template["Globals"]["Function"]["Runtime"] == {"Ref": "PythonRuntime"}


def test_the_logical_ids_are_kept(template: dict[str, Any]) -> None:
    expected = {
        "Api",
        "DomainLayer",
        "AppTable",
        "IdempotencyTable",
        "TokenSecret",
        "IntakeFunction",
        "IntakeFunctionRole",
    }
    assert expected <= set(template["Resources"])


def test_policy_statements_are_found(template: dict[str, Any]) -> None:
    # Guards the searches below: they must see the intake role's statements, the conditional one included.
    found = list(_statements_with_conditions(template))
    assert len(found) >= 7
    assert any(conditions == ("TracingActive",) for _, conditions in found)


def test_every_function_has_its_own_explicit_role(template: dict[str, Any]) -> None:
    # With `Role`, SAM generates no role and attaches no managed policy (AWSLambdaBasicExecutionRole,
    # AWSXrayWriteOnlyAccess, ...); `Policies` would be ignored, or make SAM generate a role again.
    assert "Role" not in template["Globals"]["Function"]
    assert "Policies" not in template["Globals"]["Function"]
    functions = _resources(template, "AWS::Serverless::Function")
    assert functions
    role_ids = []
    for function_id, function in functions.items():
        assert "Policies" not in function["Properties"], function_id
        role_id = _role_id(function)
        role_ids.append(role_id)
        role = template["Resources"][role_id]
        assert role["Type"] == "AWS::IAM::Role", function_id
        trust = _statements(role["Properties"]["AssumeRolePolicyDocument"])
        assert trust == [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ], function_id
        for policy in _as_list(role["Properties"].get("Policies", [])):
            if set(policy) == {"Fn::If"}:
                continue  # the conditional X-Ray policy, checked below
            assert set(policy) == {"PolicyName", "PolicyDocument"}, policy
    assert len(role_ids) == len(set(role_ids)), "a role is shared between functions"


def test_no_managed_policy_anywhere(template: dict[str, Any]) -> None:
    assert "ManagedPolicyArns" not in set(_keys(template))
    assert not _resources(template, "AWS::IAM::ManagedPolicy")
    assert "arn:aws:iam::aws:policy" not in json.dumps(template)


def test_no_iam_statement_allows_scan_or_a_wildcard(template: dict[str, Any]) -> None:
    for statement, conditions in _statements_with_conditions(template):
        assert "NotAction" not in statement, statement
        assert "NotResource" not in statement, statement
        actions = [str(action).lower() for action in _as_list(statement.get("Action", []))]
        assert actions, statement
        assert "dynamodb:scan" not in actions, statement
        assert not any("*" in action for action in actions), statement  # "*", "dynamodb:*", "dynamodb:Get*"
        if "Principal" in statement:  # a trust policy has no Resource
            continue
        resources = _as_list(statement["Resource"])
        if _is_the_xray_exception(statement, conditions):
            continue
        assert "*" not in resources, statement
        for resource in resources:
            # No wildcard written into an ARN either (a log group's Arn attribute ends in ":*" by itself).
            text = resource if isinstance(resource, str) else json.dumps(resource)
            assert "*" not in text, statement


def test_xray_is_the_single_conditional_exception_of_each_role(template: dict[str, Any]) -> None:
    for function_id, function in _resources(template, "AWS::Serverless::Function").items():
        role = template["Resources"][_role_id(function)]
        permissions = _role_permissions(role)
        xray = [stmt for stmt, conditions in permissions if _is_the_xray_exception(stmt, conditions)]
        assert len(xray) == 1, function_id
        for statement, conditions in permissions:
            if statement is xray[0]:
                continue
            assert conditions == (), (function_id, statement)  # nothing else is conditional
            assert not any(str(a).startswith("xray:") for a in _as_list(statement["Action"])), statement
        # When tracing is off the X-Ray policy is not there at all.
        conditional = [p for p in role["Properties"]["Policies"] if set(p) == {"Fn::If"}]
        assert len(conditional) == 1, function_id
        condition, _, when_false = conditional[0]["Fn::If"]
        assert condition == "TracingActive"
        assert when_false == {"Ref": "AWS::NoValue"}


def test_each_function_logs_only_to_its_own_log_group(template: dict[str, Any]) -> None:
    functions = _resources(template, "AWS::Serverless::Function")
    log_groups = _resources(template, "AWS::Logs::LogGroup")
    used = []
    for function_id, function in functions.items():
        log_group_id = _log_group_id(function)
        assert log_group_id in log_groups, function_id
        used.append(log_group_id)
        own = [{"Fn::GetAtt": [log_group_id, "Arn"]}]
        log_statements = [
            statement
            for statement, _ in _role_permissions(template["Resources"][_role_id(function)])
            if any(str(action).startswith("logs:") for action in _as_list(statement["Action"]))
        ]
        assert log_statements, function_id
        for statement in log_statements:
            assert statement["Effect"] == "Allow"
            assert set(_as_list(statement["Action"])) == LOG_ACTIONS, statement  # no logs:CreateLogGroup
            assert _as_list(statement["Resource"]) == own, statement
    assert len(used) == len(set(used)), "a log group is shared between functions"


def test_intake_has_exactly_the_access_it_uses(template: dict[str, Any]) -> None:
    role = template["Resources"][_role_id(template["Resources"]["IntakeFunction"])]
    granted: dict[str, set[str]] = {}
    for statement, conditions in _role_permissions(role):
        assert statement["Effect"] == "Allow"
        if conditions:
            continue  # X-Ray, when tracing is on: test_xray_is_the_single_conditional_exception_of_each_role
        for resource in _as_list(statement["Resource"]):
            key = json.dumps(resource, sort_keys=True)
            granted.setdefault(key, set()).update(_as_list(statement["Action"]))

    log_group = json.dumps({"Fn::GetAtt": ["IntakeFunctionLogGroup", "Arn"]}, sort_keys=True)
    app_table = json.dumps({"Fn::GetAtt": ["AppTable", "Arn"]}, sort_keys=True)
    public_index = json.dumps({"Fn::Sub": "${AppTable.Arn}/index/public-index"}, sort_keys=True)
    idempotency = json.dumps({"Fn::GetAtt": ["IdempotencyTable", "Arn"]}, sort_keys=True)
    secret = json.dumps({"Ref": "TokenSecret"}, sort_keys=True)
    assert granted == {
        log_group: LOG_ACTIONS,
        # Query: DynamoReportRepository.get() and city_setup(); PutItem: create() and save(), whose
        # TransactWriteItems hold only Put items (a ConditionCheck item would need ConditionCheckItem).
        app_table: {"dynamodb:Query", "dynamodb:PutItem"},
        public_index: {"dynamodb:Query"},  # list_public()
        # Powertools' DynamoDBPersistenceLayer: _put_record, _get_record, _update_record, _delete_record.
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
    log_groups = _resources(template, "AWS::Logs::LogGroup")
    for group_id, group in log_groups.items():
        assert "RetentionInDays" in group["Properties"], group_id
    for function_id, function in _resources(template, "AWS::Serverless::Function").items():
        # The function refers to its group (LoggingConfig), so the group exists first and Lambda never makes
        # an unmanaged /aws/lambda/<name> one; the group's name therefore cannot refer to the function.
        group = log_groups[_log_group_id(function)]
        name = group["Properties"]["LogGroupName"]
        assert function_id not in json.dumps(name), function_id
        assert group["DeletionPolicy"] == "Delete", function_id


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
