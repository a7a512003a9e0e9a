"""API.md, "Personal data", through the handlers on moto: erasure (identity, tokens, private documents;
410, 401, no message; a second call changes nothing), the identity's retention, the NIK sealed with the
identity key and masked for the reporter, the access log's purpose."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from tests.integration.conftest import (
    ATTACHMENTS_BUCKET,
    Invoke,
    confirm_contact,
    filing_code,
    table_items,
    valid_report,
)
from tests.integration.test_attachments_api import s3_keys, uploaded_and_scrubbed
from tests.integration.test_casework_api import file_report, ok, reporter_token

NIK = "3272014506880003"
PERSON = {"name": "Ratna Sari Dewi", "email": "ratna.pdp@example.id", "phone": "081288887777", "nik": NIK}


def identity_items(report_id: str) -> dict[str, dict[str, Any]]:
    return {i["sk"]["S"]: i for i in table_items() if i["pk"]["S"] == f"IDENTITY#{report_id}"}


def test_the_nik_is_sealed_masked_for_the_reporter_and_whole_only_on_the_audited_route(
    invoke: Invoke, staff: Invoke
) -> None:
    filed = ok(invoke("post_reports", body=valid_report(reporter=PERSON)), 201)
    assert filed["report"]["reporter"]["nik"] == "3272********0003"
    assert NIK not in json.dumps(table_items())  # sealed with the identity key (moto's KMS here)
    own = ok(invoke("get_report_with_token", report_id=filed["id"], headers=reporter_token(filed)))
    assert own["reporter"]["nik"] == "3272********0003"
    read = staff(
        "get_staff_reporter", "coordinator", report_id=filed["id"], query={"purpose": "Verifikasi lapangan"}
    )
    assert read.body["nik"] == NIK
    log = staff("get_staff_access_log", "coordinator", report_id=filed["id"]).body["items"]
    assert [entry["purpose"] for entry in log] == ["Verifikasi lapangan"]


def test_erasure_deletes_the_identity_tokens_and_private_documents_and_changes_nothing_twice(
    invoke: Invoke, staff: Invoke
) -> None:
    filed = ok(invoke("post_reports", body=valid_report(reporter=PERSON)), 201)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    uploaded_and_scrubbed(invoke, filed, pdf, "application/pdf")  # the reporter's document (an ID card?)
    assert [k for k in s3_keys() if k.startswith("clean/")]
    confirm_contact(invoke, filed)
    assert ok(staff("post_verify", "coordinator", report_id=filed["id"]))["contact_confirmed"] is True
    staff("get_staff_reporter", "coordinator", report_id=filed["id"])  # one read before: the log stays

    reason = {"reason": "Permintaan penghapusan data pribadi oleh pelapor."}
    erased = staff("post_erase_identity", "coordinator", report_id=filed["id"], body=reason)
    assert erased.status == 200, erased.body
    assert erased.body["timeline"][-1]["action"] == "identity_erased"
    assert erased.body["contact_confirmed"] is False  # no contact on file any more
    assert erased.body["attachments"] == []
    items = identity_items(filed["id"])
    assert set(items) == {"I"}  # the tokens are gone
    assert {k for k in items["I"] if k not in ("pk", "sk")} == {"contact_state", "erased_at"}
    for value in PERSON.values():
        assert value not in json.dumps(table_items())
    assert [k for k in s3_keys() if k.startswith("clean/")] == []

    gone = staff("get_staff_reporter", "coordinator", report_id=filed["id"])
    assert (gone.status, gone.error["code"]) == (410, "identity_erased")
    assert invoke("get_report_with_token", report_id=filed["id"], headers=reporter_token(filed)).status == 401
    public = ok(invoke("get_report", report_id=filed["id"]))
    assert "identity_erased" not in [e["action"] for e in public["timeline"]]  # staff only
    assert len(staff("get_staff_access_log", "coordinator", report_id=filed["id"]).body["items"]) == 1

    again = staff("post_erase_identity", "coordinator", report_id=filed["id"], body=reason)
    assert again.status == 200
    assert again.body["version"] == erased.body["version"]  # a second call changes nothing
    assert (
        staff("post_erase_identity", "operator", "dishub", report_id=filed["id"], body=reason).status == 403
    )
    _, sent = filing_code(filed["id"])
    assert sent == []  # nothing goes to an erased contact


def test_the_identity_expires_after_the_retention_once_closed_and_not_while_open(
    invoke: Invoke, staff: Invoke
) -> None:
    filed = file_report(invoke)
    ok(staff("post_verify", "coordinator", report_id=filed["id"]))
    assert "expires_at_epoch" not in identity_items(filed["id"])["I"]
    ok(staff("post_followups", "operator", "dishub", report_id=filed["id"]))
    closed = ok(staff("post_close", "official", "dishub", report_id=filed["id"]))
    items = identity_items(filed["id"])
    last = datetime.fromisoformat(closed["updated_at"])
    expected = math.ceil((last + timedelta(days=730)).timestamp())
    assert int(items["I"]["expires_at_epoch"]["N"]) == expected
    assert int(items["K"]["expires_at_epoch"]["N"]) == expected
    assert datetime.fromtimestamp(expected, UTC) - last >= timedelta(days=730)
    body = {"message": "Lampu masih mati.", "reopen": True}
    ok(invoke("post_reply", report_id=filed["id"], body=body, headers=reporter_token(filed)), 201)
    assert "expires_at_epoch" not in identity_items(filed["id"])["I"]  # reopened: kept again
    assert (
        boto3.client("dynamodb").describe_time_to_live(TableName="AppTable")["TimeToLiveDescription"][
            "AttributeName"
        ]
        == "expires_at_epoch"
    )
    assert ATTACHMENTS_BUCKET


def test_a_redaction_replaces_the_words_and_records_who_and_which_field_never_the_words(
    invoke: Invoke, staff: Invoke
) -> None:
    filed = file_report(invoke)
    report_id = filed["id"]
    ok(staff("post_verify", "coordinator", report_id=report_id))
    reply = {"message": "Tetangga saya Pak Bambang Sutrisno juga melihatnya."}
    ok(invoke("post_reply", report_id=report_id, body=reply, headers=reporter_token(filed)), 201)
    before = ok(staff("get_staff_report", "coordinator", report_id=report_id))
    [typed] = [e for e in before["timeline"] if e["action"] == "reply"]

    text = {"field": "entry", "seq": typed["seq"], "text": "Tetangga saya [nama dihapus] juga melihatnya."}
    redacted = staff("post_redaction", "coordinator", report_id=report_id, body=text)
    assert redacted.status == 200, redacted.body
    [entry] = [e for e in redacted.body["timeline"] if e["seq"] == typed["seq"]]
    assert (entry["note"], entry["redacted"]) == (text["text"], True)
    last = redacted.body["timeline"][-1]
    assert (last["action"], last["actor_role"], last["note"]) == ("redact", "coordinator", "entry 3 (reply)")
    assert redacted.body["status"] == before["status"]  # no status or clock changes
    assert redacted.body["deadlines"] == before["deadlines"]
    description = {"field": "description", "text": "Lampu jalan mati di depan rumah warga sejak tiga hari."}
    ok(staff("post_redaction", "coordinator", report_id=report_id, body=description))
    assert "Bambang" not in json.dumps(table_items())  # the words are gone, the redact entries name none

    own = ok(invoke("get_report_with_token", report_id=report_id, headers=reporter_token(filed)))
    assert [e["redacted"] for e in own["timeline"] if e["seq"] == typed["seq"]] == [True]
    assert own["description"] == description["text"]
    public = ok(invoke("get_report", report_id=report_id))
    assert "redact" not in [e["action"] for e in public["timeline"]]  # staff only
    assert public["description"] == description["text"]

    # Only the coordinator; each wrong body names its field and writes nothing.
    assert staff("post_redaction", "operator", "dishub", report_id=report_id, body=description).status == 403
    items = table_items()
    for body, field in (
        ({"field": "entry", "text": "tanpa nomor entri"}, "seq"),
        ({"field": "title", "seq": 2, "text": "Judul baru laporan"}, "seq"),
        ({"field": "entry", "seq": 99, "text": "tidak ada"}, "seq"),
        ({"field": "entry", "seq": 1, "text": "entri pengajuan"}, "seq"),  # submit: no note to redact
        ({"field": "title", "text": "abc"}, "text"),
        ({"field": "name", "text": "Ratna"}, "field"),
    ):
        answer = staff("post_redaction", "coordinator", report_id=report_id, body=body)
        assert (answer.status, answer.fields()) == (422, [field]), (body, answer.body)
    assert table_items() == items
