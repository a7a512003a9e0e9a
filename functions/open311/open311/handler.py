"""The Open311 function: GeoReport v2 under `/open311/v2/` (`open311.georeport`, the specification's own
error format, no authorizer: filing checks its `api_key`). The coordinator issues the keys through the staff
API (`/staff/open311/keys`)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lapor.observability import instrument
from open311.georeport import answer


def route(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return answer(event)


lambda_handler = instrument(route)
