"""Each function's IAM actions are a subset of what its code calls.

The code a function can run is its handler package plus every `lapor` module reachable through its imports
(read with `ast`, not imported). The SDK operations that code names (`client.query(...)`,
`self._call("update_item", ...)`, the item kinds of a `transact_write_items`, Powertools' idempotency
layer) map to IAM actions; the function's role may allow no action outside that set, apart from the
platform's own (logs, X-Ray, the stream reads that Lambda's event source mapping makes with the role).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_template import _as_list, _resources, _role_id, _role_permissions
from tools.cfn_yaml import load_template

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / "shared"

# SDK method -> IAM action.
SDK_ACTIONS = {
    "query": "dynamodb:Query",
    "get_item": "dynamodb:GetItem",
    "put_item": "dynamodb:PutItem",
    "update_item": "dynamodb:UpdateItem",
    "delete_item": "dynamodb:DeleteItem",
    "put_events": "events:PutEvents",
    "publish": "sns:Publish",
    "send_email": "ses:SendEmail",
    "send_text_message": "sms-voice:SendTextMessage",
    "get_secret_value": "secretsmanager:GetSecretValue",
    "encrypt": "kms:Encrypt",
    "admin_create_user": "cognito-idp:AdminCreateUser",
    "admin_add_user_to_group": "cognito-idp:AdminAddUserToGroup",
    "admin_remove_user_from_group": "cognito-idp:AdminRemoveUserFromGroup",
    "admin_update_user_attributes": "cognito-idp:AdminUpdateUserAttributes",
    "admin_delete_user_attributes": "cognito-idp:AdminDeleteUserAttributes",
    "admin_disable_user": "cognito-idp:AdminDisableUser",
    "admin_enable_user": "cognito-idp:AdminEnableUser",
    "admin_user_global_sign_out": "cognito-idp:AdminUserGlobalSignOut",
    "decrypt": "kms:Decrypt",
    "get_object": "s3:GetObject",
    "put_object": "s3:PutObject",
    "delete_object": "s3:DeleteObject",
    # Presigned forms and links are signed in the function; S3 checks the signer's permission on use.
    "generate_presigned_post": "s3:PutObject",
    "generate_presigned_url": "s3:GetObject",
}
# A transaction is authorized per item: the item kinds the module writes.
TRANSACTION_ITEMS = {
    '"Put"': "dynamodb:PutItem",
    '"Update"': "dynamodb:UpdateItem",
    '"Delete"': "dynamodb:DeleteItem",
    '"ConditionCheck"': "dynamodb:ConditionCheckItem",
}
# Powertools' DynamoDBPersistenceLayer: claim, read back, store the answer, release.
IDEMPOTENCY_ACTIONS = {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
# What the platform does with the role, not the function's code.
PLATFORM_ACTIONS = {
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
    "sqs:SendMessage",  # Lambda's on-failure destination, sent by the event source mapping
}


def _module_path(name: str) -> Path | None:
    parts = name.split(".")
    roots = [SHARED, *sorted((ROOT / "functions").iterdir())]
    for root in roots:
        candidate = root.joinpath(*parts)
        if candidate.with_suffix(".py").exists():
            return candidate.with_suffix(".py")
        if (candidate / "__init__.py").exists():
            return candidate / "__init__.py"
    return None


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:` (imports for annotations only; never run)."""
    skipped = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    return [node for node in ast.walk(tree) if id(node) not in skipped]


def _imports(tree: ast.AST, package: str) -> set[str]:
    names: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {n for n in names if n.split(".")[0] in ("lapor", package)}


WIRING = "lapor.wiring"


def _wiring_names(tree: ast.AST) -> set[str]:
    """The builders of `lapor.wiring` a module uses: `from lapor.wiring import x`, or `wiring.x` after
    `from lapor import wiring`."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == WIRING:
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Attribute) and ast.unparse(node.value) == "wiring":
            names.add(node.attr)
    return names


def _wiring_part(source: str, used: set[str]) -> str:
    """What a function can run of `lapor.wiring`: its module-level statements and the builders it uses,
    with the builders those call or pass on (each builder imports its adapters inside itself)."""
    tree = ast.parse(source)
    builders = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    wanted, todo = set(), [name for name in used if name in builders]
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        wanted.add(name)
        # The builders it calls, or passes on to be called later (`vault=nik_vault`).
        names = {n.id for n in ast.walk(builders[name]) if isinstance(n, ast.Name)}
        todo.extend(n for n in names if n in builders)
    kept = [n for n in tree.body if not isinstance(n, ast.FunctionDef) or n.name in wanted]
    return ast.unparse(ast.Module(body=kept, type_ignores=[]))


def reachable_sources(handler: str) -> dict[str, str]:
    """Module name -> source of every module the handler's package can reach through imports.

    `lapor.wiring` builds every function's services; a function reaches only the builders it calls."""
    package = handler.split(".", maxsplit=1)[0]
    used: set[str] = set()
    while True:
        seen: dict[str, str] = {}
        todo = [handler.rsplit(".", 1)[0]]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            path = _module_path(name)
            if path is None:
                continue
            source = path.read_text(encoding="utf-8")
            if name == WIRING:
                source = _wiring_part(source, used)
            seen[name] = source
            tree = ast.parse(source)
            used |= _wiring_names(tree)
            todo.extend(_imports(tree, package))
        if WIRING not in seen or seen[WIRING] == _wiring_part(_module_path(WIRING).read_text("utf-8"), used):  # type: ignore[union-attr]
            return seen


REPOSITORY = "lapor.adapters.dynamodb.repository"


def _direct_actions(node: ast.AST) -> set[str]:
    """The SDK calls and transaction item kinds written in one piece of code."""
    actions: set[str] = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute):
            method, receiver = inner.func.attr, ast.unparse(inner.func.value)
            if method in SDK_ACTIONS and "client" in receiver:  # an SDK client's method, not a port's
                actions.add(SDK_ACTIONS[method])
            # The repository's own calls: `_call` and `_conditional` (a conditional write) name the operation.
            if method in ("_call", "_conditional") and inner.args and isinstance(inner.args[0], ast.Constant):
                actions.add(SDK_ACTIONS[str(inner.args[0].value)])
        if isinstance(inner, ast.Dict):
            for key in inner.keys:
                if isinstance(key, ast.Constant) and f'"{key.value}"' in TRANSACTION_ITEMS:
                    actions.add(TRANSACTION_ITEMS[f'"{key.value}"'])
    return actions


def _repository_methods(source: str) -> dict[str, tuple[set[str], set[str]]]:
    """Method -> (its own SDK actions, the methods of the class it calls)."""
    methods: dict[str, tuple[set[str], set[str]]] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    called = {
                        c.func.attr
                        for c in ast.walk(item)
                        if isinstance(c, ast.Call)
                        and isinstance(c.func, ast.Attribute)
                        and ast.unparse(c.func.value) == "self"
                    }
                    methods[item.name] = (_direct_actions(item), called)
    return methods


def code_actions(sources: dict[str, str]) -> set[str]:
    """What the code can call: SDK calls outside the repository, and the repository methods it uses."""
    actions: set[str] = set()
    used: set[str] = set()
    methods = _repository_methods(sources[REPOSITORY]) if REPOSITORY in sources else {}
    for name, source in sources.items():
        if name == REPOSITORY:
            continue
        tree = ast.parse(source)
        actions |= _direct_actions(tree)
        used |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in methods}
        if "DynamoDBPersistenceLayer" in source:
            actions.update(IDEMPOTENCY_ACTIONS)
    todo = list(used)
    while todo:
        method = todo.pop()
        own, called = methods[method]
        actions |= own
        todo.extend(c for c in called if c in methods and c not in used)
        used |= called & set(methods)
    return actions


def granted_actions(template: dict[str, Any], function_id: str) -> set[str]:
    role = template["Resources"][_role_id(template["Resources"][function_id])]
    return {action for statement, _ in _role_permissions(role) for action in _as_list(statement["Action"])}


TEMPLATE = load_template(ROOT / "template.yaml")
FUNCTIONS = sorted(_resources(TEMPLATE, "AWS::Serverless::Function"))


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_a_roles_actions_are_a_subset_of_what_its_code_calls(function_id: str) -> None:
    handler = TEMPLATE["Resources"][function_id]["Properties"]["Handler"]
    sources = reachable_sources(handler)
    assert handler.rsplit(".", 1)[0] in sources, f"{handler} not found"
    called = code_actions(sources)
    extra = granted_actions(TEMPLATE, function_id) - called - PLATFORM_ACTIONS
    assert not extra, f"{function_id} is granted {sorted(extra)} that its code never calls"


def test_the_analysis_sees_the_calls_it_should() -> None:
    """The check can fail: intake's code reaches queries, transactional puts, the idempotency layer."""
    intake = code_actions(reachable_sources("intake.handler.lambda_handler"))
    assert {"dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "events:PutEvents"} <= intake
    assert "sns:Publish" not in intake
    notify = code_actions(reachable_sources("notify.handler.lambda_handler"))
    assert "sns:Publish" in notify
    metrics = code_actions(reachable_sources("metrics.handler.lambda_handler"))
    assert (
        "dynamodb:DeleteItem" not in metrics
    )  # the repository can delete (routing rules); metrics never does
    staff = code_actions(reachable_sources("staff.handler.lambda_handler"))
    assert "dynamodb:DeleteItem" in staff
    assert {"s3:PutObject", "s3:GetObject"} <= staff  # presigned upload forms and download links
    # lapor.wiring builds every function's services: a function reaches only the builders it calls.
    assert "lapor.services.open311" not in reachable_sources("staff.handler.lambda_handler")
    assert "lapor.services.casework" not in reachable_sources("open311.handler.lambda_handler")
    scrubber = code_actions(reachable_sources("attachments.handler.lambda_handler"))
    assert {
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
    } <= scrubber
    assert json.dumps(sorted(PLATFORM_ACTIONS))
