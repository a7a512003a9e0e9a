"""The local stack runs every function in one process: each sees its own settings, whichever ran first.

`lapor.settings.settings()` is cached for the process, as in a Lambda container, which runs one function.
Locally, before each function read them anew, the first function's settings served all: a staff read before
any filing left the intake function without its idempotency table (500 on a keyed filing) and the stream
consumer without its bus.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lapor.settings import settings
from local.lambdas.runtime import FunctionRegistry
from local.template import load_template
from tests.integration.conftest import process_state_kept

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  First:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: standin_settings.handler.lambda_handler
      Environment: {Variables: {TABLE_NAME: AppTable}}
  Second:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: standin_settings.handler.lambda_handler
      Environment:
        Variables: {TABLE_NAME: AppTable, EVENT_BUS_NAME: lapor-bus, IDEMPOTENCY_TABLE_NAME: Keys}
"""

HANDLER = """
from lapor.settings import settings


def lambda_handler(event, context):
    found = settings()
    return {"bus": found.event_bus_name, "idempotency": found.idempotency_table_name}
"""


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FunctionRegistry]:
    package = tmp_path / "fn" / "standin_settings"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "handler.py").write_text(HANDLER)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    template = load_template(tmp_path / "template.yaml")
    with process_state_kept("standin_settings"):
        for name in ("EVENT_BUS_NAME", "IDEMPOTENCY_TABLE_NAME"):  # the other tests' environment
            monkeypatch.delenv(name, raising=False)
        settings.cache_clear()
        yield FunctionRegistry(template.functions(), {})
        settings.cache_clear()


def test_a_function_does_not_inherit_the_settings_of_the_one_before(registry: FunctionRegistry) -> None:
    assert registry["First"].invoke({}) == {"bus": None, "idempotency": None}
    assert registry["Second"].invoke({}) == {"bus": "lapor-bus", "idempotency": "Keys"}
    assert registry["Second"].invoke({}) == {"bus": "lapor-bus", "idempotency": "Keys"}
