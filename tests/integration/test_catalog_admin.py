"""The coordinator's catalog at run time (API.md, "Administration and leadership reporting"), through the
staff and intake handlers on moto: agencies and categories created, renamed, deactivated; every change
audited; inactive ones offered to no one and refused on new work; an agency holding open reports cannot be
deactivated; kecamatan checked against the city's list."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Invoke, table_items, valid_report
from tests.integration.test_casework_api import ok

BAPPEDA = {"name": "Badan Perencanaan Pembangunan Daerah", "short_name": "Bappeda", "active": True}
TAMAN = {
    "name": "Taman dan ruang terbuka hijau",
    "default_agency_id": "bappeda",
    "default_type": "aspiration",
}


def audit_entries() -> list[dict[str, Any]]:
    return [i for i in table_items() if i["pk"]["S"] == "AUDIT#CATALOG"]


def put_agency(staff: Invoke, agency_id: str, body: dict[str, Any], role: str = "coordinator") -> Any:
    return staff("put_agency", role, body=body, path={"id": agency_id})


def test_an_agency_is_created_renamed_and_audited_and_the_public_list_follows(
    invoke: Invoke, staff: Invoke
) -> None:
    created = put_agency(staff, "bappeda", BAPPEDA)
    assert created.status == 200, created.body
    assert created.body == {"id": "bappeda", **BAPPEDA}
    assert "bappeda" in [a["id"] for a in ok(invoke("get_agencies"))["items"]]
    renamed = put_agency(staff, "bappeda", {**BAPPEDA, "name": "Bappeda Kota Sukabumi"})
    assert renamed.body["name"] == "Bappeda Kota Sukabumi"
    [first, second] = sorted(audit_entries(), key=lambda i: i["sk"]["S"])
    assert "before" not in first  # new: nothing before
    assert first["after"]["M"]["name"]["S"] == BAPPEDA["name"]
    assert second["before"]["M"]["name"]["S"] == BAPPEDA["name"]
    assert second["after"]["M"]["name"]["S"] == "Bappeda Kota Sukabumi"
    assert second["actor_id"]["S"] == "coordinator-city"
    assert put_agency(staff, "bappeda", {**BAPPEDA, "name": "Bappeda Kota Sukabumi"}).status == 200
    assert len(audit_entries()) == 2  # unchanged: nothing written
    staff_list = ok(staff("get_staff_agencies", "coordinator"))["items"]
    assert {
        "id": "bappeda",
        "name": "Bappeda Kota Sukabumi",
        "short_name": "Bappeda",
        "active": True,
    } in staff_list


def test_only_the_coordinator_edits_and_bad_bodies_name_their_field(staff: Invoke) -> None:
    before = table_items()
    assert put_agency(staff, "bappeda", BAPPEDA, role="leadership").status == 403
    assert staff("get_staff_agencies", "operator", "dishub").status == 403
    for body, field in (
        ({**BAPPEDA, "name": ""}, "name"),
        ({**BAPPEDA, "active": "yes"}, "active"),
        ({**BAPPEDA, "colour": "red"}, "colour"),
        ({"name": "Tanpa nama singkat"}, "short_name"),
    ):
        answer = put_agency(staff, "bappeda", body)
        assert (answer.status, answer.fields()) == (422, [field]), (body, answer.body)
    assert put_agency(staff, "Bad Id!", BAPPEDA).status == 422
    assert table_items() == before


def test_an_agency_with_open_reports_is_not_deactivated_until_they_are_forwarded(
    invoke: Invoke, staff: Invoke
) -> None:
    filed = ok(
        invoke("post_reports", body=valid_report(reporter={"name": "Warga", "email": "w@example.id"})), 201
    )
    ok(staff("post_verify", "coordinator", report_id=filed["id"]))  # to dishub, as the fixture says
    dishub = {"name": "Dinas Perhubungan", "short_name": "Dishub", "active": False}
    refused = put_agency(staff, "dishub", dishub)
    assert (refused.status, refused.error["code"]) == (409, "agency_has_open_reports")
    assert "dishub" in [a["id"] for a in ok(invoke("get_agencies"))["items"]]
    ok(staff("post_forward", "coordinator", report_id=filed["id"], body={"agency_id": "dinas-putr"}))
    assert put_agency(staff, "dishub", dishub).status == 200
    assert "dishub" not in [a["id"] for a in ok(invoke("get_agencies"))["items"]]
    # It is given nothing new: a forward or verification to it is refused, naming the field.
    other = ok(
        invoke("post_reports", body=valid_report(reporter={"name": "Warga", "email": "w@example.id"})), 201
    )
    verify = staff("post_verify", "coordinator", report_id=other["id"])
    assert (verify.status, verify.fields()) == (422, ["agency_id"])
    # The report it held keeps the name of the time in its timeline and history.
    report = ok(staff("get_staff_report", "coordinator", report_id=filed["id"]))
    assert report["agency"]["id"] == "dinas-putr"
    assert put_agency(staff, "dishub", {**dishub, "active": True}).status == 200  # reactivated


def test_a_category_needs_an_active_default_agency_and_an_inactive_one_is_refused_on_new_reports(
    invoke: Invoke, staff: Invoke
) -> None:
    missing = staff("put_category", "coordinator", body=TAMAN, path={"code": "taman"})
    assert (missing.status, missing.fields()) == (422, ["default_agency_id"])  # no bappeda yet
    put_agency(staff, "bappeda", BAPPEDA)
    created = staff("put_category", "coordinator", body=TAMAN, path={"code": "taman"})
    assert created.status == 200, created.body
    assert created.body == {"code": "taman", **TAMAN, "active": True}
    assert "taman" in [c["code"] for c in ok(invoke("get_categories"))["items"]]
    filed = ok(invoke("post_reports", body=valid_report(category="taman")), 201)
    assert filed["report"]["category"] == {"code": "taman", "name": TAMAN["name"]}

    renamed = {**TAMAN, "name": "Taman kota"}
    assert staff("put_category", "coordinator", body=renamed, path={"code": "taman"}).status == 200
    kept = ok(staff("get_staff_report", "coordinator", report_id=filed["id"]))
    assert kept["category"]["name"] == TAMAN["name"]  # the report keeps the name it was filed under

    off = staff("put_category", "coordinator", body={**renamed, "active": False}, path={"code": "taman"})
    assert off.status == 200
    assert "taman" not in [c["code"] for c in ok(invoke("get_categories"))["items"]]
    refused = invoke("post_reports", body=valid_report(category="taman"))
    assert (refused.status, refused.fields()) == (422, ["category"])
    assert refused.body["error"]["details"][0]["message"].startswith("Kategori")


def test_a_kecamatan_is_one_of_the_citys_matched_without_regard_to_case(invoke: Invoke) -> None:
    location = {"lat": -6.92, "lon": 106.93, "kecamatan": "cItAmIaNg"}
    filed = ok(invoke("post_reports", body=valid_report(location=location)), 201)
    assert filed["report"]["location"]["kecamatan"] == "Citamiang"  # as the seed spells it
    before = table_items()
    refused = invoke("post_reports", body=valid_report(location={**location, "kecamatan": "Atlantis"}))
    assert (refused.status, refused.fields()) == (422, ["location.kecamatan"])
    assert table_items() == before


def test_a_change_made_in_another_container_shows_at_once_and_a_filing_checks_its_category_in_the_store(
    invoke: Invoke,
) -> None:
    """Intake's cached catalog (a warm container's) holds `pju` active; the coordinator's change reaches the
    table from the staff function's container, not this cache. The public lists read the store; a filing
    is refused by its transaction's check of the category, and writes nothing."""
    import boto3

    ok(invoke("post_reports", body=valid_report(category="pju")), 201)  # warms the cache with pju active
    client = boto3.client("dynamodb")
    client.update_item(
        TableName="AppTable",
        Key={"pk": {"S": "CONFIG"}, "sk": {"S": "CATEGORY#pju"}},
        UpdateExpression="SET active = :off",
        ExpressionAttributeValues={":off": {"BOOL": False}},
    )
    client.put_item(
        TableName="AppTable",
        Item={
            "pk": {"S": "CONFIG"},
            "sk": {"S": "AGENCY#bappeda"},
            "id": {"S": "bappeda"},
            "name": {"S": BAPPEDA["name"]},
            "short_name": {"S": BAPPEDA["short_name"]},
            "active": {"BOOL": True},
        },
    )
    assert "pju" not in [c["code"] for c in ok(invoke("get_categories"))["items"]]
    assert "bappeda" in [a["id"] for a in ok(invoke("get_agencies"))["items"]]

    # pju on again, and read so that the cache holds it active; then off in the store alone.
    client.update_item(
        TableName="AppTable",
        Key={"pk": {"S": "CONFIG"}, "sk": {"S": "CATEGORY#pju"}},
        UpdateExpression="SET active = :on",
        ExpressionAttributeValues={":on": {"BOOL": True}},
    )
    ok(invoke("get_categories"))  # the cache now holds pju active
    client.update_item(
        TableName="AppTable",
        Key={"pk": {"S": "CONFIG"}, "sk": {"S": "CATEGORY#pju"}},
        UpdateExpression="SET active = :off",
        ExpressionAttributeValues={":off": {"BOOL": False}},
    )
    before = table_items()
    refused = invoke("post_reports", body=valid_report(category="pju"))
    assert (refused.status, refused.fields()) == (422, ["category"])
    assert table_items() == before
