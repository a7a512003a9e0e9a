"""Attachments over HTTP on the local stack, as a citizen's browser does it: ask for a form, post the file to
S3 with it, read the report, fetch the link. The local stack enforces the form's conditions as S3 does and
runs the attachments function on each upload before it answers (issue 7's must-holds)."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from PIL import Image

from tests.e2e.http_client import TIMEOUT, Api, Filed
from tests.photos import GPS_IFD, full_jpeg, make_jpeg

pytestmark = pytest.mark.e2e

MB = 1024 * 1024


def ask_for_form(
    api: Api, filed: Filed, content_type: str = "image/jpeg", size: int = 1000
) -> requests.Response:
    body = {"content_type": content_type, "size": size}
    return api.post(f"/reports/{filed.id}/attachments", body, filed.reporter)


def form_for(api: Api, filed: Filed, content_type: str, size: int) -> dict[str, Any]:
    answer = ask_for_form(api, filed, content_type, size)
    assert answer.status_code == 201, answer.text
    form: dict[str, Any] = answer.json()
    return form


def post_file(
    form: dict[str, Any], data: bytes, *, content_type: str | None = None, **changed: str
) -> requests.Response:
    """Post the form's fields (some changed, as a tampering client would) and then the file, to its url."""
    fields = {**form["upload"]["fields"], **changed}
    if content_type is not None:
        fields["Content-Type"] = content_type
    files = {"file": ("upload", data, fields["Content-Type"])}
    return requests.post(form["upload"]["url"], data=fields, files=files, timeout=TIMEOUT)


def signed_link(api: Api, key: str) -> str:
    """A download link for any key of the bucket, signed with the local stack's credentials (as the
    functions sign theirs): what an unscrubbed upload's link would be if anyone could make one."""
    import boto3
    from botocore.config import Config

    from local.aws.environment import DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY, REGION

    client = boto3.client(
        "s3",
        endpoint_url=f"{api.base_url}/_local/s3",
        region_name=REGION,
        aws_access_key_id=DUMMY_ACCESS_KEY_ID,
        aws_secret_access_key=DUMMY_SECRET_ACCESS_KEY,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    bucket = "lapor-local-attachmentsbucket"
    return str(
        client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=60)
    )


def listed(api: Api, filed: Filed) -> list[dict[str, Any]]:
    attachments: list[dict[str, Any]] = api.own_read(filed)["attachments"]
    return attachments


def test_a_photo_with_gps_is_served_without_it(api: Api) -> None:
    filed = api.file()
    photo = full_jpeg()
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(GPS_IFD)
    form = form_for(api, filed, "image/jpeg", len(photo))
    stored = post_file(form, photo)
    assert stored.status_code == 204, stored.text
    [attachment] = listed(api, filed)
    assert attachment["attachment_id"] == form["attachment_id"]
    assert attachment["status"] == "ready"  # the local stack ran the scrubber before it answered
    served = requests.get(attachment["download_url"], timeout=TIMEOUT)
    assert served.status_code == 200, served.text
    assert served.headers["Content-Type"] == "image/jpeg"
    assert "attachment;" in served.headers["Content-Disposition"]
    image = Image.open(io.BytesIO(served.content))
    assert not image.getexif().get_ifd(GPS_IFD)
    assert image.tobytes() == Image.open(io.BytesIO(photo)).tobytes()
    assert b"Jl. Merdeka" not in served.content
    assert len(served.content) == attachment["size"] < len(photo)
    # A link is a signature of one key, one expiry: changing any of it is refused.
    parts = urlsplit(attachment["download_url"])
    tampered = urlunsplit(
        parts._replace(query=parts.query.replace("X-Amz-Expires=3600", "X-Amz-Expires=9999"))
    )
    assert requests.get(tampered, timeout=TIMEOUT).status_code == 403
    # The upload itself is gone: a link to it, signed as the functions sign theirs, finds nothing.
    unscrubbed = signed_link(api, form["upload"]["fields"]["key"])
    gone = requests.get(unscrubbed, timeout=TIMEOUT)
    assert gone.status_code == 404, gone.text
    assert "<Code>NoSuchKey</Code>" in gone.text
    assert requests.get(signed_link(api, parts.path.split("/", 4)[4]), timeout=TIMEOUT).status_code == 200


def test_a_wrong_content_type_is_refused_by_the_api_and_by_the_upload(api: Api) -> None:
    filed = api.file()
    refused = ask_for_form(api, filed, "image/gif", 1000)
    assert refused.status_code == 422
    assert [d["field"] for d in refused.json()["error"]["details"]] == ["content_type"]
    form = form_for(api, filed, "image/jpeg", 5000)
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, "PNG")
    swapped = post_file(form, png.getvalue(), content_type="image/png")
    assert swapped.status_code == 403, swapped.text
    assert "<Code>AccessDenied</Code>" in swapped.text
    assert [(a["status"], a["download_url"]) for a in listed(api, filed)] == [("pending", None)]
    # Declared as a JPEG, but a PNG inside: the upload passes S3's checks, the scrubber refuses it.
    assert post_file(form, png.getvalue()).status_code == 204
    assert [(a["status"], a["download_url"]) for a in listed(api, filed)] == [("rejected", None)]


def test_an_oversized_file_is_refused_by_the_api_and_by_the_upload(api: Api) -> None:
    filed = api.file()
    refused = ask_for_form(api, filed, "image/jpeg", 5 * MB + 1)
    assert refused.status_code == 422
    assert [d["field"] for d in refused.json()["error"]["details"]] == ["size"]
    photo = make_jpeg()
    form = form_for(api, filed, "image/jpeg", len(photo) - 1)  # declared one byte short
    too_big = post_file(form, photo)
    assert too_big.status_code == 400, too_big.text
    assert "<Code>EntityTooLarge</Code>" in too_big.text
    assert [a["status"] for a in listed(api, filed)] == ["pending"]


def test_a_sixth_file_is_refused(api: Api) -> None:
    filed = api.file()
    for _ in range(5):
        assert ask_for_form(api, filed).status_code == 201
    sixth = ask_for_form(api, filed)
    assert sixth.status_code == 409, sixth.text
    assert sixth.json()["error"]["code"] == "too_many_attachments"
    assert len(listed(api, filed)) == 5


def test_another_reports_token_is_refused_and_a_form_cannot_be_moved_to_another_report(api: Api) -> None:
    mine, theirs = api.file(), api.file()
    body = {"content_type": "image/jpeg", "size": 1000}
    crossed = api.post(f"/reports/{mine.id}/attachments", body, theirs.reporter)
    assert crossed.status_code == 401, crossed.text
    assert crossed.json()["error"]["code"] == "invalid_token"
    photo = make_jpeg()
    form = form_for(api, theirs, "image/jpeg", len(photo))
    elsewhere = form["upload"]["fields"]["key"].replace(theirs.id, mine.id)
    moved = post_file(form, photo, key=elsewhere)
    assert moved.status_code == 403, moved.text
    assert listed(api, mine) == []
    assert [a["status"] for a in listed(api, theirs)] == ["pending"]


def test_staff_attach_through_their_route_and_the_public_sees_only_scrubbed_images(api: Api) -> None:
    filed = api.file()
    photo = make_jpeg()
    post_file(form_for(api, filed, "image/jpeg", len(photo)), photo)
    staff = api.post(
        f"/staff/reports/{filed.id}/attachments",
        {"content_type": "application/pdf", "size": 30},
        api.coordinator,
    )
    assert staff.status_code == 201, staff.text
    assert post_file(staff.json(), b"%PDF-1.7\n% surat tugas\n%%EOF\n").status_code == 204
    assert [a["content_type"] for a in api.staff_read(filed.id)["attachments"]] == [
        "image/jpeg",
        "application/pdf",
    ]
    verify = {"type": "complaint", "requires_supervision": False, "category": "pju", "agency_id": "dishub"}
    api.act(filed.id, "verify", verify, api.coordinator)
    public = api.get(f"/reports/{filed.id}").json()["attachments"]
    assert [a["content_type"] for a in public] == ["image/jpeg"]
    assert requests.get(public[0]["download_url"], timeout=TIMEOUT).status_code == 200
