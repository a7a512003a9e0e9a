"""Attachments on moto: the upload form, who may ask for one, the five-file limit, the scrubber's work,
and the download links each reader gets (API.md, "Attachments").

Moto does not enforce a presigned POST's conditions, so these tests read the policy the form carries; the
local stack's own enforcement is tested over HTTP in tests/e2e/test_attachments_local.py.
"""

from __future__ import annotations

import base64
import copy
import io
import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from PIL import Image

from tests.integration.conftest import (
    ATTACHMENTS_BUCKET,
    Answer,
    Invoke,
    load_event,
    table_items,
)
from tests.integration.test_casework_api import file_report, ok, reporter_token
from tests.photos import GPS_IFD, full_jpeg, make_jpeg, pixels

MB = 1024 * 1024


def attach(invoke: Invoke, filed: dict[str, Any], **body: Any) -> Answer:
    wanted = {"content_type": "image/jpeg", "size": 48213, **body}
    return invoke("post_attachment", report_id=filed["id"], body=wanted, headers=reporter_token(filed))


def policy_of(answer: Answer) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(base64.b64decode(answer.body["upload"]["fields"]["policy"]))
    return policy


def uploads_items() -> list[dict[str, Any]]:
    return [i for i in table_items() if i["sk"]["S"] == "UPLOADS"]


def s3_keys() -> list[str]:
    answer = boto3.client("s3").list_objects_v2(Bucket=ATTACHMENTS_BUCKET)
    return sorted(o["Key"] for o in answer.get("Contents", []))


def upload(key: str, data: bytes, content_type: str) -> None:
    """What S3 does with an accepted form: the object lands under incoming/."""
    boto3.client("s3").put_object(Bucket=ATTACHMENTS_BUCKET, Key=key, Body=data, ContentType=content_type)


def scrub_event(key: str, size: int) -> dict[str, Any]:
    event = copy.deepcopy(load_event("object_created", "attachments"))
    event["detail"]["bucket"]["name"] = ATTACHMENTS_BUCKET
    event["detail"]["object"].update({"key": key, "size": size})
    return event


def run_scrubber(key: str, size: int) -> dict[str, Any]:
    from attachments.handler import lambda_handler
    from tools.lambda_context import LambdaContext

    result: dict[str, Any] = lambda_handler(scrub_event(key, size), LambdaContext("attachments", 512, 30))
    return result


def uploaded_and_scrubbed(
    invoke: Invoke, filed: dict[str, Any], data: bytes, content_type: str = "image/jpeg"
) -> dict[str, Any]:
    form = ok(attach(invoke, filed, content_type=content_type, size=len(data)), 201)
    key = form["upload"]["fields"]["key"]
    upload(key, data, content_type)
    return run_scrubber(key, len(data))


def test_the_reporter_gets_a_form_for_one_file_of_the_declared_type_and_size(invoke: Invoke) -> None:
    filed = file_report(invoke)
    answer = attach(invoke, filed, content_type="image/png", size=2 * MB)
    assert answer.status == 201, answer.body
    attachment_id = answer.body["attachment_id"]
    assert attachment_id.startswith("att-")
    fields = answer.body["upload"]["fields"]
    assert fields["key"] == f"incoming/{filed['id']}/{attachment_id}"
    assert fields["Content-Type"] == "image/png"
    assert ATTACHMENTS_BUCKET in answer.body["upload"]["url"]
    conditions = policy_of(answer)["conditions"]
    assert {"bucket": ATTACHMENTS_BUCKET} in conditions
    assert {"key": fields["key"]} in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, 2 * MB] in conditions
    # The reporter sees it pending, without a link.
    [listed] = ok(invoke("get_report_with_token", report_id=filed["id"], headers=reporter_token(filed)))[
        "attachments"
    ]
    assert listed == {
        "attachment_id": attachment_id,
        "content_type": "image/png",
        "size": 2 * MB,
        "status": "pending",
        "uploaded_at": listed["uploaded_at"],
        "download_url": None,
        "reason": None,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content_type": "image/gif", "size": 1000}, "content_type"),
        ({"content_type": "text/html", "size": 1000}, "content_type"),
        ({"content_type": "image/jpeg", "size": 5 * MB + 1}, "size"),
        ({"content_type": "image/jpeg", "size": 0}, "size"),
        ({"content_type": "image/jpeg", "size": "1000"}, "size"),
        ({"content_type": "image/jpeg"}, "size"),
        ({"content_type": "image/jpeg", "size": 1000, "name": "x.jpg"}, "name"),
    ],
)
def test_a_type_or_size_not_allowed_is_422_naming_the_field_and_writes_nothing(
    invoke: Invoke, body: dict[str, Any], field: str
) -> None:
    filed = file_report(invoke)
    answer = invoke("post_attachment", report_id=filed["id"], body=body, headers=reporter_token(filed))
    assert answer.status == 422, answer.body
    assert answer.fields() == [field]
    assert uploads_items() == []


def test_an_oversized_file_is_refused_in_indonesian_and_english(invoke: Invoke) -> None:
    filed = file_report(invoke)
    indonesian = attach(invoke, filed, size=6 * MB)
    assert indonesian.error["details"][0]["message"] == "Ukuran berkas melebihi 5 MB."
    english = invoke(
        "post_attachment",
        report_id=filed["id"],
        body={"content_type": "image/jpeg", "size": 6 * MB},
        headers={**reporter_token(filed), "Accept-Language": "en"},
    )
    assert english.error["details"][0]["message"] == "File size is larger than 5 MB."


def test_another_reports_token_no_token_or_an_unknown_report_is_401(invoke: Invoke) -> None:
    mine = file_report(invoke)
    theirs = file_report(invoke)
    body = {"content_type": "image/jpeg", "size": 1000}
    for headers, report_id in (
        (reporter_token(theirs), mine["id"]),
        ({}, mine["id"]),
        (reporter_token(mine), "LPR-ZZZZ-ZZZZ"),
    ):
        answer = invoke(
            "post_attachment",
            report_id=report_id,
            body=body,
            headers=headers,
            drop_headers=("x-report-token",),
        )
        assert answer.status == 401, answer.body
        assert answer.error["code"] == "invalid_token"
    assert uploads_items() == []


def test_a_sixth_file_is_409_until_an_unused_form_has_expired(invoke: Invoke, clock: Any) -> None:
    filed = file_report(invoke, incident_date=None)
    for _ in range(5):
        ok(attach(invoke, filed), 201)
    sixth = attach(invoke, filed)
    assert sixth.status == 409, sixth.body
    assert sixth.error["code"] == "too_many_attachments"
    [item] = uploads_items()
    assert len(item["files"]["M"]) == 5
    # None of the five was uploaded: 15 minutes for the form, 15 for the scrubber, and the slots are free.
    clock.set(clock.now + timedelta(minutes=31))
    ok(attach(invoke, filed), 201)
    listed = ok(invoke("get_report_with_token", report_id=filed["id"], headers=reporter_token(filed)))
    assert [a["status"] for a in listed["attachments"]] == ["pending"]  # the expired forms are not listed


def test_two_uploads_racing_for_the_last_slot_cannot_both_take_it(invoke: Invoke) -> None:
    from lapor.domain.attachments import NewAttachment
    from lapor.domain.errors import TooManyAttachments
    from lapor.wiring import attachment_service, repository

    filed = file_report(invoke)
    for _ in range(4):
        ok(attach(invoke, filed), 201)
    service = attachment_service()
    assert service is not None
    stale = repository().get(filed["id"])  # both callers counted four
    assert stale is not None
    new = NewAttachment(content_type="image/jpeg", size=1000)
    service.add(stale, "reporter", new)
    with pytest.raises(TooManyAttachments):
        service.add(stale, "reporter", new)  # its write fails on the revision; the recount finds five
    [item] = uploads_items()
    assert len(item["files"]["M"]) == 5


def test_staff_who_may_see_the_report_attach_leadership_may_not_other_agencies_do_not_see_it(
    invoke: Invoke, staff: Invoke
) -> None:
    filed = file_report(invoke)
    ok(staff("post_verify", "coordinator", report_id=filed["id"]))  # to dishub
    ok(staff("post_attachment", "coordinator", report_id=filed["id"]), 201)
    ok(staff("post_attachment", "operator", "dishub", report_id=filed["id"]), 201)
    assert staff("post_attachment", "official", "dinkes", report_id=filed["id"]).status == 404
    assert staff("post_attachment", "leadership", report_id=filed["id"]).status == 403
    assert staff("post_attachment", None, report_id=filed["id"]).status == 401
    listed = ok(staff("get_staff_report", "coordinator", report_id=filed["id"]))["attachments"]
    assert [a["content_type"] for a in listed] == ["application/pdf", "application/pdf"]


def test_an_archived_report_takes_no_file(invoke: Invoke, staff: Invoke) -> None:
    filed = file_report(invoke)
    ok(staff("post_archive", "coordinator", report_id=filed["id"]))
    answer = attach(invoke, filed)
    assert answer.status == 409
    assert answer.error["code"] == "invalid_transition"


def test_a_photo_is_scrubbed_of_its_location_before_anyone_can_fetch_it(
    invoke: Invoke, staff: Invoke
) -> None:
    filed = file_report(invoke)
    photo = full_jpeg()
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(GPS_IFD)  # the phone's GPS is there
    result = uploaded_and_scrubbed(invoke, filed, photo)
    assert result["outcome"] == "ready", result
    attachment_id = result["attachment_id"]
    # The upload is gone; only the scrubbed file remains.
    assert s3_keys() == [f"clean/{filed['id']}/{attachment_id}"]
    stored = boto3.client("s3").get_object(Bucket=ATTACHMENTS_BUCKET, Key=s3_keys()[0])
    assert stored["ContentType"] == "image/jpeg"
    clean = stored["Body"].read()
    image = Image.open(io.BytesIO(clean))
    assert not image.getexif().get_ifd(GPS_IFD)
    assert image.tobytes() == Image.open(io.BytesIO(photo)).tobytes()
    # The reporter's view lists it, ready, with a link to the scrubbed key only.
    [listed] = ok(invoke("get_report_with_token", report_id=filed["id"], headers=reporter_token(filed)))[
        "attachments"
    ]
    assert listed["status"] == "ready"
    assert listed["size"] == len(clean)
    link = urlsplit(listed["download_url"])
    assert link.path.endswith(f"/clean/{filed['id']}/{attachment_id}")
    query = parse_qs(link.query)
    assert query["X-Amz-Expires"] == ["3600"]
    assert query["response-content-disposition"] == [
        f'attachment; filename="{filed["id"]}-{attachment_id}.jpg"'
    ]
    # Staff see it too; the public only once the report is public.
    assert ok(staff("get_staff_report", "coordinator", report_id=filed["id"]))["attachments"][0][
        "download_url"
    ]
    assert invoke("get_report", report_id=filed["id"], drop_headers=("x-report-token",)).status == 404
    ok(staff("post_verify", "coordinator", report_id=filed["id"]))
    public = ok(invoke("get_report", report_id=filed["id"], drop_headers=("x-report-token",)))
    assert [a["attachment_id"] for a in public["attachments"]] == [attachment_id]


def test_the_public_never_gets_a_document_nor_a_file_not_yet_scrubbed(invoke: Invoke, staff: Invoke) -> None:
    filed = file_report(invoke)
    uploaded_and_scrubbed(invoke, filed, b"%PDF-1.7\n% KTP scan\n%%EOF\n", "application/pdf")
    ok(attach(invoke, filed), 201)  # pending
    ok(staff("post_verify", "coordinator", report_id=filed["id"]))
    public = ok(invoke("get_report", report_id=filed["id"], drop_headers=("x-report-token",)))
    assert public["attachments"] == []
    own = ok(invoke("get_report_with_token", report_id=filed["id"], headers=reporter_token(filed)))
    assert [(a["content_type"], a["status"]) for a in own["attachments"]] == [
        ("application/pdf", "ready"),
        ("image/jpeg", "pending"),
    ]


def test_a_file_that_is_not_what_it_claims_is_rejected_and_frees_its_slot(invoke: Invoke) -> None:
    filed = file_report(invoke)
    png = io.BytesIO()
    pixels().save(png, "PNG")
    result = uploaded_and_scrubbed(invoke, filed, png.getvalue(), "image/jpeg")
    assert result["outcome"] == "rejected"
    assert result["reason"] == "not_the_declared_type"
    assert s3_keys() == []  # neither the upload nor a scrubbed copy
    [listed] = ok(invoke("get_report_with_token", report_id=filed["id"], headers=reporter_token(filed)))[
        "attachments"
    ]
    assert (listed["status"], listed["download_url"]) == ("rejected", None)
    assert listed["reason"] == "not_the_declared_type"
    for _ in range(5):
        ok(attach(invoke, filed), 201)  # the rejected file holds no slot


def test_a_repeated_event_or_an_unknown_key_changes_nothing(invoke: Invoke) -> None:
    filed = file_report(invoke)
    photo = make_jpeg()
    first = uploaded_and_scrubbed(invoke, filed, photo)
    key = f"incoming/{filed['id']}/{first['attachment_id']}"
    before = s3_keys()
    again = run_scrubber(key, len(photo))
    assert again["outcome"] == "ignored"
    assert s3_keys() == before
    upload("incoming/not-a-report/whatever", b"x", "image/jpeg")
    assert run_scrubber("incoming/not-a-report/whatever", 1)["outcome"] == "ignored"
    assert s3_keys() == before  # and the stray object is removed


def test_an_event_of_another_bucket_is_dropped(invoke: Invoke) -> None:
    from attachments.handler import lambda_handler
    from tools.lambda_context import LambdaContext

    event = scrub_event("incoming/LPR-0000-0000/att-0000000000000000", 10)
    event["detail"]["bucket"]["name"] = "someone-elses-bucket"
    assert lambda_handler(event, LambdaContext("attachments", 512, 30))["reason"] == "other_bucket"


def test_the_fixture_event_is_what_s3_sends() -> None:
    event = load_event("object_created", "attachments")
    assert event["source"] == "aws.s3"
    assert event["detail-type"] == "Object Created"
    assert event["detail"]["object"]["key"].startswith("incoming/")


def test_a_report_read_with_attachments_is_still_one_query(invoke: Invoke, staff: Any, calls: Any) -> None:
    filed = file_report(invoke)
    uploaded_and_scrubbed(invoke, filed, make_jpeg())
    calls.reset()
    ok(staff("get_staff_report", "coordinator", report_id=filed["id"]))
    # The report's partition (report, timeline, files), and the caller's roster item (every staff request).
    assert dict(calls.counts) == {"Query": 2}
    calls.reset()
    ok(invoke("get_report_with_token", report_id=filed["id"], headers=reporter_token(filed)))
    # and the identity's partition, apart for least privilege (docs/ARCHITECTURE.md): the token and identity
    assert dict(calls.counts) == {"Query": 2}


def test_files_scrubbed_late_never_make_a_sixth(invoke: Invoke, clock: Any) -> None:
    """Five uploads whose scrubbing is delayed past their window (retries), five new forms meanwhile, and
    then all ten events: five files are kept, and the late ones only while there is room."""
    filed = file_report(invoke, incident_date=None)
    photo = make_jpeg()
    keys = []
    for _ in range(5):
        form = ok(attach(invoke, filed, size=len(photo)), 201)
        keys.append(form["upload"]["fields"]["key"])
        upload(keys[-1], photo, "image/jpeg")
    clock.set(clock.now + timedelta(minutes=31))
    for _ in range(5):
        form = ok(attach(invoke, filed, size=len(photo)), 201)
        keys.append(form["upload"]["fields"]["key"])
        upload(keys[-1], photo, "image/jpeg")
    outcomes = [run_scrubber(key, len(photo)) for key in keys]
    assert [o["outcome"] for o in outcomes] == ["rejected"] * 5 + ["ready"] * 5
    assert {o["reason"] for o in outcomes[:5]} == {"too_many_attachments"}
    statuses = [
        a["status"]
        for a in ok(invoke("get_report_with_token", report_id=filed["id"], headers=reporter_token(filed)))[
            "attachments"
        ]
    ]
    assert statuses.count("ready") == 5
    assert len([k for k in s3_keys() if k.startswith("clean/")]) == 5
    assert not [k for k in s3_keys() if k.startswith("incoming/")]


def test_a_late_file_is_kept_when_there_is_room(invoke: Invoke, clock: Any) -> None:
    filed = file_report(invoke, incident_date=None)
    photo = make_jpeg()
    form = ok(attach(invoke, filed, size=len(photo)), 201)
    upload(form["upload"]["fields"]["key"], photo, "image/jpeg")
    clock.set(clock.now + timedelta(hours=2))
    assert run_scrubber(form["upload"]["fields"]["key"], len(photo))["outcome"] == "ready"


def test_refused_uploads_do_not_grow_the_records_without_bound(invoke: Invoke) -> None:
    filed = file_report(invoke)
    for _ in range(12):
        uploaded_and_scrubbed(invoke, filed, b"not a jpeg at all", "image/jpeg")
    [item] = uploads_items()
    statuses = [f["M"]["status"]["S"] for f in item["files"]["M"].values()]
    # The five refusals kept when the last form was asked for, and the last one: never more than ten records.
    assert statuses == ["rejected"] * 6


def test_the_public_sees_a_reporters_photo_only_once_the_coordinator_has_verified_after_it(
    invoke: Invoke, staff: Invoke
) -> None:
    filed = file_report(invoke)
    before = uploaded_and_scrubbed(invoke, filed, make_jpeg())
    ok(staff("post_verify", "coordinator", report_id=filed["id"]))
    after = uploaded_and_scrubbed(invoke, filed, make_jpeg())  # nobody has looked at it
    form = ok(
        staff(
            "post_attachment",
            "operator",
            "dishub",
            report_id=filed["id"],
            body={"content_type": "image/jpeg", "size": len(make_jpeg())},
        ),
        201,
    )
    upload(form["upload"]["fields"]["key"], make_jpeg(), "image/jpeg")
    by_staff = run_scrubber(form["upload"]["fields"]["key"], len(make_jpeg()))
    public = ok(invoke("get_report", report_id=filed["id"], drop_headers=("x-report-token",)))
    assert [a["attachment_id"] for a in public["attachments"]] == [
        before["attachment_id"],
        by_staff["attachment_id"],
    ]
    own = ok(invoke("get_report_with_token", report_id=filed["id"], headers=reporter_token(filed)))
    assert after["attachment_id"] in [a["attachment_id"] for a in own["attachments"]]


@pytest.mark.parametrize("anonymous", [False, True])
def test_a_reporters_document_is_shown_as_their_identity_would_be(
    invoke: Invoke, staff: Invoke, anonymous: bool
) -> None:
    filed = file_report(invoke)
    uploaded_and_scrubbed(invoke, filed, b"%PDF-1.7\n% KTP\n%%EOF\n", "application/pdf")
    uploaded_and_scrubbed(invoke, filed, make_jpeg())
    verify = {**json.loads(load_event("post_verify", "staff")["body"]), "anonymous": anonymous}
    ok(staff("post_verify", "coordinator", report_id=filed["id"], body=verify))

    def seen(role: str, agency: str | None = None) -> list[str]:
        answer = ok(staff("get_staff_report", role, agency, report_id=filed["id"]))
        return [a["content_type"] for a in answer["attachments"]]

    both = ["application/pdf", "image/jpeg"]
    assert seen("coordinator") == both
    assert seen("operator", "dishub") == (["image/jpeg"] if anonymous else both)
    assert seen("official", "dishub") == (["image/jpeg"] if anonymous else both)
    assert seen("leadership") == ["image/jpeg"]


def test_a_staff_token_on_the_reporters_route_is_told_the_staff_route(invoke: Invoke) -> None:
    filed = file_report(invoke)
    answer = invoke(
        "post_attachment",
        report_id=filed["id"],
        body={"content_type": "image/jpeg", "size": 1000},
        headers={"Authorization": "Bearer eyJ.staff.token"},
        drop_headers=("x-report-token",),
    )
    assert answer.status == 401
    assert answer.error["code"] == "use_staff_route"
    assert "/staff/reports/{id}/attachments" in answer.error["message"]
    assert uploads_items() == []
