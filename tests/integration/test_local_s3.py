"""The local stack's S3: presigned browser uploads checked against their POST policy as S3 checks them, the
bucket's "Object Created" event through the template's rule before the answer, presigned downloads.

One in-memory stack for the module, its gateway listening on a free port of 127.0.0.1, on a small template:
template.yaml's own `AppTable`, `AttachmentsBucket` and S3 upload rule (pattern, retries), with stand-in
functions written into a tmp folder: `Presigner` makes forms and links from its environment as the
functions do, `Scrubber` (on the upload rule) reads the upload, writes `clean/...` and deletes it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import boto3
import pytest
import requests
from aws_lambda_powertools.utilities.data_classes import S3EventBridgeNotificationEvent
from botocore.config import Config
from botocore.exceptions import ClientError

from local.aws.environment import ACCOUNT_ID, DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY, REGION
from local.aws.s3.endpoint import MAX_UPLOAD_BODY_BYTES, S3_PREFIX
from local.gateway.server import build_gateway, make_gateway_server
from local.lambdas.triggers import read_triggers
from local.memory_logs import dead_letters
from local.paths import TEMPLATE_PATH
from local.stack import PUBLIC_ENDPOINT_VARIABLE, LocalBackend
from local.template import Template, load_template
from tests.integration.conftest import process_state_kept, reset_moto
from tests.integration.standin_records import RECEIVED

STANDIN_PACKAGE = "standin_s3"
BUCKET = "lapor-local-attachmentsbucket"
JPEG = b"\xff\xd8\xff\xe0 a small picture"

STANDIN_HANDLERS = """
import json
import os

import boto3
from botocore.config import Config

from tests.integration.standin_records import RECEIVED
_clients = {}


def _s3():
    if "s3" not in _clients:
        _clients["s3"] = boto3.client("s3")
    return _clients["s3"]


def _signing_client():
    # As the functions' S3 adapter builds it: only presigning goes to the public endpoint.
    return boto3.client(
        "s3",
        endpoint_url=os.environ["ATTACHMENTS_PUBLIC_ENDPOINT"],
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def presign(event, context):
    body = json.loads(event["body"] or "{}")
    bucket = os.environ["ATTACHMENTS_BUCKET"]
    if event["path"] == "/link":
        url = _signing_client().generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": body["key"]}, ExpiresIn=300
        )
        return {"statusCode": 200, "body": json.dumps({"url": url})}
    form = _signing_client().generate_presigned_post(
        bucket,
        body["key"],
        Fields={"Content-Type": body["content_type"]},
        Conditions=[
            {"Content-Type": body["content_type"]},
            ["content-length-range", 1, body["max_size"]],
        ],
        ExpiresIn=900,
    )
    return {"statusCode": 200, "body": json.dumps(form)}


def scrub(event, context):
    RECEIVED["scrub"].append(event)
    bucket = event["detail"]["bucket"]["name"]
    key = event["detail"]["object"]["key"]
    upload = _s3().get_object(Bucket=bucket, Key=key)
    data = upload["Body"].read()
    if data.startswith(b"FAIL"):
        raise RuntimeError("stand-in scrub failure")
    clean_key = "clean/" + key.removeprefix("incoming/")
    _s3().put_object(Bucket=bucket, Key=clean_key, Body=data.upper(), ContentType=upload["ContentType"])
    _s3().delete_object(Bucket=bucket, Key=key)
"""


def upload_rule(template: Template) -> dict[str, Any]:
    """template.yaml's EventBridge rule on S3 uploads (the attachments function's `Uploaded`)."""
    for event in template.function_events("EventBridgeRule"):
        if "aws.s3" in (event.properties.get("Pattern") or {}).get("source", []):
            return {"Type": "EventBridgeRule", "Properties": event.properties}
    raise AssertionError("template.yaml has no EventBridge rule on aws.s3 events")


def s3_template(root: Path) -> Template:
    """The stand-in template, with template.yaml's table, bucket and upload rule, and the handlers."""
    package = root / "fn" / STANDIN_PACKAGE
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "handlers.py").write_text(STANDIN_HANDLERS)
    real = load_template(TEMPLATE_PATH)
    bucket_ref = {"Ref": "AttachmentsBucket"}

    def function(handler: str, events: dict[str, Any]) -> dict[str, Any]:
        return {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "CodeUri": "fn/",
                "Handler": f"{STANDIN_PACKAGE}.handlers.{handler}",
                "Environment": {"Variables": {"ATTACHMENTS_BUCKET": bucket_ref}},
                "Events": events,
            },
        }

    def route(path: str) -> dict[str, Any]:
        return {"Type": "Api", "Properties": {"RestApiId": {"Ref": "Api"}, "Path": path, "Method": "post"}}

    document = {
        "Parameters": real.document.get("Parameters") or {},
        "Globals": {
            "Function": {"Timeout": 10, "Environment": {"Variables": {"TABLE_NAME": {"Ref": "AppTable"}}}}
        },
        "Resources": {
            "AppTable": real.resources["AppTable"],
            "AttachmentsBucket": real.resources["AttachmentsBucket"],
            "Api": {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "v1"}},
            "Presigner": function("presign", {"Form": route("/form"), "Link": route("/link")}),
            "Scrubber": function("scrub", {"Uploaded": upload_rule(real)}),
        },
    }
    return Template(path=root / "template.yaml", document=document)


def signing_client(
    base_url: str, secret: str = DUMMY_SECRET_ACCESS_KEY, access_key: str = DUMMY_ACCESS_KEY_ID
) -> Any:
    """A presigning client as the functions build theirs, on the gateway's public S3 endpoint."""
    return boto3.client(
        "s3",
        endpoint_url=base_url + S3_PREFIX,
        region_name=REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


@dataclass
class S3Stack:
    backend: LocalBackend
    base_url: str
    template: Template

    @property
    def received(self) -> list[dict[str, Any]]:
        return RECEIVED["scrub"]

    def form(
        self,
        key: str,
        content_type: str = "image/jpeg",
        max_size: int = 100,
        expires: int = 900,
        bucket: str = BUCKET,
        **client: str,
    ) -> dict[str, Any]:
        """A presigned upload form, as the functions make them."""
        form: dict[str, Any] = signing_client(self.base_url, **client).generate_presigned_post(
            bucket,
            key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_size]],
            ExpiresIn=expires,
        )
        return form

    def stored(self, key: str) -> tuple[bytes, str] | None:
        """An object's bytes and content type, read from the embedded moto."""
        embedded = boto3.client("s3", endpoint_url=self.backend.db.endpoint_url, region_name=REGION)
        try:
            found = embedded.get_object(Bucket=BUCKET, Key=key)
        except ClientError as error:
            if error.response["Error"]["Code"] == "NoSuchKey":
                return None
            raise
        return found["Body"].read(), found["ContentType"]


def post_form(
    form: dict[str, Any], *, data: bytes = JPEG, changed: dict[str, str] | None = None
) -> requests.Response:
    """Post the form's fields (some `changed`), then `data` as its file."""
    fields = {**form["fields"], **(changed or {})}
    return requests.post(form["url"], data=fields, files={"file": ("photo.jpg", data)}, timeout=30)


def xml(content: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(content)  # noqa: S314 - the local stack's own answer


def s3_error(response: requests.Response) -> tuple[int, str, str]:
    assert response.headers["Content-Type"] == "application/xml"
    root = xml(response.content)
    assert root.tag == "Error"
    return response.status_code, root.findtext("Code", ""), root.findtext("Message", "")


@contextmanager
def running_stack(template: Template, data_dir: Path | None) -> Iterator[tuple[LocalBackend, str]]:
    """A stack with its gateway on a free port; stopped, and moto emptied, on leaving."""
    reset_moto()
    server = make_gateway_server(0)
    backend = LocalBackend.start(template, data_dir, public_url=server.base_url)
    server.gateway = build_gateway(
        template,
        backend.functions,
        backend.secret,
        template.root_dir / "openapi.json",
        backend.consequences.run,
        s3=backend.s3,
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield backend, server.base_url
    finally:
        server.shutdown()
        server.server_close()
        backend.stop()
        reset_moto()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Stack]:
    with process_state_kept(STANDIN_PACKAGE):
        template = s3_template(tmp_path_factory.mktemp("s3-stack"))
        with running_stack(template, None) as (backend, base_url):
            yield S3Stack(backend, base_url, template)


@pytest.fixture
def s3(stack: S3Stack) -> S3Stack:
    """The module's stack, with nothing received or dead-lettered yet."""
    dead_letters.clear()
    RECEIVED.clear()
    return stack


# --- the template ---------------------------------------------------------------------------------------


def test_the_bucket_resolves_to_its_local_name_and_the_upload_rule_runs() -> None:
    template = load_template(TEMPLATE_PATH)
    [bucket] = [b for b in template.buckets() if b.logical_id == "AttachmentsBucket"]  # and WebBucket
    assert (bucket.logical_id, bucket.name, bucket.eventbridge_enabled) == ("AttachmentsBucket", BUCKET, True)
    assert bucket.arn == f"arn:aws:s3:::{BUCKET}"
    for function_id in ("IntakeFunction", "StaffFunction"):
        assert template.functions()[function_id].environment["ATTACHMENTS_BUCKET"] == BUCKET
    triggers = read_triggers(template)
    assert triggers.problems == []
    [rule] = [rule for rule in triggers.rules if rule.pattern.get("source") == ["aws.s3"]]
    assert rule.bus_name == "default"
    assert rule.pattern["detail"]["bucket"]["name"] == [BUCKET]


def test_every_function_gets_the_gateways_s3_endpoint(s3: S3Stack) -> None:
    for name in s3.backend.functions.names():
        environment = s3.backend.functions[name].environment
        assert environment[PUBLIC_ENDPOINT_VARIABLE] == f"{s3.base_url}/_local/s3"
    made = requests.post(
        f"{s3.base_url}/form",
        json={"key": "incoming/R1/A1", "content_type": "image/jpeg", "max_size": 100},
        timeout=30,
    )
    assert made.status_code == 200
    assert made.json()["url"] == f"{s3.base_url}/_local/s3/{BUCKET}"


# --- uploads ----------------------------------------------------------------------------------------------


def test_an_upload_runs_the_rules_function_before_the_answer(s3: S3Stack) -> None:
    form = requests.post(
        f"{s3.base_url}/form",
        json={"key": "incoming/R1/A1", "content_type": "image/jpeg", "max_size": 100},
        timeout=30,
    ).json()
    uploaded = post_form(form)

    assert uploaded.status_code == 204
    assert uploaded.headers["ETag"] == f'"{hashlib.md5(JPEG).hexdigest()}"'  # noqa: S324 - S3's ETag
    assert uploaded.headers["Location"] == f"{s3.base_url}/_local/s3/{BUCKET}/incoming/R1/A1"
    [event] = s3.received
    assert set(event) == {
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    }
    assert (event["source"], event["detail-type"], event["version"]) == ("aws.s3", "Object Created", "0")
    assert (event["account"], event["region"]) == (ACCOUNT_ID, REGION)
    assert event["resources"] == [f"arn:aws:s3:::{BUCKET}"]
    assert datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ")
    detail = event["detail"]
    assert set(detail) == {
        "version",
        "bucket",
        "object",
        "request-id",
        "requester",
        "source-ip-address",
        "reason",
    }
    assert detail["object"]["key"] == "incoming/R1/A1"
    assert detail["object"]["size"] == len(JPEG)
    assert detail["object"]["etag"] == hashlib.md5(JPEG).hexdigest()  # noqa: S324 - S3's ETag
    assert int(detail["object"]["sequencer"], 16) > 0
    assert detail["request-id"] == uploaded.headers["x-amz-request-id"]
    assert (detail["requester"], detail["source-ip-address"]) == (ACCOUNT_ID, "127.0.0.1")
    assert (detail["version"], detail["bucket"], detail["reason"]) == ("0", {"name": BUCKET}, "POST Object")
    parsed = S3EventBridgeNotificationEvent(event)
    assert (parsed.detail.bucket.name, parsed.detail.object.key) == (BUCKET, "incoming/R1/A1")

    # The scrubber ran before the 204: the upload is gone, its clean copy there, with the content type.
    assert s3.stored("incoming/R1/A1") is None
    assert s3.stored("clean/R1/A1") == (JPEG.upper(), "image/jpeg")
    assert dead_letters.items() == []


def test_an_upload_the_rule_does_not_match_is_stored_as_posted(s3: S3Stack) -> None:
    uploaded = post_form(s3.form("elsewhere/R1/A2", content_type="image/png"))
    assert uploaded.status_code == 204
    assert s3.received == []
    assert s3.stored("elsewhere/R1/A2") == (JPEG, "image/png")


def test_concurrent_uploads_are_each_scrubbed_before_their_answer(s3: S3Stack) -> None:
    forms = [s3.form(f"incoming/R9/A{number}") for number in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda form: post_form(form).status_code, forms))
    assert statuses == [204] * 6
    assert sorted(event["detail"]["object"]["key"] for event in s3.received) == [
        f"incoming/R9/A{number}" for number in range(6)
    ]
    for number in range(6):
        assert s3.stored(f"clean/R9/A{number}") == (JPEG.upper(), "image/jpeg")


def test_a_failing_function_is_retried_then_the_event_is_dead_lettered_and_the_upload_kept(
    s3: S3Stack,
) -> None:
    uploaded = post_form(s3.form("incoming/R2/BAD"), data=b"FAIL this one")
    assert uploaded.status_code == 204  # S3 answers whatever the rule's target does
    retries = upload_rule(s3.template)["Properties"]["RetryPolicy"]["MaximumRetryAttempts"]
    assert len(s3.received) == retries + 1
    [letter] = dead_letters.items()
    assert (letter["function"], letter["trigger"], letter["type"]) == (
        "Scrubber",
        "Uploaded",
        "EventBridgeRule",
    )
    assert letter["payload"]["detail"]["object"]["key"] == "incoming/R2/BAD"
    assert s3.stored("incoming/R2/BAD") == (b"FAIL this one", "image/jpeg")


def test_success_action_status_201_answers_the_post_response(s3: S3Stack) -> None:
    form = signing_client(s3.base_url).generate_presigned_post(
        BUCKET,
        "elsewhere/R1/A3",
        Fields={"success_action_status": "201"},
        Conditions=[{"success_action_status": "201"}],
    )
    uploaded = post_form(form)
    assert uploaded.status_code == 201
    answer = xml(uploaded.content)
    assert (answer.tag, answer.findtext("Bucket"), answer.findtext("Key")) == (
        "PostResponse",
        BUCKET,
        "elsewhere/R1/A3",
    )
    assert s3.stored("elsewhere/R1/A3") == (JPEG, "binary/octet-stream")  # S3's default without a type


def test_field_names_are_case_insensitive_and_x_ignore_fields_need_no_condition(s3: S3Stack) -> None:
    form = s3.form("elsewhere/R1/A4")
    fields = {name: value for name, value in form["fields"].items() if name != "Content-Type"}
    fields |= {"content-type": "image/jpeg", "X-AMZ-DATE": fields.pop("x-amz-date"), "x-ignore-note": "hi"}
    uploaded = post_form({"url": form["url"], "fields": fields})
    assert uploaded.status_code == 204
    assert s3.stored("elsewhere/R1/A4") == (JPEG, "image/jpeg")


def _tampered_policy(form: dict[str, Any]) -> str:
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    policy["conditions"] = [
        ["content-length-range", 1, 10**9] if isinstance(item, list) else item
        for item in policy["conditions"]
    ]
    return base64.b64encode(json.dumps(policy).encode()).decode()


SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your key and "
    "signing method."
)
RefusedUpload = tuple[Callable[[dict[str, Any]], requests.Response], tuple[int, str, str]]
REFUSED_UPLOADS: dict[str, RefusedUpload] = {
    "another content type": (
        lambda form: post_form(form, changed={"Content-Type": "text/html"}),
        (
            403,
            "AccessDenied",
            'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/jpeg"]',
        ),
    ),
    "over the maximum size": (
        lambda form: post_form(form, data=b"x" * 101),
        (400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"),
    ),
    "an empty file": (
        lambda form: post_form(form, data=b""),
        (400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"),
    ),
    "another report's key": (
        lambda form: post_form(form, changed={"key": "incoming/R-OTHER/A1"}),
        (
            403,
            "AccessDenied",
            'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "incoming/R-MINE/A1"]',
        ),
    ),
    "a tampered policy": (
        lambda form: post_form(form, data=b"x" * 500, changed={"policy": _tampered_policy(form)}),
        (403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH),
    ),
    "a tampered signature": (
        lambda form: post_form(form, changed={"x-amz-signature": "0" * 64}),
        (403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH),
    ),
    "a field the policy does not name": (
        lambda form: post_form(form, changed={"x-amz-meta-gps": "-6.92,106.93"}),
        (403, "AccessDenied", "Invalid according to Policy: Extra input fields: x-amz-meta-gps"),
    ),
    "the same field twice": (
        lambda form: post_form(form, changed={"content-type": "image/jpeg"}),
        (400, "InvalidArgument", "The form field content-type appears more than once."),
    ),
    "no policy (anonymous)": (
        lambda form: requests.post(
            form["url"], data={"key": form["fields"]["key"]}, files={"file": ("a.jpg", JPEG)}, timeout=30
        ),
        (403, "AccessDenied", "Access Denied"),
    ),
    "no file": (
        lambda form: requests.post(form["url"], data=form["fields"], timeout=30),
        (
            400,
            "MalformedPOSTRequest",
            "The body of your POST request is not well-formed multipart/form-data.",
        ),
    ),
    "a form without its file part": (
        lambda form: requests.post(
            form["url"], data=form["fields"], files={"other": ("a.jpg", JPEG)}, timeout=30
        ),
        (400, "InvalidArgument", "POST requires exactly one file upload per request."),
    ),
    "a body over the endpoint's limit": (
        lambda form: post_form(form, data=b"x" * (MAX_UPLOAD_BODY_BYTES + 1)),
        (400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"),
    ),
}


@pytest.mark.parametrize("case", list(REFUSED_UPLOADS))
def test_an_upload_the_policy_refuses_stores_nothing_and_sends_no_event(s3: S3Stack, case: str) -> None:
    post, expected = REFUSED_UPLOADS[case]
    refused = post(s3.form("incoming/R-MINE/A1"))
    assert s3_error(refused) == expected
    assert s3.stored("incoming/R-MINE/A1") is None
    assert s3.stored("incoming/R-OTHER/A1") is None
    assert s3.received == []


def test_an_expired_policy_is_refused(s3: S3Stack) -> None:
    refused = post_form(s3.form("incoming/R3/A1", expires=-60))
    assert s3_error(refused) == (403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    assert s3.stored("incoming/R3/A1") is None


def test_a_form_signed_with_other_credentials_is_refused(s3: S3Stack) -> None:
    other_secret = s3_error(post_form(s3.form("incoming/R3/A2", secret="not-the-local-secret")))
    assert other_secret[:2] == (403, "SignatureDoesNotMatch")
    unknown_key = s3_error(post_form(s3.form("incoming/R3/A2", access_key="AKIAUNKNOWN")))
    assert unknown_key[:2] == (403, "InvalidAccessKeyId")
    assert s3.stored("incoming/R3/A2") is None


def test_a_bucket_that_does_not_exist_is_404(s3: S3Stack) -> None:
    refused = post_form(s3.form("incoming/R3/A3", bucket="lapor-local-nosuchbucket"))
    assert s3_error(refused) == (404, "NoSuchBucket", "The specified bucket does not exist")


def test_a_post_that_is_not_a_form_is_malformed(s3: S3Stack) -> None:
    refused = requests.post(f"{s3.base_url}/_local/s3/{BUCKET}", json={"key": "x"}, timeout=30)
    assert s3_error(refused)[:2] == (400, "MalformedPOSTRequest")


# --- downloads --------------------------------------------------------------------------------------------


def _link(s3: S3Stack, key: str, **parameters: str) -> str:
    url: str = signing_client(s3.base_url).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": key, **parameters}, ExpiresIn=300
    )
    return url


def test_a_presigned_link_serves_the_object(s3: S3Stack) -> None:
    assert post_form(s3.form("elsewhere/R4/a photo+1.jpg")).status_code == 204
    link = requests.post(f"{s3.base_url}/link", json={"key": "elsewhere/R4/a photo+1.jpg"}, timeout=30).json()
    served = requests.get(link["url"], timeout=30)
    assert served.status_code == 200
    assert served.content == JPEG
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["Content-Length"] == str(len(JPEG))
    assert served.headers["ETag"] == f'"{hashlib.md5(JPEG).hexdigest()}"'  # noqa: S324 - S3's ETag

    disposition = 'attachment; filename="foto.jpg"'
    overridden = requests.get(
        _link(
            s3,
            "elsewhere/R4/a photo+1.jpg",
            ResponseContentDisposition=disposition,
            ResponseContentType="application/octet-stream",
        ),
        timeout=30,
    )
    assert overridden.status_code == 200
    assert overridden.headers["Content-Disposition"] == disposition
    assert overridden.headers["Content-Type"] == "application/octet-stream"

    head_link = signing_client(s3.base_url).generate_presigned_url(
        "head_object", Params={"Bucket": BUCKET, "Key": "elsewhere/R4/a photo+1.jpg"}, ExpiresIn=300
    )
    head = requests.head(head_link, timeout=30)
    assert (head.status_code, head.headers["Content-Length"], head.content) == (200, str(len(JPEG)), b"")


def test_an_expired_link_is_refused(s3: S3Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    assert post_form(s3.form("elsewhere/R5/A1")).status_code == 204
    link = _link(s3, "elsewhere/R5/A1")
    later = datetime.now(UTC) + timedelta(seconds=301)
    monkeypatch.setattr(s3.backend.s3, "clock", lambda: later)
    status, code, message = s3_error(requests.get(link, timeout=30))
    assert (status, code, message) == (403, "AccessDenied", "Request has expired")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda link: link.replace("/elsewhere/R5/A2", "/elsewhere/R5/A1"),  # another object
        lambda link: link.replace("X-Amz-Expires=300", "X-Amz-Expires=3000"),  # a longer life
        lambda link: link[:-4] + ("0000" if not link.endswith("0000") else "1111"),  # the signature
        lambda link: link + "&response-content-type=text%2Fhtml",  # an override it did not sign
    ],
    ids=["another object", "a longer life", "the signature", "an unsigned override"],
)
def test_a_tampered_link_is_refused(s3: S3Stack, tamper: Any) -> None:
    assert post_form(s3.form("elsewhere/R5/A2")).status_code == 204
    refused = requests.get(tamper(_link(s3, "elsewhere/R5/A2")), timeout=30)
    assert s3_error(refused)[:2] == (403, "SignatureDoesNotMatch")


def test_links_to_what_is_not_there_or_unsigned_requests(s3: S3Stack) -> None:
    missing = s3_error(requests.get(_link(s3, "clean/R6/NOPE"), timeout=30))
    assert missing == (404, "NoSuchKey", "The specified key does not exist.")
    assert post_form(s3.form("elsewhere/R6/A1")).status_code == 204
    unsigned = requests.get(f"{s3.base_url}/_local/s3/{BUCKET}/elsewhere/R6/A1", timeout=30)
    assert s3_error(unsigned) == (403, "AccessDenied", "Access Denied")
    partial = requests.get(_link(s3, "elsewhere/R6/A1").split("&X-Amz-Signature")[0], timeout=30)
    assert s3_error(partial)[:2] == (400, "AuthorizationQueryParametersError")
    for method in ("PUT", "DELETE"):
        other = requests.request(method, _link(s3, "elsewhere/R6/A1"), timeout=30)
        assert s3_error(other)[:2] == (405, "MethodNotAllowed")
    assert s3_error(requests.get(f"{s3.base_url}/_local/s3/{BUCKET}", timeout=30))[:2] == (
        405,
        "MethodNotAllowed",
    )
    assert s3_error(requests.get(f"{s3.base_url}/_local/s3", timeout=30))[:2] == (501, "NotImplemented")
    assert s3.stored("elsewhere/R6/A1") == (JPEG, "image/jpeg")
