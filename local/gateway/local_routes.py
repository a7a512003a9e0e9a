"""The routes only the local stack has (API.md, "Local stack only"), answered by the gateway itself."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from local.gateway.authorizer import AGENCY_ROLES, ROLES, issue_token
from local.gateway.errors import FieldError, GatewayError
from local.gateway.http_types import IncomingRequest, OutgoingResponse, json_response
from local.gateway.swagger_ui import DOCS_PREFIX, OPENAPI_URL, docs_response
from local.lambdas.runtime import FunctionRegistry
from local.memory_logs import dead_letters, outbox
from local.scheduler.jobs import JobRunner, find_schedule, scheduled_event
from local.template import ScheduleSpec

TOKEN_PATH = "/_local/token"  # noqa: S105 - a route
JOBS_PREFIX = "/_local/jobs/"
OUTBOX_PATH = "/_local/outbox"
DEAD_LETTERS_PATH = "/_local/dead-letters"
KNOWN_JOBS = frozenset({"escalation", "metrics"})

_ROLE_INVALID = FieldError(
    "role",
    "Peran harus salah satu dari: " + ", ".join(ROLES) + ".",
    "Role must be one of: " + ", ".join(ROLES) + ".",
)
_AGENCY_REQUIRED = FieldError(
    "agency_id",
    "agency_id wajib diisi untuk peran operator dan official.",
    "agency_id is required for the operator and official roles.",
)


_EVENT_INVALID = FieldError(
    "body",
    "Isi permintaan harus berupa objek JSON (event terjadwal), atau kosong.",
    "The body must be a JSON object (a scheduled event), or empty.",
)


def _not_a_string(field: str) -> FieldError:
    return FieldError(field, f"{field} harus berupa teks.", f"{field} must be text.")


def _json_body(request: IncomingRequest) -> Any:
    if not request.body.strip():
        return None
    try:
        return json.loads(request.body)
    except ValueError:
        raise GatewayError(400, "malformed_json") from None


class LocalRoutes:
    def __init__(
        self,
        secret: str,
        functions: FunctionRegistry,
        schedules: list[ScheduleSpec],
        openapi_path: Path,
        settle: Callable[[], None] = lambda: None,
        roster_table: str | None = None,
    ) -> None:
        self._secret = secret
        self._roster_table = roster_table  # where the officer roster is (API.md: an inactive sub is refused)
        self._jobs = JobRunner(functions, settle)
        self._schedules = schedules
        self._openapi_path = openapi_path

    def handle(self, request: IncomingRequest) -> OutgoingResponse | None:
        """The answer to a local-only route, or None when the request is for the API."""
        method, path = request.method.upper(), request.path
        if method == "POST" and path == TOKEN_PATH:
            return self._token(request)
        if method == "POST" and path.startswith(JOBS_PREFIX):
            return self._job(request, path.removeprefix(JOBS_PREFIX))
        if method == "GET" and path in (OUTBOX_PATH, DEAD_LETTERS_PATH):
            kept = outbox.items() if path == OUTBOX_PATH else dead_letters.items()
            return json_response(200, {"items": kept})
        if method == "GET" and path == OPENAPI_URL:
            return self._openapi()
        if method == "GET" and (path == DOCS_PREFIX or path.startswith(DOCS_PREFIX + "/")):
            return self._docs(path)
        return None

    def _token(self, request: IncomingRequest) -> OutgoingResponse:
        body = _json_body(request)
        if not isinstance(body, dict):
            raise GatewayError(422, "validation_error", [_ROLE_INVALID])
        errors: list[FieldError] = []
        role = body.get("role")
        if role not in ROLES:
            errors.append(_ROLE_INVALID)
        agency_id = body.get("agency_id")
        if agency_id is not None and not isinstance(agency_id, str):
            errors.append(_not_a_string("agency_id"))
        elif role in AGENCY_ROLES and not agency_id:
            errors.append(_AGENCY_REQUIRED)
        sub = body.get("sub")
        if sub is not None and not isinstance(sub, str):
            errors.append(_not_a_string("sub"))
        if errors:
            raise GatewayError(422, "validation_error", errors)
        if sub and self._inactive(sub):
            raise GatewayError(401, "unauthorized")  # as Cognito refuses a disabled user's sign-in
        token = issue_token(self._secret, str(role), agency_id=agency_id or None, sub=sub or None)
        return json_response(200, {"token": token}, [("Cache-Control", "no-store")])  # a token: API.md

    def _inactive(self, sub: str) -> bool:
        """Whether the roster marks this officer inactive (a sub not on the roster is still accepted)."""
        if self._roster_table is None:
            return False
        import boto3  # the embedded DynamoDB: the stack has pointed the SDK at it

        from lapor.adapters.dynamodb.roster import OFFICER_PREFIX, ROSTER_PK

        item = (
            boto3.client("dynamodb")
            .get_item(
                TableName=self._roster_table,
                Key={"pk": {"S": ROSTER_PK}, "sk": {"S": f"{OFFICER_PREFIX}{sub}"}},
                ProjectionExpression="active",
            )
            .get("Item")
        )
        return item is not None and item.get("active") == {"BOOL": False}

    def _job(self, request: IncomingRequest, job_name: str) -> OutgoingResponse:
        """Run a scheduled job now; 200 with its result once it and its consequences have run."""
        schedule = find_schedule(self._schedules, job_name)
        if schedule is None or not self._jobs.written(schedule):
            if schedule is not None or job_name.lower() in KNOWN_JOBS:
                raise GatewayError(501, "not_implemented")
            raise GatewayError(404, "not_found")
        posted = _json_body(request)
        if posted is not None and not isinstance(posted, dict):
            raise GatewayError(422, "validation_error", [_EVENT_INVALID])
        result = self._jobs.run(schedule, scheduled_event(schedule, posted))
        return json_response(200, result)

    @staticmethod
    def _docs(path: str) -> OutgoingResponse:
        response = docs_response(path)
        if response is None:
            raise GatewayError(404, "not_found")
        return response

    def _openapi(self) -> OutgoingResponse:
        if not self._openapi_path.is_file():
            raise GatewayError(404, "not_found")
        return OutgoingResponse(200, [("Content-Type", "application/json")], self._openapi_path.read_bytes())
