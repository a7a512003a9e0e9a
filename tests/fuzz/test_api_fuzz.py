"""Schemathesis against the committed OpenAPI document, over HTTP, on the local stack.

Every operation of `docs/openapi.json` is fuzzed with valid and invalid data (`mode = all`): the public and
reporter operations without credentials, the staff ones once per role (coordinator; operator and official of
Dishub; leadership; and with no token). Each answer must not be a server error, must have a documented status
code and content type, must match its documented schema, and invalid data must be refused.

The fuzzer is pointed at real data: before it runs, reports are filed in several states and a metrics day is
computed, and their ids, the reporters' tokens, that date, the agencies and the categories are fuzz
dictionaries that generated values are sometimes drawn from.

`make test` runs a bounded, deterministic run; `make fuzz` a long one (`LAPOR_FUZZ_EXAMPLES`,
`LAPOR_FUZZ_COVERAGE`, `LAPOR_FUZZ_ROLES`, `LAPOR_FUZZ_SEED`, `LAPOR_FUZZ_SHRINK`: see `conftest.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from schemathesis import Case, Config
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

if TYPE_CHECKING:
    from tests.fuzz.conftest import FuzzFigures, FuzzSettings, Seeded

pytestmark = pytest.mark.e2e

AnyCase = Case[Any]  # a case of any operation of the document

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
STAFF_PATHS = r"^/staff/"
REQUEST_TIMEOUT_SECONDS = 30
CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# How often a generated value is replaced by a value from the stack's data.
REAL_DATA_PROBABILITY = 0.5
# Schemathesis's default answers that count as refusing invalid data, and 413: an invalid body can also be an
# oversized one (201 routing rules of long names), and a 413 refuses it as surely as a 422 would.
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]


def schemathesis_config(stack: str, settings: FuzzSettings, seeded: Seeded) -> Config:
    data: dict[str, Any] = {
        "seed": settings.seed,
        "base-url": stack,
        "generation": {
            "mode": "all",
            "max-examples": settings.max_examples,
            "deterministic": True,
            "database": "none",
            "no-shrink": not settings.shrink,
        },
        "checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}},
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": settings.coverage},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "dictionaries": {
            "report_ids": {"values": seeded.report_ids},
            "report_tokens": {"values": seeded.tokens},
            "metric_dates": {"values": seeded.metric_dates},
            "agency_ids": {"values": seeded.agency_ids},
            "category_codes": {"values": seeded.category_codes},
        },
        "parameters": {
            key: {"dictionary": dictionary, "probability": REAL_DATA_PROBABILITY}
            for key, dictionary in (
                ("path.id", "report_ids"),
                ("header.x-report-token", "report_tokens"),
                ("path.date", "metric_dates"),
                ("query.agency_id", "agency_ids"),
                ("query.category", "category_codes"),
                ("body.agency_id", "agency_ids"),
                ("body.category", "category_codes"),
                ("body.rules[*].agency_id", "agency_ids"),
                ("body.rules[*].category", "category_codes"),
            )
        },
    }
    return Config.from_dict(data)


@pytest.fixture(scope="module")
def api_schema(stack: str, fuzz_settings: FuzzSettings, seeded: Seeded) -> BaseSchema:
    """The committed document, aimed at the stack, with the run's settings and the stack's data."""
    return schemathesis.openapi.from_path(OPENAPI, config=schemathesis_config(stack, fuzz_settings, seeded))


def send(case: AnyCase, who: str, headers: dict[str, str], figures: FuzzFigures) -> None:
    """Send one generated request and run the checks on its answer, keeping the figures."""
    label = case.operation.label
    try:
        response = case.call(headers=headers or None, timeout=REQUEST_TIMEOUT_SECONDS)
        figures.sent(label, who, response.status_code, response.elapsed)
        case.validate_response(response, checks=CHECKS, headers=headers or None)
    except (Exception, BaseExceptionGroup) as error:  # Schemathesis's FailureGroup is a BaseExceptionGroup
        figures.failed(label, who, error)
        raise


public = schemathesis.pytest.from_fixture("api_schema").exclude(path_regex=STAFF_PATHS)
staff = schemathesis.pytest.from_fixture("api_schema").include(path_regex=STAFF_PATHS)


@public.parametrize()
def test_public_and_reporter_operations(case: AnyCase, fuzz_figures: FuzzFigures) -> None:
    send(case, "public", {}, fuzz_figures)


@staff.parametrize()
@pytest.mark.usefixtures("staff_headers")
def test_staff_operations(
    case: AnyCase, staff_headers: tuple[str, dict[str, str]], fuzz_figures: FuzzFigures
) -> None:
    who, headers = staff_headers
    send(case, who, headers, fuzz_figures)
