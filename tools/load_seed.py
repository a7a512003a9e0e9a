"""Load the seed catalog (agencies, categories, kecamatan) into a deployed stack's application table.

    python -m tools.load_seed --stack lapor [--region ap-southeast-3] [--seed seed/sukabumi.json]
    python -m tools.load_seed --table lapor-AppTable-XYZ

With ``--stack`` the table name is read from the stack's ``AppTableName`` output. The items are exactly those
the local stack loads (``lapor.seed.seed_items``); writing them again overwrites them with the seed's values.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from lapor.seed import load_seed, seed_items

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

DEFAULT_SEED = "seed/sukabumi.json"
TABLE_OUTPUT = "AppTableName"


class SeedError(Exception):
    """A problem the operator can fix (no such stack, no such output)."""


def table_name_from_stack(session: boto3.session.Session, stack_name: str) -> str:
    """The value of the stack's ``AppTableName`` output."""
    cloudformation = session.client("cloudformation")
    stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    if not stacks:
        raise SeedError(f"stack {stack_name!r} not found")
    for output in stacks[0].get("Outputs", []):
        if output.get("OutputKey") == TABLE_OUTPUT and output.get("OutputValue"):
            return str(output["OutputValue"])
    raise SeedError(f"stack {stack_name!r} has no {TABLE_OUTPUT} output")


def write_items(table: Table, items: Iterable[dict[str, Any]]) -> int:
    """Write ``items`` with a batch writer (25 a request, unprocessed items retried); the count written."""
    count = 0
    with table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
        for item in items:
            batch.put_item(Item=item)
            count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load the seed catalog into a deployed stack's table.")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", help="CloudFormation stack name (reads its AppTableName output)")
    target.add_argument("--table", help="application table name, instead of --stack")
    parser.add_argument("--region", default=None, help="AWS region (default: the SDK's configuration)")
    parser.add_argument("--seed", default=DEFAULT_SEED, help=f"seed file (default {DEFAULT_SEED})")
    args = parser.parse_args(argv)

    try:
        items = seed_items(load_seed(args.seed))
    except (OSError, ValueError, KeyError) as exc:
        print(f"load_seed: cannot read {args.seed}: {exc}", file=sys.stderr)
        return 1

    session = boto3.session.Session(region_name=args.region)
    try:
        table_name: str = args.table or table_name_from_stack(session, args.stack)
        table = session.resource("dynamodb").Table(table_name)
        written = write_items(table, items)
    except SeedError as exc:
        print(f"load_seed: {exc}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as exc:
        print(f"load_seed: {exc}", file=sys.stderr)
        return 1
    print(f"load_seed: wrote {written} items from {args.seed} to table {table_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
