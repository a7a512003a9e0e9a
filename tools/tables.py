"""The DynamoDB tables of `template.yaml`, as `create_table` arguments: the integration tests, the benchmarks
and the local stack all create their tables with `create_tables`, so none can drift from what is deployed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.cfn_yaml import load_template

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "template.yaml"
TABLE_TYPE = "AWS::DynamoDB::Table"


@dataclass(frozen=True)
class TableSpec:
    """One DynamoDB table: boto3 `create_table` arguments and, separately, its TTL attribute."""

    logical_id: str
    create_kwargs: dict[str, Any]
    ttl_attribute: str | None


def table_specs(document: Mapping[str, Any]) -> list[TableSpec]:
    """Every table of a parsed template, named by its logical id (as the local stack names them)."""
    resources: Mapping[str, Any] = document.get("Resources") or {}
    return [
        _table_spec(logical_id, resource.get("Properties") or {})
        for logical_id, resource in resources.items()
        if resource.get("Type") == TABLE_TYPE
    ]


def create_tables(client: DynamoDBClient, specs: Iterable[TableSpec] | None = None) -> list[str]:
    """Create every table (of template.yaml unless `specs` are given), with its indexes, stream and TTL;
    returns their names."""
    names: list[str] = []
    for table in specs if specs is not None else table_specs(load_template(TEMPLATE_PATH)):
        client.create_table(**table.create_kwargs)
        if table.ttl_attribute:
            client.update_time_to_live(
                TableName=table.logical_id,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )
        names.append(table.logical_id)
    return names


def _table_spec(logical_id: str, properties: Mapping[str, Any]) -> TableSpec:
    kwargs: dict[str, Any] = {
        "TableName": logical_id,
        "KeySchema": _key_schema(properties["KeySchema"]),
        "AttributeDefinitions": [
            {"AttributeName": str(item["AttributeName"]), "AttributeType": str(item["AttributeType"])}
            for item in properties["AttributeDefinitions"]
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    for template_key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if indexes := properties.get(template_key):
            kwargs[template_key] = [
                {
                    "IndexName": str(index["IndexName"]),
                    "KeySchema": _key_schema(index["KeySchema"]),
                    "Projection": _projection(index.get("Projection") or {}),
                }
                for index in indexes
            ]
    stream = properties.get("StreamSpecification")
    if stream and stream.get("StreamViewType"):
        kwargs["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": str(stream["StreamViewType"]),
        }
    ttl = properties.get("TimeToLiveSpecification") or {}
    ttl_attribute = str(ttl["AttributeName"]) if ttl.get("Enabled") and ttl.get("AttributeName") else None
    return TableSpec(logical_id=logical_id, create_kwargs=kwargs, ttl_attribute=ttl_attribute)


def _key_schema(items: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [{"AttributeName": str(item["AttributeName"]), "KeyType": str(item["KeyType"])} for item in items]


def _projection(projection: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"ProjectionType": str(projection.get("ProjectionType", "ALL"))}
    if projection.get("NonKeyAttributes"):
        result["NonKeyAttributes"] = [str(name) for name in projection["NonKeyAttributes"]]
    return result
