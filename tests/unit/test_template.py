"""The deployment template keeps its promises: least privilege, protected data, arm64, the HTTP error shape.

Reads template.yaml as YAML only (no SAM transform, no sockets); `make template` runs the real tools.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lapor.adapters.dynamodb.items import report_item
from lapor.domain.models import Report
from tests.unit.builders import verified
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
    ("post", "/reports/{id}/access"),
    ("post", "/reports/{id}/contact/confirm"),
    ("post", "/reports/{id}/contact/code"),
    ("post", "/reports/{id}/attachments"),
    ("get", "/categories"),
    ("get", "/agencies"),
    ("get", "/metrics/summary"),
    ("get", "/health"),
}

STAFF_ROUTES = {
    ("get", "/staff/reports"),
    ("get", "/staff/reports/{id}"),
    ("get", "/staff/reports/{id}/reporter"),
    ("get", "/staff/reports/{id}/access-log"),
    ("post", "/staff/reports/{id}/verify"),
    ("post", "/staff/reports/{id}/suspend"),
    ("post", "/staff/reports/{id}/archive"),
    ("post", "/staff/reports/{id}/refer"),
    ("post", "/staff/reports/{id}/forward"),
    ("post", "/staff/reports/{id}/return"),
    ("post", "/staff/reports/{id}/followups"),
    ("post", "/staff/reports/{id}/close"),
    ("post", "/staff/reports/{id}/attachments"),
    ("post", "/staff/reports/{id}/erase-identity"),
    ("post", "/staff/reports/{id}/redactions"),
    ("get", "/staff/officers"),
    ("post", "/staff/officers"),
    ("patch", "/staff/officers/{officer_id}"),
    ("get", "/staff/agencies"),
    ("put", "/staff/agencies/{id}"),
    ("get", "/staff/categories"),
    ("put", "/staff/categories/{code}"),
    ("get", "/staff/routing-rules"),
    ("put", "/staff/routing-rules"),
    ("get", "/staff/calendar/{year}"),
    ("put", "/staff/calendar/{year}"),
    ("get", "/staff/metrics/daily/{date}"),
    ("get", "/staff/exports/reports.csv"),
    ("get", "/staff/metrics/breakdown"),
    ("get", "/staff/metrics/officers"),
    ("get", "/staff/recap/{month}"),
}

# The Open311 function: every GeoReport path on one greedy resource (no authorizer), and the keys.
OPEN311_ROUTES = {("any", "/open311/v2/{proxy+}")}
OPEN311_KEY_ROUTES = {
    ("get", "/staff/open311/keys"),
    ("post", "/staff/open311/keys"),
    ("delete", "/staff/open311/keys/{key_id}"),
}

STAFF_GROUPS = {"coordinator", "operator", "official", "leadership"}

# Function -> (CodeUri, Handler, POWERTOOLS_SERVICE_NAME)
FUNCTIONS = {
    "IntakeFunction": ("functions/intake/", "intake.handler.lambda_handler", "intake"),
    "StaffFunction": ("functions/staff/", "staff.handler.lambda_handler", "staff"),
    "ReportStreamFunction": (
        "functions/report_stream/",
        "report_stream.handler.lambda_handler",
        "report-stream",
    ),
    "NotifyFunction": ("functions/notify/", "notify.handler.lambda_handler", "notify"),
    "EscalationFunction": ("functions/escalation/", "escalation.handler.lambda_handler", "escalation"),
    "MetricsFunction": ("functions/metrics/", "metrics.handler.lambda_handler", "metrics"),
    "Open311Function": ("functions/open311/", "open311.handler.lambda_handler", "open311"),
    "AttachmentsFunction": ("functions/attachments/", "attachments.handler.lambda_handler", "attachments"),
    "DeliveryStatusFunction": (
        "functions/delivery_status/",
        "delivery_status.handler.lambda_handler",
        "delivery-status",
    ),
}

# The dead-letter queues of the asynchronous sources (each has its alarm and its line on the dashboard).
DEAD_LETTER_QUEUES = {
    "ReportStreamDLQ",
    "NotifyDLQ",
    "EscalationDLQ",
    "MetricsDLQ",
    "AttachmentsDLQ",
    "DeliveryStatusDLQ",
}
# S3 object ARNs name keys by prefix: the one kind of wildcard a resource may hold (the keys are the
# attachments' ids, unknown in advance), and only under these two prefixes of the attachments bucket.
OBJECT_PREFIX_RESOURCES = {
    json.dumps({"Fn::Sub": "${AttachmentsBucket.Arn}/incoming/*"}),
    json.dumps({"Fn::Sub": "${AttachmentsBucket.Arn}/clean/*"}),
    # API Gateway's account logs role: DescribeLogGroups is a list action on every group of the region.
    json.dumps({"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"}),
}

# Schedule role -> (the function it invokes, its DLQ)
SCHEDULE_ROLES = {
    "EscalationScheduleRole": ("EscalationFunction", "EscalationDLQ"),
    "MetricsScheduleRole": ("MetricsFunction", "MetricsDLQ"),
}

# What the CSV export (GET /staff/exports/reports.csv) reads from queue-index besides the list's attributes.
LIFECYCLE_ATTRIBUTES = {"verified_at", "first_response_at", "closed_at", "reopen_count"}

# Pseudo parameters a ${...} of a !Sub may name besides the template's resources and parameters.
PSEUDO_PARAMETERS = {"AWS::Region", "AWS::AccountId", "AWS::StackName", "AWS::Partition", "AWS::URLSuffix"}

# The scheduled event of API.md, as the escalation schedule's Input (the scheduler fills in the placeholders).
SCHEDULED_EVENT = {
    "version": "0",
    "id": "<aws.scheduler.execution-id>",
    "detail-type": "Scheduled Event",
    "source": "aws.scheduler",
    "time": "<aws.scheduler.scheduled-time>",
    "resources": ["<aws.scheduler.schedule-arn>"],
    "detail": {},
}

# Attributes report_item() writes that are not report data: the table's and the indexes' keys.
INDEX_KEY_ATTRIBUTES = {
    "pk",
    "sk",
    "public_pk",
    "public_sk",
    "public_updated_sk",
    "inbox_pk",
    "inbox_sk",
    "queue_pk",
    "queue_sk",
    "due_pk",
    "due_sk",
}

# DynamoDB: at most 100 projected non-key attributes summed over all the secondary indexes of a table.
MAX_PROJECTED_ATTRIBUTES = 100

# Asynchronous event source types: each needs somewhere for what fails for good to go.
ASYNC_EVENT_TYPES = {"DynamoDB", "Kinesis", "SQS", "EventBridgeRule", "Schedule", "ScheduleV2", "SNS", "S3"}


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


def _granted(
    template: dict[str, Any], function_id: str, *, include_conditional: bool = False
) -> dict[str, set[str]]:
    """Resource (as sorted JSON) -> actions the function's role allows on it (unconditional statements, and
    with `include_conditional` those under a condition other than X-Ray's TracingActive)."""
    role = template["Resources"][_role_id(template["Resources"][function_id])]
    granted: dict[str, set[str]] = {}
    for statement, conditions in _role_permissions(role):
        assert statement["Effect"] == "Allow"
        if conditions and (not include_conditional or "TracingActive" in conditions):
            continue  # conditional: test_xray_is_the_single_conditional_exception_of_each_role
        keys = _leading_keys(statement)
        for resource in _as_list(statement["Resource"]):
            key = json.dumps(resource, sort_keys=True) + (f" keys {sorted(keys)}" if keys else "")
            granted.setdefault(key, set()).update(_as_list(statement["Action"]))
    return granted


def _leading_keys(statement: dict[str, Any]) -> set[str]:
    """The partitions a statement is limited to (`ForAllValues:StringLike` on `dynamodb:LeadingKeys`)."""
    condition = statement.get("Condition") or {}
    return set(condition.get("ForAllValues:StringLike", {}).get("dynamodb:LeadingKeys", []))


def _table(*keys: str) -> str:
    """The application table, limited to these partitions."""
    return _get_att("AppTable", "Arn") + f" keys {sorted(keys)}"


def _ref(node: Any) -> str:
    return json.dumps(node, sort_keys=True)


def _get_att_node(resource_id: str, attribute: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [resource_id, attribute]}


def _get_att(resource_id: str, attribute: str) -> str:
    return _ref({"Fn::GetAtt": [resource_id, attribute]})


def _api_events(
    template: dict[str, Any], *, preflights: bool = False
) -> list[tuple[str, str, dict[str, Any]]]:
    """(function id, event name, event) of every `Type: Api` event of every function; the CORS preflights
    (`Method: options`) only when asked."""
    return [
        (function_id, name, event)
        for function_id, function in _resources(template, "AWS::Serverless::Function").items()
        for name, event in (function["Properties"].get("Events") or {}).items()
        if event["Type"] == "Api" and preflights == _is_preflight(event)
    ]


def _is_preflight(event: dict[str, Any]) -> bool:
    return str(event["Properties"].get("Method", "")).lower() == "options"


def _routes(events: dict[str, Any]) -> set[tuple[str, str]]:
    """(method, path) of a function's API events, its CORS preflights apart."""
    return {
        (e["Properties"]["Method"], e["Properties"]["Path"]) for e in events.values() if not _is_preflight(e)
    }


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
        "UserPool",
        "UserPoolClient",
        "StaffFunction",
        "StaffFunctionRole",
        "ReportStreamFunction",
        "ReportStreamFunctionRole",
        "ReportStreamDLQ",
        "EventBus",
        "NotificationsTopic",
        "NotifyFunction",
        "NotifyFunctionRole",
        "NotifyDLQ",
        "NotifyDLQPolicy",
        "EscalationFunction",
        "EscalationFunctionRole",
        "EscalationScheduleRole",
        "EscalationDLQ",
        "MetricsFunction",
        "MetricsFunctionRole",
        "MetricsScheduleRole",
        "MetricsDLQ",
        "Open311Function",
        "Open311FunctionRole",
        "Dashboard",
        "AlarmsTopic",
        "OverdueBacklogAlarm",
    }
    assert expected <= set(template["Resources"])


@pytest.mark.parametrize(("function_id", "expected"), sorted(FUNCTIONS.items()))
def test_functions_code_handler_and_service_name(
    template: dict[str, Any], function_id: str, expected: tuple[str, str, str]
) -> None:
    code_uri, handler, service = expected
    props = template["Resources"][function_id]["Properties"]
    assert props["CodeUri"] == code_uri
    assert props["Handler"] == handler
    assert props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == service


def test_the_template_has_exactly_the_documented_functions(template: dict[str, Any]) -> None:
    assert set(_resources(template, "AWS::Serverless::Function")) == set(FUNCTIONS)


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
        if statement["Effect"] == "Deny":  # a deny only narrows: the bucket's TLS-only "s3:*" for "*"
            continue
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
            assert "*" not in text or text in OBJECT_PREFIX_RESOURCES, statement


# Conditional policies besides X-Ray's: notify's SMS grant exists only when an origination identity is set.
OTHER_CONDITIONAL_POLICIES = {("NotifyFunction", "SmsConfigured"): "sms"}


def test_xray_is_the_single_conditional_exception_of_each_role(template: dict[str, Any]) -> None:
    for function_id, function in _resources(template, "AWS::Serverless::Function").items():
        role = template["Resources"][_role_id(function)]
        permissions = _role_permissions(role)
        xray = [stmt for stmt, conditions in permissions if _is_the_xray_exception(stmt, conditions)]
        assert len(xray) == 1, function_id
        allowed = {cond for (fid, cond) in OTHER_CONDITIONAL_POLICIES if fid == function_id}
        for statement, conditions in permissions:
            if statement is xray[0]:
                continue
            assert set(conditions) <= allowed, (function_id, statement)  # nothing else is conditional
            assert not any(str(a).startswith("xray:") for a in _as_list(statement["Action"])), statement
        # When tracing is off the X-Ray policy is not there at all.
        conditional = [p for p in role["Properties"]["Policies"] if set(p) == {"Fn::If"}]
        names = {p["Fn::If"][0]: p["Fn::If"][1]["PolicyName"] for p in conditional}
        expected = {"TracingActive": "xray"} | {
            cond: name for (fid, cond), name in OTHER_CONDITIONAL_POLICIES.items() if fid == function_id
        }
        assert names == expected, function_id
        for policy in conditional:
            assert policy["Fn::If"][2] == {"Ref": "AWS::NoValue"}


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
    granted = _granted(template, "IntakeFunction")
    log_group = json.dumps({"Fn::GetAtt": ["IntakeFunctionLogGroup", "Arn"]}, sort_keys=True)
    public_index = json.dumps({"Fn::Sub": "${AppTable.Arn}/index/public-index"}, sort_keys=True)
    idempotency = json.dumps({"Fn::GetAtt": ["IdempotencyTable", "Arn"]}, sort_keys=True)
    secret = json.dumps({"Ref": "TokenSecret"}, sort_keys=True)
    assert granted == {
        log_group: LOG_ACTIONS,
        # Query: DynamoReportRepository.get() and city_setup(); PutItem: create() and save(), whose
        # TransactWriteItems hold Put items, and create()'s ConditionCheck on the category (CONFIG).
        # UpdateItem: the access item (renew, release, promote a link's token), the contact's confirmation
        # (code attempts; the identity and the report's flag in one transaction of Updates).
        _table("REPORT#*", "IDENTITY#*", "CONFIG", "METRICS", "DAY#*"): {"dynamodb:Query"},
        # No CONFIG, no OPEN311, no CONTACT#: intake writes reports, identities and metric events only.
        _table("REPORT#*", "IDENTITY#*", "DAY#*"): {"dynamodb:PutItem", "dynamodb:UpdateItem"},
        _table("CONFIG"): {"dynamodb:ConditionCheckItem"},  # reads a category's `active`, writes nothing
        public_index: {"dynamodb:Query"},  # list_public()
        # Powertools' DynamoDBPersistenceLayer: _put_record, _get_record, _update_record, _delete_record.
        idempotency: {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        secret: {"secretsmanager:GetSecretValue"},
        # POST /reports/{id}/access and .../contact/code publish lapor.report.access_link and contact_code.
        _get_att("EventBus", "Arn"): {"events:PutEvents"},
        # Presigned upload forms (incoming/ only) and download links (clean/ only: never an unscrubbed file).
        _ref({"Fn::Sub": "${AttachmentsBucket.Arn}/incoming/*"}): {"s3:PutObject"},
        _ref({"Fn::Sub": "${AttachmentsBucket.Arn}/clean/*"}): {"s3:GetObject"},
        _get_att("IdentityKey", "Arn"): {"kms:Encrypt"},  # seal a NIK; never open one
    }


def test_staff_has_exactly_the_access_it_uses(template: dict[str, Any]) -> None:
    assert _granted(template, "StaffFunction") == {
        _get_att("StaffFunctionLogGroup", "Arn"): LOG_ACTIONS,
        # Query: reads of a report, identity, access log, catalog, rules and Open311 keys; PutItem: the
        # transactional puts (report, timeline, metric event, rules), the access-log item, the attachment
        # records of a staff upload and a new Open311 key; DeleteItem: replaced rules, a revoked key.
        # Leadership's reports read the metric events of each day of a range (DAY#<date>), the stored
        # snapshots (METRICS) and the roster (ROSTER).
        _table("REPORT#*", "IDENTITY#*", "CONFIG", "METRICS", "OPEN311", "ROSTER", "DAY#*"): {
            "dynamodb:Query"
        },
        # ... and the catalog's and the roster's entries with their audit entries.
        _table(
            "REPORT#*",
            "IDENTITY#*",
            "DAY#*",
            "CONFIG",
            "CALENDAR#*",
            "OPEN311",
            "AUDIT#CATALOG",
            "ROSTER",
            "AUDIT#ROSTER",
        ): {"dynamodb:PutItem"},
        # The identity's time to live (write only); a redaction's rewritten timeline entry.
        _table("REPORT#*", "IDENTITY#*"): {"dynamodb:UpdateItem"},
        # DeleteItem: replaced rules, a revoked key, an erased reporter's tokens; nothing else.
        _table("IDENTITY#*", "CONFIG", "OPEN311"): {"dynamodb:DeleteItem"},
        _ref({"Fn::Sub": "${AppTable.Arn}/index/inbox-index"}): {"dynamodb:Query"},  # an agency's list
        _ref({"Fn::Sub": "${AppTable.Arn}/index/queue-index"}): {"dynamodb:Query"},  # every report
        # Forms (PutObject) and links (GetObject); an erasure deletes the reporter's private files.
        _ref({"Fn::Sub": "${AttachmentsBucket.Arn}/incoming/*"}): {"s3:PutObject", "s3:DeleteObject"},
        _ref({"Fn::Sub": "${AttachmentsBucket.Arn}/clean/*"}): {"s3:GetObject", "s3:DeleteObject"},
        _get_att("IdentityKey", "Arn"): {"kms:Decrypt"},  # open a NIK on the audited identity read
        _get_att("EventBus", "Arn"): {"events:PutEvents"},  # a calendar change: lapor.calendar.changed
        # The roster's officers in the user pool: created, grouped, their agency, disabled and signed out.
        _get_att("UserPool", "Arn"): {
            "cognito-idp:AdminCreateUser",
            "cognito-idp:AdminAddUserToGroup",
            "cognito-idp:AdminRemoveUserFromGroup",
            "cognito-idp:AdminUpdateUserAttributes",
            "cognito-idp:AdminDeleteUserAttributes",
            "cognito-idp:AdminDisableUser",
            "cognito-idp:AdminEnableUser",
            "cognito-idp:AdminUserGlobalSignOut",
        },
    }


def test_the_identity_key_seals_in_intake_opens_in_staff_and_only_with_a_reports_context(
    template: dict[str, Any],
) -> None:
    key = _get_att("IdentityKey", "Arn")
    users = {}
    for function_id, function in _resources(template, "AWS::Serverless::Function").items():
        role = template["Resources"][_role_id(function)]
        for statement, _ in _role_permissions(role):
            if key in {_ref(resource) for resource in _as_list(statement["Resource"])}:
                users[function_id] = set(_as_list(statement["Action"]))
                # Only with the report's id as the encryption context: no other use of the key.
                assert statement["Condition"] == {
                    "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["report_id"]}
                }, function_id
        if function_id not in ("IntakeFunction", "StaffFunction"):
            assert "IDENTITY_KEY_ID" not in function["Properties"]["Environment"]["Variables"], function_id
    assert users == {"IntakeFunction": {"kms:Encrypt"}, "StaffFunction": {"kms:Decrypt"}}
    props = template["Resources"]["IdentityKey"]["Properties"]
    assert props["EnableKeyRotation"] is True
    [statement] = props["KeyPolicy"]["Statement"]  # the account alone; its IAM policies decide the rest
    assert statement["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
    assert not any("*" in action for action in statement["Action"])


def test_attachments_function_has_exactly_the_access_it_uses(template: dict[str, Any]) -> None:
    assert _granted(template, "AttachmentsFunction") == {
        _get_att("AttachmentsFunctionLogGroup", "Arn"): LOG_ACTIONS,
        # GetItem: the report's records; PutItem: the upload's record becomes ready or rejected.
        _table("REPORT#*"): {"dynamodb:GetItem", "dynamodb:PutItem"},
        # Read and remove the upload; write the scrubbed file. Nothing else of the bucket.
        _ref({"Fn::Sub": "${AttachmentsBucket.Arn}/incoming/*"}): {"s3:GetObject", "s3:DeleteObject"},
        _ref({"Fn::Sub": "${AttachmentsBucket.Arn}/clean/*"}): {"s3:PutObject"},
        _get_att("AttachmentsDLQ", "Arn"): {"sqs:SendMessage"},  # an upload it failed to scrub
    }


def test_only_the_attachments_function_reads_unscrubbed_uploads(template: dict[str, Any]) -> None:
    incoming = _ref({"Fn::Sub": "${AttachmentsBucket.Arn}/incoming/*"})
    for function_id in _resources(template, "AWS::Serverless::Function"):
        granted = _granted(template, function_id).get(incoming, set())
        if function_id != "AttachmentsFunction":
            assert "s3:GetObject" not in granted, function_id


def test_the_attachments_bucket_is_private_encrypted_tls_only_and_expires_uploads(
    template: dict[str, Any],
) -> None:
    bucket = template["Resources"]["AttachmentsBucket"]
    assert bucket["DeletionPolicy"] == "Retain"
    props = bucket["Properties"]
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    [encryption] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    rules = {rule["Id"]: rule for rule in props["LifecycleConfiguration"]["Rules"]}
    uploads = rules["unscrubbed-uploads-expire"]
    assert uploads["Status"] == "Enabled"
    assert uploads["Prefix"] == "incoming/"
    assert uploads["ExpirationInDays"] == 1
    assert props["NotificationConfiguration"] == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}
    [deny] = _statements(template["Resources"]["AttachmentsBucketPolicy"]["Properties"]["PolicyDocument"])
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_attachments_rule_takes_only_this_buckets_uploads(template: dict[str, Any]) -> None:
    event = template["Resources"]["AttachmentsFunction"]["Properties"]["Events"]["Uploaded"]
    assert event["Type"] == "EventBridgeRule"
    assert "EventBusName" not in event["Properties"]  # S3 sends to the default bus
    assert event["Properties"]["Pattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": [{"Ref": "AttachmentsBucket"}]},
            "object": {"key": [{"prefix": "incoming/"}]},
        },
    }
    assert event["Properties"]["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["AttachmentsDLQ", "Arn"]}}


def test_report_stream_has_exactly_the_access_it_uses(template: dict[str, Any]) -> None:
    assert _granted(template, "ReportStreamFunction") == {
        _get_att("ReportStreamFunctionLogGroup", "Arn"): LOG_ACTIONS,
        _get_att("AppTable", "StreamArn"): {
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams",
        },
        # Query: the report, catalog and rules; UpdateItem: the route suggestion; PutItem: auto_dispose.
        _table("REPORT#*", "CONFIG"): {"dynamodb:Query"},
        _table("REPORT#*", "DAY#*"): {"dynamodb:UpdateItem", "dynamodb:PutItem"},  # never an identity
        _get_att("EventBus", "Arn"): {"events:PutEvents"},
        _get_att("ReportStreamDLQ", "Arn"): {"sqs:SendMessage"},  # the stream event's on-failure destination
    }


def test_notify_has_exactly_the_access_it_uses(template: dict[str, Any]) -> None:
    email = {"ses:SendEmail"}
    assert _granted(template, "NotifyFunction") == {
        _get_att("NotifyFunctionLogGroup", "Arn"): LOG_ACTIONS,
        # Query: the contact and an existing delivery record; UpdateItem: a code (with the contact's day),
        # a record's state, the month's SMS spend; PutItem: a new delivery record.
        _table("REPORT#*", "IDENTITY#*"): {"dynamodb:Query"},
        _table("REPORT#*"): {"dynamodb:PutItem"},
        _table("REPORT#*", "IDENTITY#*", "CONTACT#*", "SPEND#SMS"): {"dynamodb:UpdateItem"},
        _ref({"Ref": "NotificationsTopic"}): {"sns:Publish"},  # staff messages
        _ref({"Ref": "TokenSecret"}): {"secretsmanager:GetSecretValue"},  # links' tokens and codes
        _get_att("NotifyDLQ", "Arn"): {"sqs:SendMessage"},  # an event it failed (async invocation)
        _ref(
            {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${EmailSender}"}
        ): email,
        _ref(
            {
                "Fn::Sub": [
                    "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${Domain}",
                    {"Domain": {"Fn::Select": [1, {"Fn::Split": ["@", {"Ref": "EmailSender"}]}]}},
                ]
            }
        ): email,
        _ref(
            {
                "Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}"
                ":configuration-set/${EmailConfigurationSet}"
            }
        ): email,
    }
    sms = _granted(template, "NotifyFunction", include_conditional=True)
    assert sms[_ref({"Ref": "SmsOriginationIdentityArn"})] == {"sms-voice:SendTextMessage"}
    assert sms[_get_att("SmsConfigurationSet", "Arn")] == {"sms-voice:SendTextMessage"}


def test_notify_sends_email_only_from_the_sender_and_sms_only_when_configured(
    template: dict[str, Any],
) -> None:
    role = template["Resources"]["NotifyFunctionRole"]["Properties"]["Policies"]
    [email] = [p for p in role if isinstance(p, dict) and p.get("PolicyName") == "email"]
    [statement] = email["PolicyDocument"]["Statement"]
    assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "EmailSender"}}}
    [sms] = [p for p in role if isinstance(p, dict) and "Fn::If" in p and p["Fn::If"][0] == "SmsConfigured"]
    assert sms["Fn::If"][2] == {"Ref": "AWS::NoValue"}
    assert template["Conditions"]["SmsConfigured"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "SmsOriginationIdentityArn"}, ""]}]
    }
    variables = template["Resources"]["NotifyFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["SMS_MONTHLY_SPEND_LIMIT_USD"] == {"Ref": "SmsMonthlySpendLimitUsd"}
    assert variables["EMAIL_CONFIGURATION_SET"] == {"Ref": "EmailConfigurationSet"}
    assert variables["SMS_CONFIGURATION_SET"] == {"Ref": "SmsConfigurationSet"}


def test_delivery_status_has_exactly_the_access_it_uses(template: dict[str, Any]) -> None:
    assert _granted(template, "DeliveryStatusFunction") == {
        _get_att("DeliveryStatusFunctionLogGroup", "Arn"): LOG_ACTIONS,
        # UpdateItem: a delivery record's state; an undeliverable contact (identity and report flag).
        _table("REPORT#*", "IDENTITY#*"): {"dynamodb:UpdateItem"},
        _get_att("DeliveryStatusDLQ", "Arn"): {"sqs:SendMessage"},  # a failed run (async invocation)
    }


def test_provider_events_reach_the_delivery_status_function(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    destination = resources["EmailEventDestination"]["Properties"]["EventDestination"]
    assert set(destination["MatchingEventTypes"]) == {
        "DELIVERY",
        "BOUNCE",
        "COMPLAINT",
        "REJECT",
        "RENDERING_FAILURE",
    }
    assert destination["EventBridgeDestination"]["EventBusArn"]["Fn::Sub"].endswith(":event-bus/default")
    events = resources["DeliveryStatusFunction"]["Properties"]["Events"]
    assert events["EmailEvents"]["Properties"]["Pattern"] == {
        "source": ["aws.ses"],
        "detail": {"mail": {"tags": {"ses:configuration-set": [{"Ref": "EmailConfigurationSet"}]}}},
    }
    assert events["SmsEvents"]["Properties"]["Topic"] == {"Ref": "SmsEventsTopic"}
    [sms] = resources["SmsConfigurationSet"]["Properties"]["EventDestinations"]
    assert sms["SnsDestination"] == {"TopicArn": {"Ref": "SmsEventsTopic"}}
    assert {"TEXT_DELIVERED", "TEXT_INVALID", "TEXT_BLOCKED"} <= set(sms["MatchingEventTypes"])
    # The SMS events name numbers: the topic is encrypted with the stack's own key, which SMS may use.
    assert resources["SmsEventsTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "SmsEventsKey"}
    assert resources["SmsEventsKey"]["Properties"]["EnableKeyRotation"] is True


def _waf_rules(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    acl = template["Resources"]["ApiWebAcl"]["Properties"]
    return {rule["Name"]: rule for rule in acl["Rules"]}


def test_waf_limits_anonymous_writes_per_ip_and_runs_the_managed_groups(template: dict[str, Any]) -> None:
    acl = template["Resources"]["ApiWebAcl"]["Properties"]
    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    rules = _waf_rules(template)
    assert [r["Name"] for r in sorted(rules.values(), key=lambda r: r["Priority"])] == [
        "anonymous-writes-per-ip",
        "api-per-ip",
        "aws-ip-reputation",
        "aws-common",
        "aws-known-bad-inputs",
    ]
    writes = rules["anonymous-writes-per-ip"]["Statement"]["RateBasedStatement"]
    assert writes["Limit"] == {"Ref": "WafAnonymousWriteRateLimit"}
    assert writes["AggregateKeyType"] == "IP"
    method, path = writes["ScopeDownStatement"]["AndStatement"]["Statements"]
    assert method["ByteMatchStatement"]["SearchString"] == "POST"
    pattern = re.compile(path["RegexMatchStatement"]["RegexString"])
    for anonymous in (
        "/v1/reports",
        "/reports",
        "/v1/reports/LPR-7K3M-9Q2X/access",
        "/v1/reports/LPR-7K3M-9Q2X/contact/confirm",
        "/v1/reports/LPR-7K3M-9Q2X/contact/code",
        "/v1/open311/v2/requests.json",
        "/v1/open311/v2/requests.xml",
    ):
        assert pattern.fullmatch(anonymous), anonymous
    for other in ("/v1/reports/LPR-7K3M-9Q2X/replies", "/v1/staff/reports", "/v1/open311/v2/services.json"):
        assert not pattern.fullmatch(other), other
    assert rules["api-per-ip"]["Statement"]["RateBasedStatement"]["Limit"] == {"Ref": "WafApiRateLimit"}
    for name, rule in rules.items():
        if name.endswith("per-ip"):
            block = rule["Action"]["Block"]["CustomResponse"]
            assert block["ResponseCode"] == 429
            assert block["ResponseHeaders"] == [{"Name": "Retry-After", "Value": "300"}]
    managed = {
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in rules.values()
        if "ManagedRuleGroupStatement" in r["Statement"]
    }
    assert managed == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    }
    body = json.loads(acl["CustomResponseBodies"]["throttled"]["Content"])
    assert body["error"]["code"] == "throttled"
    association = template["Resources"]["ApiWebAclAssociation"]["Properties"]
    assert association["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}
    assert association["ResourceArn"]["Fn::Sub"].endswith("/restapis/${Api}/stages/${Api.Stage}")


def test_escalation_has_exactly_the_access_it_uses(template: dict[str, Any]) -> None:
    assert _granted(template, "EscalationFunction") == {
        _get_att("EscalationFunctionLogGroup", "Arn"): LOG_ACTIONS,
        # Query: city_setup() (pk CONFIG); PutItem: save() of each step or recomputation (one
        # TransactWriteItems of Puts: report, timeline entry, metric event) and mark_calendar().
        _table("CONFIG"): {"dynamodb:Query"},
        _table("REPORT#*", "DAY#*", "CONFIG"): {"dynamodb:PutItem"},
        _table("IDENTITY#*"): {"dynamodb:UpdateItem"},  # an auto-closed report's identity's TTL (write only)
        _ref({"Fn::Sub": "${AppTable.Arn}/index/due-index"}): {"dynamodb:Query"},  # due_reports()
    }


def test_metrics_has_exactly_the_access_it_uses(template: dict[str, Any]) -> None:
    assert _granted(template, "MetricsFunction") == {
        # Logger lines and the indicators as EMF lines: no cloudwatch:PutMetricData.
        _get_att("MetricsFunctionLogGroup", "Arn"): LOG_ACTIONS,
        # Query: the day partitions (DAY#<date>), the stored snapshots and the catalog; PutItem: the snapshot.
        _table("DAY#*", "METRICS", "CONFIG"): {"dynamodb:Query"},
        _table("METRICS"): {"dynamodb:PutItem"},
        _ref({"Fn::Sub": "${AppTable.Arn}/index/due-index"}): {"dynamodb:Query"},  # the overdue backlog
        _get_att("MetricsDLQ", "Arn"): {"sqs:SendMessage"},  # a failed run, from Lambda's async invocation
    }


def test_no_function_puts_metric_data(template: dict[str, Any]) -> None:
    # Metrics are embedded-metric-format log lines, which CloudWatch extracts from the log groups.
    for statement in _statements(template):
        assert not any(str(action).startswith("cloudwatch:") for action in _as_list(statement["Action"]))


def test_only_intake_staff_and_the_notifiers_read_an_identity(template: dict[str, Any]) -> None:
    readers = {
        fid
        for fid in FUNCTIONS
        for key, actions in _granted(template, fid).items()
        if key.startswith(_get_att("AppTable", "Arn"))
        and "IDENTITY#*" in key
        and actions & {"dynamodb:Query", "dynamodb:GetItem"}
    }
    assert readers == {"IntakeFunction", "StaffFunction", "NotifyFunction"}
    for fid in FUNCTIONS:  # every grant on the table names its partitions
        for key in _granted(template, fid):
            if key.startswith(_get_att("AppTable", "Arn")):
                assert " keys " in key, (fid, key)
    # Escalation and staff update an identity's time to live (and staff a redacted entry) only, and cannot
    # read what they update back.
    for role, sid in (
        ("EscalationFunctionRole", "AppTableRetention"),
        ("StaffFunctionRole", "AppTableUpdate"),
    ):
        [retention] = [st for st, _ in _role_permissions(template["Resources"][role]) if st.get("Sid") == sid]
        assert retention["Condition"]["StringEqualsIfExists"] == {"dynamodb:ReturnValues": ["NONE"]}


def test_a_role_granted_one_action_more_fails_its_exact_access_check(template: dict[str, Any]) -> None:
    """The exact-access checks bite: intake with DeleteItem on its partitions, or its writes reaching CONFIG,
    fails them."""
    import copy

    for change in ("action", "partition"):
        widened = copy.deepcopy(template)
        role = widened["Resources"]["IntakeFunctionRole"]
        [write] = [st for st, _ in _role_permissions(role) if st.get("Sid") == "AppTableWrite"]
        if change == "action":
            write["Action"].append("dynamodb:DeleteItem")
        else:
            write["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"].append("CONFIG")
        with pytest.raises(AssertionError):
            test_intake_has_exactly_the_access_it_uses(widened)
    test_intake_has_exactly_the_access_it_uses(template)  # and the template as it is passes


def test_only_the_writers_write_the_app_table_and_only_the_stream_and_intake_publish(
    template: dict[str, Any],
) -> None:
    app_table = _get_att("AppTable", "Arn")
    writes = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    writers = {
        fid
        for fid in FUNCTIONS
        for key, actions in _granted(template, fid).items()
        if key.startswith(app_table) and actions & writes
    }
    assert writers == {
        "IntakeFunction",
        "StaffFunction",
        "ReportStreamFunction",
        "EscalationFunction",
        "MetricsFunction",  # the snapshot item only
        "Open311Function",  # Open311 filings (transactional puts)
        "AttachmentsFunction",  # the attachment records only
        "NotifyFunction",  # delivery records, a contact's code and day count, the SMS spend
        "DeliveryStatusFunction",  # delivery records' states, an undeliverable contact
    }
    bus = _get_att("EventBus", "Arn")
    publishers = {fid for fid in FUNCTIONS if _granted(template, fid).get(bus)}
    assert publishers == {"IntakeFunction", "ReportStreamFunction", "StaffFunction"}  # staff: the calendar


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
    assert {index["IndexName"] for index in indexes} >= {
        "public-index",
        "inbox-index",
        "queue-index",
        "due-index",
    }
    for index in indexes:
        projection = index["Projection"]
        assert projection["ProjectionType"] in ("INCLUDE", "KEYS_ONLY"), index["IndexName"]
        projected = set(projection.get("NonKeyAttributes", []))
        assert not projected & IDENTITY_ATTRIBUTES, index["IndexName"]


def _due_index(template: dict[str, Any]) -> dict[str, Any]:
    indexes = template["Resources"]["AppTable"]["Properties"]["GlobalSecondaryIndexes"]
    due: list[dict[str, Any]] = [index for index in indexes if index["IndexName"] == "due-index"]
    assert len(due) == 1
    return due[0]


def test_the_due_index_projects_the_whole_report(template: dict[str, Any]) -> None:
    # The escalation job rebuilds each report from this index (due_reports()) and writes it back whole with a
    # Put (save()): a report attribute the index does not project would be erased by the job's write.
    projection = _due_index(template)["Projection"]
    assert projection["ProjectionType"] == "INCLUDE"  # not ALL: nothing new is projected by accident
    projected = projection["NonKeyAttributes"]
    assert len(projected) == len(set(projected))
    assert set(Report.model_fields) | {"deadlines", "title_search"} <= set(projected)
    # And every attribute the adapter actually writes on a report item, keys aside (report_item()).
    written = set(report_item(verified())) - INDEX_KEY_ATTRIBUTES
    assert written <= set(projected), sorted(written - set(projected))
    # Nothing else: a projected attribute that is no report attribute would be a stale or identity one.
    assert set(projected) == set(Report.model_fields) | {"deadlines", "title_search"}


def test_projected_attributes_stay_under_dynamodbs_limit(template: dict[str, Any]) -> None:
    for table_id, table in _resources(template, "AWS::DynamoDB::Table").items():
        total = sum(
            len(index["Projection"].get("NonKeyAttributes", []))
            for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
            for index in table["Properties"].get(kind, [])
        )
        assert total <= MAX_PROJECTED_ATTRIBUTES, (table_id, total)


def test_the_queue_index_projects_the_lifecycle_timestamps_of_the_export(template: dict[str, Any]) -> None:
    indexes = {
        index["IndexName"]: index["Projection"]
        for index in template["Resources"]["AppTable"]["Properties"]["GlobalSecondaryIndexes"]
    }
    queue = indexes["queue-index"]
    assert queue["ProjectionType"] == "INCLUDE"
    projected = queue["NonKeyAttributes"]
    assert len(projected) == len(set(projected))
    # The lists' attributes (as inbox-index) plus what GET /staff/exports/reports.csv needs, and nothing else.
    assert set(projected) == set(indexes["inbox-index"]["NonKeyAttributes"]) | LIFECYCLE_ATTRIBUTES
    assert set(Report.model_fields) >= LIFECYCLE_ATTRIBUTES


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
    assert _routes(events) == INTAKE_ROUTES
    assert all(e["Type"] == "Api" and e["Properties"]["RestApiId"] == {"Ref": "Api"} for e in events.values())


def test_staff_routes_are_the_staff_functions(template: dict[str, Any]) -> None:
    events = template["Resources"]["StaffFunction"]["Properties"]["Events"]
    assert _routes(events) == STAFF_ROUTES | OPEN311_KEY_ROUTES
    assert all(e["Type"] == "Api" and e["Properties"]["RestApiId"] == {"Ref": "Api"} for e in events.values())


def test_the_api_has_the_cognito_authorizer_and_no_default(template: dict[str, Any]) -> None:
    auth = template["Resources"]["Api"]["Properties"]["Auth"]
    # No DefaultAuthorizer: it would close the public routes (or force every one of them to opt out).
    assert set(auth) == {"Authorizers"}
    assert auth["Authorizers"] == {"CognitoAuthorizer": {"UserPoolArn": {"Fn::GetAtt": ["UserPool", "Arn"]}}}


def test_staff_routes_have_the_authorizer_and_public_routes_none(template: dict[str, Any]) -> None:
    seen_staff = set()
    for function_id, name, event in _api_events(template):
        props = event["Properties"]
        path = props["Path"]
        if path == "/staff" or path.startswith("/staff/"):
            seen_staff.add((props["Method"], path))
            assert props.get("Auth") == {"Authorizer": "CognitoAuthorizer"}, (function_id, name)
        else:
            assert "Auth" not in props, (function_id, name)
    assert seen_staff == STAFF_ROUTES | OPEN311_KEY_ROUTES


def test_the_open311_routes(template: dict[str, Any]) -> None:
    events = template["Resources"]["Open311Function"]["Properties"]["Events"]
    assert _routes(events) == OPEN311_ROUTES  # the coordinator's keys are the staff function's
    assert all(e["Type"] == "Api" and e["Properties"]["RestApiId"] == {"Ref": "Api"} for e in events.values())
    for event in events.values():  # the handler checks the api_key of POST requests; GET is public data
        assert "Auth" not in event["Properties"]


def test_open311_has_exactly_the_access_it_uses(template: dict[str, Any]) -> None:
    assert _granted(template, "Open311Function") == {
        _get_att("Open311FunctionLogGroup", "Arn"): LOG_ACTIONS,
        # Query: reports, catalog, tokens and the api_key a filing names; PutItem: the filing transaction's
        # Puts. No DeleteItem: keys are revoked through the staff function. No read of an identity.
        _table("REPORT#*", "CONFIG", "OPEN311", "OPEN311#TOKEN#*"): {"dynamodb:Query"},
        _table("REPORT#*", "IDENTITY#*", "DAY#*", "OPEN311#TOKEN#*"): {"dynamodb:PutItem"},
        _ref({"Fn::Sub": "${AppTable.Arn}/index/public-index"}): {"dynamodb:Query"},  # the public lists
        _ref({"Fn::Sub": "${AppTable.Arn}/index/updates-index"}): {"dynamodb:Query"},  # updates in a window
        _ref({"Fn::Sub": "${AttachmentsBucket.Arn}/clean/*"}): {"s3:GetObject"},  # media_url links
        _ref({"Ref": "TokenSecret"}): {"secretsmanager:GetSecretValue"},  # a filing's id and token, derived
    }


def test_no_route_is_served_twice(template: dict[str, Any]) -> None:
    routes = [
        (e["Properties"]["Method"].lower(), e["Properties"]["Path"]) for _, _, e in _api_events(template)
    ]
    assert len(routes) == len(set(routes))


@pytest.mark.parametrize(
    ("function_id", "method", "path", "authorizer"),
    [
        ("IntakeFunction", "get", "/metrics/summary", None),  # public aggregates
        ("StaffFunction", "get", "/staff/metrics/daily/{date}", "CognitoAuthorizer"),
        ("StaffFunction", "get", "/staff/exports/reports.csv", "CognitoAuthorizer"),
        ("StaffFunction", "get", "/staff/metrics/breakdown", "CognitoAuthorizer"),
        ("StaffFunction", "get", "/staff/metrics/officers", "CognitoAuthorizer"),
        ("StaffFunction", "get", "/staff/recap/{month}", "CognitoAuthorizer"),
    ],
)
def test_the_metrics_routes(
    template: dict[str, Any], function_id: str, method: str, path: str, authorizer: str | None
) -> None:
    [(found_id, props)] = [
        (fid, event["Properties"])
        for fid, _, event in _api_events(template)
        if (event["Properties"]["Method"], event["Properties"]["Path"]) == (method, path)
    ]
    assert found_id == function_id
    assert props["RestApiId"] == {"Ref": "Api"}
    if authorizer is None:
        assert "Auth" not in props
    else:
        assert props["Auth"] == {"Authorizer": authorizer}


def test_the_user_pool_is_staff_only_with_groups_and_agency(template: dict[str, Any]) -> None:
    pool = template["Resources"]["UserPool"]["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["MfaConfiguration"] == "ON"  # required of every officer, with an authenticator app
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert pool["UserPoolAddOns"] == {"AdvancedSecurityMode": {"Ref": "StaffThreatProtection"}}
    assert template["Parameters"]["StaffThreatProtection"]["Default"] == "ENFORCED"
    assert pool["UserPoolTier"] == {"Fn::If": ["ThreatProtectionOff", "ESSENTIALS", "PLUS"]}
    password = pool["Policies"]["PasswordPolicy"]
    assert password["MinimumLength"] >= 12
    assert all(password[key] is True for key in ("RequireLowercase", "RequireUppercase", "RequireNumbers"))
    assert password["RequireSymbols"] is True
    agency = [attribute for attribute in pool["Schema"] if attribute["Name"] == "agency_id"]
    assert len(agency) == 1
    assert agency[0]["AttributeDataType"] == "String"
    assert agency[0]["Mutable"] is True
    groups = _resources(template, "AWS::Cognito::UserPoolGroup").values()
    assert {group["Properties"]["GroupName"] for group in groups} == STAFF_GROUPS
    assert all(group["Properties"]["UserPoolId"] == {"Ref": "UserPool"} for group in groups)


def test_the_app_client_is_public_srp_and_cannot_change_the_agency(template: dict[str, Any]) -> None:
    client = template["Resources"]["UserPoolClient"]["Properties"]
    assert client["UserPoolId"] == {"Ref": "UserPool"}
    assert client["GenerateSecret"] is False
    assert set(client["ExplicitAuthFlows"]) == {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    # The agency is a claim the handlers trust: readable (in the ID token), never writable by its user.
    assert "custom:agency_id" in client["ReadAttributes"]
    assert "WriteAttributes" in client
    assert "custom:agency_id" not in client["WriteAttributes"]


def test_every_asynchronous_source_has_a_dead_letter_destination(template: dict[str, Any]) -> None:
    found = 0
    for function_id, function in _resources(template, "AWS::Serverless::Function").items():
        for name, event in (function["Properties"].get("Events") or {}).items():
            if event["Type"] not in ASYNC_EVENT_TYPES:
                continue
            found += 1
            props = event["Properties"]
            if event["Type"] in ("DynamoDB", "Kinesis"):
                on_failure = (props.get("DestinationConfig") or {}).get("OnFailure") or {}
                destination = on_failure.get("Destination")
            elif event["Type"] == "SNS":  # the subscription's redrive policy
                destination = (props.get("RedrivePolicy") or {}).get("deadLetterTargetArn")
            else:
                destination = (props.get("DeadLetterConfig") or {}).get("Arn")
            assert isinstance(destination, dict), f"{function_id}.{name} has no dead-letter destination"
            queue_id, attribute = destination["Fn::GetAtt"]
            assert attribute == "Arn", (function_id, name)
            queue = template["Resources"][queue_id]
            assert queue["Type"] == "AWS::SQS::Queue", (function_id, name)
            assert queue["Properties"]["SqsManagedSseEnabled"] is True, queue_id
            assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600, queue_id
    assert found >= 4  # the table stream, the notify rule, the escalation and the metrics schedules


def test_the_stream_event_bisects_and_reports_item_failures(template: dict[str, Any]) -> None:
    event = template["Resources"]["ReportStreamFunction"]["Properties"]["Events"]["TableStream"]
    assert event["Type"] == "DynamoDB"
    props = event["Properties"]
    assert props["Stream"] == {"Fn::GetAtt": ["AppTable", "StreamArn"]}
    assert props["StartingPosition"] == "LATEST"
    assert props["BatchSize"] == 10
    assert props["MaximumBatchingWindowInSeconds"] == 1
    assert props["BisectBatchOnFunctionError"] is True
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["MaximumRetryAttempts"] == 3  # not -1 (forever): a poison record must not block the shard
    assert props["MaximumRecordAgeInSeconds"] == 3600
    # No `Type` in OnFailure: SAM would then try to add the SQS policy itself; the explicit role has it.
    assert set(props["DestinationConfig"]["OnFailure"]) == {"Destination"}


def test_the_stream_filters_pass_new_reports_and_new_timeline_entries_only(template: dict[str, Any]) -> None:
    events = template["Resources"]["ReportStreamFunction"]["Properties"]["Events"]
    props = events["TableStream"]["Properties"]
    patterns = [json.loads(f["Pattern"]) for f in props["FilterCriteria"]["Filters"]]
    assert patterns == [
        {"eventName": ["INSERT"], "dynamodb": {"Keys": {"sk": {"S": ["R"]}}}},
        {"eventName": ["INSERT"], "dynamodb": {"Keys": {"sk": {"S": [{"prefix": "T#"}]}}}},
    ]  # so identity ("I"), access-log ("AL#..."), metric and CONFIG items never reach the function


def test_the_stream_function_knows_the_bus(template: dict[str, Any]) -> None:
    variables = template["Resources"]["ReportStreamFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["EVENT_BUS_NAME"] == {"Ref": "EventBus"}
    intake = template["Resources"]["IntakeFunction"]["Properties"]["Environment"]["Variables"]
    assert intake["EVENT_BUS_NAME"] == {"Ref": "EventBus"}


def test_the_notify_rule_takes_lapor_events_and_has_a_dlq(template: dict[str, Any]) -> None:
    function = template["Resources"]["NotifyFunction"]["Properties"]
    variables = function["Environment"]["Variables"]
    assert variables["NOTIFICATIONS_TOPIC_ARN"] == {"Ref": "NotificationsTopic"}
    assert variables["TOKEN_SECRET_ARN"] == {"Ref": "TokenSecret"}
    assert variables["PUBLIC_BASE_URL"] == {"Ref": "PublicBaseUrl"}
    assert template["Parameters"]["PublicBaseUrl"]["Default"] == "https://lapor.example.go.id"
    events = function["Events"]
    assert list(events) == ["DomainEvents"]
    event = events["DomainEvents"]
    assert event["Type"] == "EventBridgeRule"
    props = event["Properties"]
    assert props["EventBusName"] == {"Ref": "EventBus"}
    # The report's events only: a calendar change is the escalation function's.
    assert props["Pattern"] == {"source": ["lapor"], "detail-type": [{"prefix": "lapor.report."}]}
    assert props["RetryPolicy"] == {"MaximumRetryAttempts": 4, "MaximumEventAgeInSeconds": 3600}
    assert props["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["NotifyDLQ", "Arn"]}}


def test_the_notify_dlq_lets_only_the_notify_rule_send(template: dict[str, Any]) -> None:
    # With DeadLetterConfig Arn (not Type: SQS), SAM writes no queue policy: the template must.
    policy = template["Resources"]["NotifyDLQPolicy"]
    assert policy["Type"] == "AWS::SQS::QueuePolicy"
    assert policy["Properties"]["Queues"] == [{"Ref": "NotifyDLQ"}]
    assert _statements(policy["Properties"]["PolicyDocument"]) == [
        {
            "Sid": "NotifyRuleDeadLetters",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": {"Fn::GetAtt": ["NotifyDLQ", "Arn"]},
            # SAM names the rule of an EventBridgeRule event <function id><event name>.
            "Condition": {
                "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["NotifyFunctionDomainEvents", "Arn"]}}
            },
        }
    ]


def test_the_escalation_function_runs_long_enough_for_a_run(template: dict[str, Any]) -> None:
    props = template["Resources"]["EscalationFunction"]["Properties"]
    assert props["Timeout"] == 300
    assert props["MemorySize"] == 512
    assert list(props["Events"]) == ["EscalationSchedule", "CalendarChanged"]


def test_a_calendar_change_reaches_the_escalation_function_with_retries_and_a_dlq(
    template: dict[str, Any],
) -> None:
    event = template["Resources"]["EscalationFunction"]["Properties"]["Events"]["CalendarChanged"]
    assert event["Type"] == "EventBridgeRule"
    props = event["Properties"]
    assert props["EventBusName"] == {"Ref": "EventBus"}
    assert props["Pattern"] == {"source": ["lapor"], "detail-type": ["lapor.calendar.changed"]}
    assert props["RetryPolicy"] == {"MaximumRetryAttempts": 4, "MaximumEventAgeInSeconds": 3600}
    assert props["DeadLetterConfig"] == {"Arn": _get_att_node("EscalationDLQ", "Arn")}
    [statement] = _statements(template["Resources"]["EscalationDLQPolicy"]["Properties"]["PolicyDocument"])
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"] == {
        "ArnEquals": {"aws:SourceArn": _get_att_node("EscalationFunctionCalendarChanged", "Arn")}
    }
    staff = template["Resources"]["StaffFunction"]["Properties"]["Environment"]["Variables"]
    assert staff["EVENT_BUS_NAME"] == {"Ref": "EventBus"}


def test_the_escalation_schedule_every_15_minutes_in_wib_with_retries_and_a_dlq(
    template: dict[str, Any],
) -> None:
    event = template["Resources"]["EscalationFunction"]["Properties"]["Events"]["EscalationSchedule"]
    assert event["Type"] == "ScheduleV2"
    props = event["Properties"]
    assert props["ScheduleExpression"] in ("cron(0/15 * * * ? *)", "rate(15 minutes)")
    assert props["ScheduleExpressionTimezone"] == "Asia/Jakarta"
    assert json.loads(props["Input"]) == SCHEDULED_EVENT
    assert props["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 900}
    assert props["DeadLetterConfig"] == {"Arn": _get_att_node("EscalationDLQ", "Arn")}
    # The template's own role: with RoleArn SAM generates none (nor a policy of its own).
    assert props["RoleArn"] == _get_att_node("EscalationScheduleRole", "Arn")
    assert "PermissionsBoundary" not in props
    # CloudFormation names the schedule: a fixed name would collide across stacks in one account and region.
    assert props["OmitName"] is True
    assert "Name" not in props
    queue = template["Resources"]["EscalationDLQ"]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_the_metrics_function_runs_long_enough_and_only_on_its_schedule(template: dict[str, Any]) -> None:
    props = template["Resources"]["MetricsFunction"]["Properties"]
    assert props["Timeout"] == 300
    assert props["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"] == "Lapor"
    assert list(props["Events"]) == ["MetricsSchedule"]


def test_the_metrics_schedule_at_0030_wib_every_day_with_retries_and_a_dlq(template: dict[str, Any]) -> None:
    event = template["Resources"]["MetricsFunction"]["Properties"]["Events"]["MetricsSchedule"]
    assert event["Type"] == "ScheduleV2"
    props = event["Properties"]
    # 00:30 WIB every day: half an hour after the 24:00 WIB the day's backlog is taken at.
    assert props["ScheduleExpression"] == "cron(30 0 * * ? *)"
    assert props["ScheduleExpressionTimezone"] == "Asia/Jakarta"
    assert json.loads(props["Input"]) == SCHEDULED_EVENT  # the job computes the WIB day before `time`
    retry = props["RetryPolicy"]
    assert set(retry) == {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"}
    assert 1 <= retry["MaximumRetryAttempts"] <= 185
    assert 60 <= retry["MaximumEventAgeInSeconds"] <= 86400
    assert props["DeadLetterConfig"] == {"Arn": _get_att_node("MetricsDLQ", "Arn")}
    assert props["RoleArn"] == _get_att_node("MetricsScheduleRole", "Arn")
    assert "PermissionsBoundary" not in props
    assert props["OmitName"] is True
    assert "Name" not in props
    queue = template["Resources"]["MetricsDLQ"]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600


@pytest.mark.parametrize(("role_id", "target"), sorted(SCHEDULE_ROLES.items()))
def test_the_schedule_role_may_only_invoke_the_job_and_send_to_its_dlq(
    template: dict[str, Any], role_id: str, target: tuple[str, str]
) -> None:
    function_id, queue_id = target
    role = template["Resources"][role_id]
    assert role["Type"] == "AWS::IAM::Role"
    props = role["Properties"]
    assert set(props) <= {"Description", "AssumeRolePolicyDocument", "Policies"}  # no managed policy
    assert _statements(props["AssumeRolePolicyDocument"]) == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
        }
    ]
    permissions = _role_permissions(role)
    assert all(conditions == () for _, conditions in permissions)
    granted: dict[str, set[str]] = {}
    for statement, _ in permissions:
        assert statement["Effect"] == "Allow"
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource"}, statement
        for resource in _as_list(statement["Resource"]):
            granted.setdefault(_ref(resource), set()).update(_as_list(statement["Action"]))
    assert granted == {
        _get_att(function_id, "Arn"): {"lambda:InvokeFunction"},
        _get_att(queue_id, "Arn"): {"sqs:SendMessage"},
    }
    # And the function's schedule is the one that uses this role.
    [schedule] = [
        event["Properties"]
        for event in template["Resources"][function_id]["Properties"]["Events"].values()
        if event["Type"] == "ScheduleV2"
    ]
    assert schedule["RoleArn"] == _get_att_node(role_id, "Arn")
    assert schedule["DeadLetterConfig"] == {"Arn": _get_att_node(queue_id, "Arn")}


def test_every_role_is_a_functions_or_a_schedules(template: dict[str, Any]) -> None:
    function_roles = {_role_id(f) for f in _resources(template, "AWS::Serverless::Function").values()}
    roles = set(_resources(template, "AWS::IAM::Role"))
    assert roles == function_roles | set(SCHEDULE_ROLES) | {"ApiGatewayLogsRole"}  # and API Gateway's logs


def test_the_api_logs_each_request_without_personal_data_or_a_query_string(template: dict[str, Any]) -> None:
    setting = template["Resources"]["Api"]["Properties"]["AccessLogSetting"]
    fields = json.loads(setting["Format"])
    assert fields["resource"] == "$context.resourcePath"  # the route's template, never the path as asked
    text = setting["Format"]
    for leak in ("$context.path", "querystring", "identity.sourceIp", "userAgent", "authorizer", "$input"):
        assert leak not in text, leak
    group = template["Resources"]["ApiAccessLogGroup"]["Properties"]
    assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    role = template["Resources"]["ApiGatewayLogsRole"]
    assert role["Condition"] == "CreateApiGatewayLogsRole"
    assert template["Resources"]["ApiGatewayAccount"]["Condition"] == "CreateApiGatewayLogsRole"
    writes = [
        st
        for st in _statements(role["Properties"]["Policies"][0]["PolicyDocument"])
        if st["Sid"] == "WriteAccessLogs"
    ]
    assert writes[0]["Resource"] == _get_att_node("ApiAccessLogGroup", "Arn")


def test_reserved_concurrency_caps_the_public_apis_and_keeps_some_for_escalation_and_delivery(
    template: dict[str, Any],
) -> None:
    expected = {
        "IntakeFunction": "IntakeMaxConcurrency",
        "Open311Function": "Open311MaxConcurrency",
        "EscalationFunction": "EscalationReservedConcurrency",
        "NotifyFunction": "DeliveryReservedConcurrency",
        "DeliveryStatusFunction": "DeliveryReservedConcurrency",
    }
    for function_id, function in _resources(template, "AWS::Serverless::Function").items():
        reserved = function["Properties"].get("ReservedConcurrentExecutions")
        if function_id in expected:
            assert reserved == {
                "Fn::If": ["ConcurrencyControlled", {"Ref": expected[function_id]}, {"Ref": "AWS::NoValue"}]
            }, function_id
        else:
            assert reserved is None, function_id
    parameters = template["Parameters"]
    assert parameters["ConcurrencyControls"]["Default"] == "Enabled"
    assert parameters["IntakeMaxConcurrency"]["Default"] > parameters["Open311MaxConcurrency"]["Default"]


def test_both_tables_keep_35_days_of_backups_and_refuse_deletion(template: dict[str, Any]) -> None:
    for table_id in ("AppTable", "IdempotencyTable"):
        props = template["Resources"][table_id]["Properties"]
        assert props["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True,
            "RecoveryPeriodInDays": 35,
        }, table_id
        assert props["DeletionProtectionEnabled"] is True, table_id


def test_the_bus_and_the_topic(template: dict[str, Any]) -> None:
    bus = template["Resources"]["EventBus"]
    assert bus["Type"] == "AWS::Events::EventBus"
    assert bus["Properties"]["Name"] == {"Fn::Sub": "${AWS::StackName}-lapor"}
    topic = template["Resources"]["NotificationsTopic"]
    assert topic["Type"] == "AWS::SNS::Topic"
    assert topic["Properties"]["KmsMasterKeyId"] == "alias/aws/sns"


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


_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


def _dashboard_body(template: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The dashboard body as JSON, its ${...} placeholders replaced by dummy strings, and the placeholders."""
    dashboard = template["Resources"]["Dashboard"]
    assert dashboard["Type"] == "AWS::CloudWatch::Dashboard"
    body = dashboard["Properties"]["DashboardBody"]
    assert set(body) == {"Fn::Sub"}
    text = body["Fn::Sub"]
    assert isinstance(text, str)  # one JSON string, no variable map
    placeholders = set(_PLACEHOLDER.findall(text))
    parsed = json.loads(_PLACEHOLDER.sub("placeholder", text))
    assert isinstance(parsed, dict)
    return parsed, placeholders


def _dashboard_metrics(body: dict[str, Any]) -> list[list[Any]]:
    return [
        metric
        for widget in body["widgets"]
        if widget["type"] == "metric"
        for metric in widget["properties"]["metrics"]
    ]


def test_the_dashboard_body_is_json_and_its_placeholders_resolve(template: dict[str, Any]) -> None:
    body, placeholders = _dashboard_body(template)
    assert body["widgets"]
    for placeholder in placeholders:
        name, _, attribute = placeholder.partition(".")
        if placeholder in PSEUDO_PARAMETERS:
            continue
        known = name in template["Resources"] or (not attribute and name in template["Parameters"])
        assert known, placeholder
    for widget in body["widgets"]:
        assert {"type", "x", "y", "width", "height", "properties"} <= set(widget), widget
        assert widget["x"] + widget["width"] <= 24, widget
        if widget["type"] == "metric":
            assert widget["properties"]["region"] == "placeholder"  # ${AWS::Region}
            assert widget["properties"]["metrics"], widget


def test_the_dashboard_draws_the_indicators(template: dict[str, Any]) -> None:
    body, _ = _dashboard_body(template)
    metrics = _dashboard_metrics(body)
    expressions = [m[0]["expression"] for m in metrics if isinstance(m[0], dict) and "expression" in m[0]]
    # Per agency, whatever the catalog holds: one line a value of the Agency dimension.
    for name in ("ResponseTimeMeanHK", "ResponseTimeP90HK"):
        assert f"""SEARCH('{{Lapor,Agency}} MetricName="{name}"', 'Average', 86400)""" in expressions, name
    city = {m[1] for m in metrics if m[0] == "Lapor" and m[2:4] == ["Agency", "city"]}
    on_time = {"OnTimeRateRespond", "OnTimeRateResolve", "OnTimeRateVerify"}
    assert city >= {"Received", "BacklogOverdue"} | on_time


def test_the_dashboard_names_every_functions_errors_and_throttles_and_every_dlq(
    template: dict[str, Any],
) -> None:
    # Each placeholder replaced by its own name in <...>, so a line shows which function or queue it draws.
    _dashboard_body(template)  # valid JSON with dummy strings
    text = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    body = json.loads(_PLACEHOLDER.sub(lambda match: f"<{match.group(1)}>", text))
    drawn = {tuple(metric[:4]) for metric in _dashboard_metrics(body) if isinstance(metric[0], str)}
    for function_id in _resources(template, "AWS::Serverless::Function"):
        for name in ("Errors", "Throttles"):
            assert ("AWS/Lambda", name, "FunctionName", f"<{function_id}>") in drawn, (function_id, name)
    queues = set(_resources(template, "AWS::SQS::Queue"))
    assert queues == DEAD_LETTER_QUEUES
    for queue_id in queues:
        metric = ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", f"<{queue_id}.QueueName>")
        assert metric in drawn, queue_id


def _alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rid: res["Properties"] for rid, res in _resources(template, "AWS::CloudWatch::Alarm").items()}


def _alarms_on(template: dict[str, Any], namespace: str, metric: str) -> list[dict[str, Any]]:
    return [
        props
        for props in _alarms(template).values()
        if props.get("Namespace") == namespace and props.get("MetricName") == metric
    ]


def test_every_alarm_notifies_the_alarms_topic(template: dict[str, Any]) -> None:
    alarms = _alarms(template)
    assert alarms
    for alarm_id, props in alarms.items():
        assert props["AlarmActions"] == [{"Ref": "AlarmsTopic"}], alarm_id
        assert props["TreatMissingData"] == "notBreaching", alarm_id
        assert props["EvaluationPeriods"] == 1, alarm_id


def test_every_function_has_an_errors_alarm(template: dict[str, Any]) -> None:
    alarms = _alarms_on(template, "AWS/Lambda", "Errors")
    watched = set()
    for props in alarms:
        [dimension] = props["Dimensions"]
        assert dimension["Name"] == "FunctionName"
        watched.add(dimension["Value"]["Ref"])
        assert props["Statistic"] == "Sum"
        assert props["Period"] == 300
        assert props["Threshold"] == 0
        assert props["ComparisonOperator"] == "GreaterThanThreshold"
    assert watched == set(_resources(template, "AWS::Serverless::Function"))
    assert len(alarms) == len(watched)


def test_every_dlq_has_an_alarm_on_any_message(template: dict[str, Any]) -> None:
    alarms = _alarms_on(template, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    watched = set()
    for props in alarms:
        [dimension] = props["Dimensions"]
        assert dimension["Name"] == "QueueName"
        queue_id, attribute = dimension["Value"]["Fn::GetAtt"]
        assert attribute == "QueueName"
        watched.add(queue_id)
        assert props["Threshold"] == 0
        assert props["ComparisonOperator"] == "GreaterThanThreshold"
        assert props["Period"] <= 300
    assert watched == set(_resources(template, "AWS::SQS::Queue")) == DEAD_LETTER_QUEUES


def test_the_overdue_backlog_alarm_uses_the_threshold_parameter(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["OverdueBacklogThreshold"]
    assert parameter["Type"] == "Number"
    assert parameter["Default"] == 10
    [props] = _alarms_on(template, "Lapor", "BacklogOverdue")
    assert props == template["Resources"]["OverdueBacklogAlarm"]["Properties"]
    assert props["Dimensions"] == [{"Name": "Agency", "Value": "city"}]
    assert props["Statistic"] == "Maximum"
    assert props["Period"] == 86400
    assert props["Threshold"] == {"Ref": "OverdueBacklogThreshold"}
    assert props["ComparisonOperator"] == "GreaterThanThreshold"
    assert props["TreatMissingData"] == "notBreaching"


def test_the_response_time_target_is_a_parameter_the_metrics_and_staff_functions_get(
    template: dict[str, Any],
) -> None:
    parameter = template["Parameters"]["ResponseTimeTargetHk"]
    assert (parameter["Type"], parameter["Default"]) == ("Number", 2)  # the city's "under 2 days"
    assert parameter["MinValue"] > 0
    for function_id in ("MetricsFunction", "StaffFunction"):
        variables = template["Resources"][function_id]["Properties"]["Environment"]["Variables"]
        assert variables["RESPONSE_TIME_TARGET_HK"] == {"Ref": "ResponseTimeTargetHk"}, function_id
    for function_id in set(FUNCTIONS) - {"MetricsFunction", "StaffFunction"}:
        environment = template["Resources"][function_id]["Properties"].get("Environment", {})
        variables = environment.get("Variables", {})
        assert "RESPONSE_TIME_TARGET_HK" not in variables, function_id


def test_the_response_time_target_alarm_watches_the_citys_7_day_mean(template: dict[str, Any]) -> None:
    props = template["Resources"]["ResponseTimeTargetAlarm"]["Properties"]
    queries = {query["Id"]: query for query in props["Metrics"]}
    assert set(queries) == {"total", "samples", "mean"}
    for query_id, metric_name in (("total", "ResponseTimeSumHK"), ("samples", "ResponseTimeN")):
        stat = queries[query_id]["MetricStat"]
        assert stat["Metric"] == {
            "Namespace": "Lapor",
            "MetricName": metric_name,
            "Dimensions": [{"Name": "Agency", "Value": "city"}],
        }
        # One 7-day period, each day's point summed: the longest an alarm may look back.
        assert (stat["Period"], stat["Stat"]) == (604800, "Sum")
        assert queries[query_id]["ReturnData"] is False
    assert queries["mean"]["Expression"] == "IF(samples > 0, total / samples, 0)"
    assert queries["mean"]["ReturnData"] is True
    assert props["EvaluationPeriods"] * 604800 <= 7 * 86400
    # Not under the target misses it (lapor.domain.response_target: a mean under it meets it).
    assert props["Threshold"] == {"Ref": "ResponseTimeTargetHk"}
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert not {"Namespace", "MetricName"} & set(props)  # a metric-math alarm
    from lapor.adapters.cloudwatch_emf import METRIC_NAMES

    assert {"ResponseTimeSumHK", "ResponseTimeN"} <= set(METRIC_NAMES)  # the job emits both
    body = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    assert "${ResponseTimeTargetAlarm.Arn}" in body


def test_the_alarms_topic_can_take_cloudwatchs_messages(template: dict[str, Any]) -> None:
    topic = template["Resources"]["AlarmsTopic"]
    assert topic["Type"] == "AWS::SNS::Topic"
    # Not the AWS managed key: its policy does not let CloudWatch (cloudwatch.amazonaws.com) use it, so every
    # alarm action on an aws/sns topic fails. Only a customer managed key granting CloudWatch would do.
    assert topic["Properties"].get("KmsMasterKeyId") != "alias/aws/sns"


def test_outputs(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    expected = {"ApiUrl", "AppTableName", "IdempotencyTableName", "UserPoolId", "UserPoolClientId"}
    assert expected <= set(outputs)
    assert outputs["UserPoolId"]["Value"] == {"Ref": "UserPool"}
    assert outputs["UserPoolClientId"]["Value"] == {"Ref": "UserPoolClient"}
    assert outputs["AppTableName"]["Value"] == {"Ref": "AppTable"}
    assert outputs["IdempotencyTableName"]["Value"] == {"Ref": "IdempotencyTable"}
    assert outputs["EscalationFunctionName"]["Value"] == {"Ref": "EscalationFunction"}
    assert outputs["EscalationDLQUrl"]["Value"] == {"Ref": "EscalationDLQ"}
    assert outputs["MetricsFunctionName"]["Value"] == {"Ref": "MetricsFunction"}
    assert outputs["MetricsDLQUrl"]["Value"] == {"Ref": "MetricsDLQ"}
    assert outputs["DashboardName"]["Value"] == {"Ref": "Dashboard"}
    assert outputs["AlarmsTopicArn"]["Value"] == {"Ref": "AlarmsTopic"}


def test_the_build_check_looks_at_every_functions_handler(template: dict[str, Any]) -> None:
    from tools.check_build import FUNCTIONS_REQUIRED

    functions = _resources(template, "AWS::Serverless::Function")
    assert set(FUNCTIONS_REQUIRED) == set(functions)
    for function_id, function in functions.items():
        module = function["Properties"]["Handler"].rsplit(".", 1)[0]
        assert FUNCTIONS_REQUIRED[function_id] == (module.replace(".", "/") + ".py",), function_id


# Functions whose trigger invokes them asynchronously and whose failed runs must not vanish: Lambda retries
# a failed asynchronous invocation twice, then drops it unless the function has an on-failure destination.
# (The escalation job needs none: its next run, 15 minutes later, does the same work.)
ON_FAILURE = {
    "NotifyFunction": "NotifyDLQ",
    "DeliveryStatusFunction": "DeliveryStatusDLQ",
    "AttachmentsFunction": "AttachmentsDLQ",
    "MetricsFunction": "MetricsDLQ",
}


@pytest.mark.parametrize(("function_id", "queue_id"), sorted(ON_FAILURE.items()))
def test_a_failed_asynchronous_run_goes_to_the_dlq_with_the_functions_own_role(
    template: dict[str, Any], function_id: str, queue_id: str
) -> None:
    config = template["Resources"][function_id]["Properties"]["EventInvokeConfig"]
    assert config["MaximumRetryAttempts"] == 2
    assert config["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": [queue_id, "Arn"]},
    }
    assert _granted(template, function_id)[_get_att(queue_id, "Arn")] == {"sqs:SendMessage"}


def test_every_api_path_has_its_cors_preflight_on_the_function_that_serves_it(
    template: dict[str, Any],
) -> None:
    """API Gateway picks the resource, then the method: a path without its own OPTIONS answers a browser's
    preflight 404 (API.md "Browsers"). The greedy Open311 resource's ANY covers its OPTIONS."""
    served = {(fid, e["Properties"]["Path"]) for fid, _, e in _api_events(template)}
    greedy = {
        (fid, path) for fid, _, e in _api_events(template) if (path := e["Properties"]["Path"]).endswith("+}")
    }
    preflights = [(fid, e["Properties"]) for fid, _, e in _api_events(template, preflights=True)]
    assert sorted((fid, p["Path"]) for fid, p in preflights) == sorted(served - greedy)
    for _, props in preflights:
        assert "Auth" not in props  # a preflight carries no credentials
        assert props["RestApiId"] == {"Ref": "Api"}


def test_browsers_allowed_origins_reach_the_functions_and_the_gateway_responses(
    template: dict[str, Any],
) -> None:
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    origins = json.dumps(variables["ALLOWED_ORIGINS"])
    assert "AllowedOrigins" in origins
    assert "WebDistribution.DomainName" in origins  # the web app's own origin is always allowed
    responses = template["Resources"]["Api"]["Properties"]["GatewayResponses"]
    for name, response in responses.items():
        headers = response["ResponseParameters"]["Headers"]
        assert headers["Access-Control-Allow-Origin"] == "method.request.header.Origin", name
        assert headers["Access-Control-Expose-Headers"] == "'ETag, Location, Retry-After'", name


def test_the_web_app_is_private_behind_cloudfront_with_security_headers(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    bucket = resources["WebBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    policy = json.dumps(resources["WebBucketPolicy"]["Properties"]["PolicyDocument"])
    assert "cloudfront.amazonaws.com" in policy
    assert "AWS:SourceArn" in policy
    assert '"aws:SecureTransport": "false"' in policy
    config = resources["WebDistribution"]["Properties"]["DistributionConfig"]
    origin = config["Origins"][0]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["Compress"] is True
    headers = resources["WebSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    csp = json.dumps(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp


def test_staff_sign_in_is_the_hosted_ui_with_the_code_flow(template: dict[str, Any]) -> None:
    client = template["Resources"]["UserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False  # a public client: PKCE, no secret in the browser
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert "openid" in client["AllowedOAuthScopes"]
    assert "WebDistribution.DomainName" in json.dumps(client["CallbackURLs"])
    outputs = template["Outputs"]
    assert {"WebUrl", "StaffAuthDomain", "UserPoolClientId", "ApiUrl", "WebBucketName"} <= set(outputs)


def test_the_attachments_bucket_logs_its_requests_to_a_private_expiring_log_bucket(
    template: dict[str, Any],
) -> None:
    logging = template["Resources"]["AttachmentsBucket"]["Properties"]["LoggingConfiguration"]
    assert logging == {"DestinationBucketName": {"Ref": "AccessLogsBucket"}, "LogFilePrefix": "attachments/"}
    logs = template["Resources"]["AccessLogsBucket"]["Properties"]
    assert set(logs["PublicAccessBlockConfiguration"].values()) == {True}
    [rule] = logs["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == {"Ref": "AccessLogRetentionDays"}
    statements = _statements(template["Resources"]["AccessLogsBucketPolicy"]["Properties"]["PolicyDocument"])
    [delivery] = [st for st in statements if st["Effect"] == "Allow"]  # S3's log delivery, and nobody else
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Action"] == "s3:PutObject"
    assert delivery["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnLike": {"aws:SourceArn": _get_att_node("AttachmentsBucket", "Arn")},
    }
