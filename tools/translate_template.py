"""Transform the SAM template into plain CloudFormation, offline, as CloudFormation's SAM transform would.

    .venv-sam/bin/python -m tools.translate_template template.yaml

Runs in the tools environment (.venv-sam, which has aws-sam-translator). Makes no AWS call: the managed-policy
map is static (empty; the template names no managed policy by name), parameter values come from the template's
defaults (``--parameter Name=Value`` overrides one), and the region is fixed unless given. Prints a one-line
summary of the resulting resources, or the transform's error and exits 1.
"""

from __future__ import annotations

import argparse
import copy
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from tools.cfn_yaml import load_template

DEFAULT_REGION = "ap-southeast-3"  # Jakarta


# Local code locations, which `sam package` replaces with S3 ones before CloudFormation's transform sees them.
_LOCAL_CODE_PROPERTIES = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
}
PLACEHOLDER_BUCKET = "lapor-artifacts-placeholder"


def package_placeholders(template: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``template`` with its local code paths as placeholder S3 objects (as `sam package` does)."""
    packaged = copy.deepcopy(template)
    for resource in packaged.get("Resources", {}).values():
        prop = _LOCAL_CODE_PROPERTIES.get(str(resource.get("Type")))
        properties = resource.get("Properties") or {}
        location = properties.get(prop) if prop else None
        if prop and isinstance(location, str) and not location.startswith("s3://"):
            properties[prop] = f"s3://{PLACEHOLDER_BUCKET}/{location.strip('/') or 'root'}.zip"
    return packaged


def translate(template: dict[str, Any], parameters: dict[str, str], region: str) -> dict[str, Any]:
    """The CloudFormation template the SAM transform makes of ``template``; raises on a transform error."""
    import boto3
    from samtranslator.parser.parser import Parser  # type: ignore[import-not-found, unused-ignore]
    from samtranslator.translator.translator import Translator  # type: ignore[import-not-found, unused-ignore]

    # A session with a fixed region and no credentials: the translator reads only the region (for the ARN
    # partition and pseudo parameters) from it; nothing here talks to AWS.
    session = boto3.session.Session(region_name=region)
    translator = Translator(managed_policy_map={}, sam_parser=Parser(), boto_session=session)
    result: dict[str, Any] = translator.translate(
        sam_template=package_placeholders(template),
        parameter_values=dict(parameters),
        get_managed_policy_map=lambda: {},
    )
    return result


def summary(transformed: dict[str, Any]) -> str:
    resources: dict[str, Any] = transformed.get("Resources", {})
    counts = Counter(str(resource.get("Type", "?")) for resource in resources.values())
    parts = ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items()))
    return f"SAM transform OK: {len(resources)} resources ({parts})"


def _parse_parameters(values: list[str]) -> dict[str, str]:
    parameters: dict[str, str] = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name:
            raise SystemExit(f"--parameter expects Name=Value, got {value!r}")
        parameters[name] = setting
    return parameters


def check_parameters(template: dict[str, Any], parameters: dict[str, str]) -> None:
    """Refuse an override of a parameter the template does not declare, or a value it does not allow."""
    declared: dict[str, Any] = template.get("Parameters", {})
    for name, value in parameters.items():
        if name not in declared:
            raise ValueError(f"parameter {name!r} is not declared in the template")
        allowed = declared[name].get("AllowedValues")
        if allowed is not None and value not in [str(choice) for choice in allowed]:
            raise ValueError(f"parameter {name}={value!r} is not one of {allowed}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("template", type=Path, help="the SAM template (template.yaml)")
    parser.add_argument(
        "--parameter", action="append", default=[], metavar="NAME=VALUE", help="override a parameter default"
    )
    parser.add_argument(
        "--region", default=DEFAULT_REGION, help=f"region to translate for ({DEFAULT_REGION})"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # the translator logs feature-toggle notes at WARNING

    try:
        template = load_template(args.template)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        print(f"cannot read {args.template}: {exc}", file=sys.stderr)
        return 1
    parameters = _parse_parameters(args.parameter)
    try:
        check_parameters(template, parameters)
    except ValueError as exc:
        print(f"{args.template}: {exc}", file=sys.stderr)
        return 1
    try:
        transformed = translate(template, parameters, args.region)
    except Exception as exc:  # the translator raises its own exception types, with the causes inside
        causes = getattr(exc, "causes", None) or [exc]
        print(f"SAM transform of {args.template} failed:", file=sys.stderr)
        for cause in causes:
            print(f"  - {getattr(cause, 'message', cause)}", file=sys.stderr)
        return 1
    print(summary(transformed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
