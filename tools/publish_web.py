"""Publish the web app to a deployed stack: its files, without the local stack's role picker, and the
`config.json` made from the stack's outputs, to the web bucket; then a CloudFront invalidation.

    python -m tools.publish_web --stack lapor [--tile-url https://tiles.example/{z}/{x}/{y}.png]

`deployable_files` is the deployed build: every file under `web/` except the local sign-in (the picker that
calls `POST /_local/token`, which does not exist in AWS) and the vendored packages' licences stay too.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import time
from pathlib import Path

from tools.web_config import deployed_config, stack_outputs

REPO_ROOT = Path(__file__).resolve().parents[1]
WEB_ROOT = REPO_ROOT / "web"
LOCAL_ONLY = frozenset({"js/staff/local-signin.js"})
IMMUTABLE_PREFIX = "vendor/"


def deployable_files(root: Path = WEB_ROOT) -> dict[str, Path]:
    """Key in the bucket -> file, for every file of the deployed build."""
    files = {}
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        if path.is_file() and key not in LOCAL_ONLY and not any(p.startswith(".") for p in key.split("/")):
            files[key] = path
    return files


def content_type(key: str) -> str:
    guessed = mimetypes.guess_type(key)[0] or "application/octet-stream"
    if guessed.startswith("text/") or guessed in ("application/javascript", "application/json"):
        return guessed + "; charset=utf-8"
    return guessed


def cache_control(key: str) -> str:
    return "public, max-age=86400" if key.startswith(IMMUTABLE_PREFIX) else "no-cache"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--tile-url", default=None)
    arguments = parser.parse_args()

    import boto3

    outputs = stack_outputs(arguments.stack)
    config = deployed_config(outputs, arguments.tile_url)
    s3 = boto3.client("s3")
    bucket = outputs["WebBucketName"]
    for key, path in deployable_files().items():
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=path.read_bytes(),
            ContentType=content_type(key),
            CacheControl=cache_control(key),
        )
    s3.put_object(
        Bucket=bucket,
        Key="config.json",
        Body=json.dumps(config, ensure_ascii=False).encode(),
        ContentType="application/json; charset=utf-8",
        CacheControl="no-cache",
    )
    boto3.client("cloudfront").create_invalidation(
        DistributionId=outputs["WebDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": str(time.time())},
    )
    print(f"publish_web: {outputs['WebUrl']} (bucket {bucket})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
