"""Leadership's reports through the staff handler on moto (API.md, "Administration and leadership
reporting"): `GET /staff/metrics/breakdown`, `GET /staff/metrics/officers`, `GET /staff/recap/{month}`; who
may read them, their shapes, their parameters, what they cost, the roster's names, the nightly job's backlog
by group and the response-time target in the snapshot."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest

from lapor.domain.calendar import WIB
from lapor.domain.lifecycle import Role
from lapor.domain.recap import Recap
from lapor.domain.roster import Decree, Officer
from tests.integration.conftest import ROOT, Answer, DynamoCalls, Invoke, _answer, build_event, claims_of
from tools.lambda_context import LambdaContext

SCHEDULED = json.loads((ROOT / "events" / "metrics" / "scheduled.json").read_text(encoding="utf-8"))
ITEM_KEYS = {"key", "received", "response_time", "on_time_rate", "backlog"}
TIME_KEYS = {"n", "mean_hk", "median_hk", "p90_hk", "mean_days", "median_days", "p90_days"}
OFFICER_KEYS = {"officer_id", "name", "agency_id", "followups", "closes", "response_time"}
DECREE = Decree(number="800/Kep.45-Diskominfo/2026", date=date(2026, 1, 12))


ROSTER_CHECK = 1  # every staff request reads the caller's roster item (lapor.services.roster_admin)


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=WIB)


def call(
    name: str,
    role: str | None = "coordinator",
    agency_id: str | None = None,
    *,
    sub: str | None = None,
    query: dict[str, str] | None = None,
    month: str | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
    report_id: str | None = None,
    day: str | None = None,
) -> Answer:
    """A staff route as an officer (`sub`: its token's subject) would call it."""
    from staff.handler import lambda_handler

    claims = claims_of(role, agency_id, sub) if role else {}
    event = build_event(
        name,
        function="staff",
        claims=claims,
        query=query,
        headers=headers,
        body=body,
        report_id=report_id,
        day=day,
    )
    if month is not None:
        event = copy.deepcopy(event)
        event["pathParameters"] = {"month": month}
        event["path"] = event["resource"].replace("{month}", month)
        event["requestContext"]["path"] = "/v1" + event["path"]
    return _answer(lambda_handler(event, LambdaContext("staff", 512, 10)))


def raw(month: str, query: dict[str, str], headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The recap's answer as the handler gives it (its body may be HTML or CSV)."""
    from staff.handler import lambda_handler

    event = build_event(
        "get_monthly_recap", function="staff", claims=claims_of("leadership"), query=query, headers=headers
    )
    event["pathParameters"] = {"month": month}
    event["path"] = f"/staff/recap/{month}"
    result: dict[str, Any] = lambda_handler(event, LambdaContext("staff", 512, 10))
    return result


def header(result: dict[str, Any], name: str) -> str:
    headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    headers.update({k.lower(): ", ".join(v) for k, v in (result.get("multiValueHeaders") or {}).items()})
    return headers[name.lower()]


@pytest.fixture
def clock(clock: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The integration clock, and leadership's reports on it too."""
    from lapor import wiring

    monkeypatch.setattr(wiring.leadership_reports(), "_now", clock.utc)
    return clock


def put_officers(*officers: tuple[str, str, str, str | None]) -> None:
    from lapor import wiring

    for officer_id, name, role, agency_id in officers:
        officer = Officer(
            id=officer_id,
            name=name,
            email=f"{officer_id}@sukabumikota.go.id",
            role=Role(role),
            agency_id=agency_id,
            decree=DECREE,
        )
        audit = {"sk": f"AUDIT#2026-03-02T01:00:00.000+00:00#{officer_id}", "by": "coordinator-city"}
        wiring.roster().put_officer(officer, None, audit)


def file_report(invoke: Invoke, clock: Any, when: datetime, **fields: Any) -> str:
    from tests.integration.conftest import valid_report

    clock.set(when)
    filed = invoke("post_reports", body=valid_report(incident_date=None, **fields))
    assert filed.status == 201, filed.body
    return str(filed.body["id"])


def verify(clock: Any, when: datetime, report_id: str, category: str, agency_id: str) -> None:
    clock.set(when)
    body = {"type": "complaint", "requires_supervision": False, "category": category, "agency_id": agency_id}
    answer = call("post_verify", "coordinator", sub="sub-koordinator", report_id=report_id, body=body)
    assert answer.status == 200, answer.body


def follow_up(
    clock: Any, when: datetime, report_id: str, agency_id: str, sub: str, role: str = "operator"
) -> None:
    clock.set(when)
    body = {"message": "Petugas sudah meninjau lokasi dan menjadwalkan perbaikan."}
    answer = call("post_followups", role, agency_id, sub=sub, report_id=report_id, body=body)
    assert answer.status == 200, answer.body


def close(clock: Any, when: datetime, report_id: str, agency_id: str, sub: str) -> None:
    clock.set(when)
    body = {"resolution": "Perbaikan selesai dan sudah diperiksa di lokasi."}
    answer = call("post_close", "official", agency_id, sub=sub, report_id=report_id, body=body)
    assert answer.status == 200, answer.body


def a_week(invoke: Invoke, clock: Any) -> dict[str, str]:
    """Mon 2 – Fri 6 March 2026 (working days):

    S1 pju Cikole      submit Mon 09:00 · verify dishub 10:00 · follow-up (Ani) Mon 16:00 · close (Budi)
                       Wed 10:00
    S2 jalan Baros     submit Mon 11:00 · verify dinas-putr 12:00 · follow-up (an operator not in the roster)
                       Tue 12:00
    S3 sampah —        submit Tue 09:00 (no location) · verify dlh 10:00 · never answered
    """
    s1 = file_report(invoke, clock, at(3, 2, 9), category="pju")
    verify(clock, at(3, 2, 10), s1, "pju", "dishub")
    follow_up(clock, at(3, 2, 16), s1, "dishub", "sub-ani")
    s2 = file_report(
        invoke,
        clock,
        at(3, 2, 11),
        category="jalan",
        location={"lat": -6.93, "lon": 106.92, "kecamatan": "Baros"},
    )
    verify(clock, at(3, 2, 12), s2, "jalan", "dinas-putr")
    follow_up(clock, at(3, 3, 12), s2, "dinas-putr", "sub-ghost")
    s3 = file_report(invoke, clock, at(3, 3, 9), category="sampah", location=None)
    verify(clock, at(3, 3, 10), s3, "sampah", "dlh")
    close(clock, at(3, 4, 10), s1, "dishub", "sub-budi")
    clock.set(at(3, 9, 9))  # the Monday after
    return {"s1": s1, "s2": s2, "s3": s3}


WEEK = {"from": "2026-03-02", "to": "2026-03-06"}


def items_of(answer: Answer) -> dict[Any, dict[str, Any]]:
    assert answer.status == 200, answer.body
    assert set(answer.body) == {"by", "items"}
    for item in answer.body["items"]:
        assert set(item) == ITEM_KEYS
        assert set(item["response_time"]) == TIME_KEYS
        assert set(item["on_time_rate"]) == {"verify", "respond", "resolve"}
        assert set(item["backlog"]) == {"overdue", "oldest_hk", "mean_age_hk"}
    return {item["key"]: item for item in answer.body["items"]}


def test_the_breakdown_by_each_dimension(invoke: Invoke, clock: Any) -> None:
    a_week(invoke, clock)
    by_kecamatan = call("get_metrics_breakdown", "leadership", query={**WEEK, "by": "kecamatan"})
    assert by_kecamatan.body["by"] == "kecamatan"
    found = items_of(by_kecamatan)
    assert list(found) == ["Baros", "Cikole", None]
    assert (found["Cikole"]["received"], found["Cikole"]["response_time"]["n"]) == (1, 1)
    assert found["Cikole"]["response_time"]["mean_hk"] == pytest.approx(6 / 24, abs=1e-4)
    assert found["Baros"]["response_time"]["mean_hk"] == 1.0  # Mon 12:00 to Tue 12:00
    assert found[None]["received"] == 1
    by_agency = items_of(call("get_metrics_breakdown", "coordinator", query={**WEEK, "by": "agency"}))
    assert list(by_agency) == ["dinas-putr", "dishub", "dlh"]
    assert [by_agency[a]["received"] for a in by_agency] == [1, 1, 1]  # the dispositions each received
    assert by_agency["dlh"]["response_time"]["n"] == 0
    by_category = items_of(call("get_metrics_breakdown", "coordinator", query={**WEEK, "by": "category"}))
    assert list(by_category) == ["jalan", "pju", "sampah"]
    by_month = items_of(call("get_metrics_breakdown", "coordinator", query={**WEEK, "by": "month"}))
    assert list(by_month) == ["2026-03"]
    assert (by_month["2026-03"]["received"], by_month["2026-03"]["response_time"]["n"]) == (3, 2)
    default = call("get_metrics_breakdown", "coordinator", query=WEEK)
    assert default.body["by"] == "agency"


def test_who_may_read_the_breakdown_and_the_recap(invoke: Invoke, clock: Any) -> None:
    a_week(invoke, clock)
    for role, agency in (("operator", "dishub"), ("official", "dishub")):
        assert call("get_metrics_breakdown", role, agency, query=WEEK).status == 403
        assert (
            call("get_monthly_recap", role, agency, month="2026-03", query={"format": "json"}).status == 403
        )
    assert call("get_metrics_officers", "operator", "dishub", query=WEEK).status == 403
    assert call("get_metrics_breakdown", None, query=WEEK).status == 401
    assert call("get_metrics_officers", "official", "dishub", query=WEEK).status == 200
    assert call("get_monthly_recap", "coordinator", month="2026-03", query={"format": "json"}).status == 200


def test_bad_parameters_are_named(clock: Any) -> None:
    cases = [
        ("get_metrics_breakdown", {"month": None, "query": {**WEEK, "by": "kelurahan"}}, 422, "by"),
        (
            "get_metrics_breakdown",
            {"month": None, "query": {"from": "2026-01-01", "to": "2026-04-03"}},
            422,
            "to",
        ),
        (
            "get_metrics_officers",
            {"month": None, "query": {"from": "2026-03-06", "to": "2026-03-02"}},
            422,
            "from",
        ),
        ("get_metrics_officers", {"month": None, "query": {"from": "kemarin"}}, 400, "from"),
        ("get_monthly_recap", {"month": "2026-3", "query": None}, 422, "month"),
        ("get_monthly_recap", {"month": "2026-04", "query": None}, 422, "month"),  # not begun (March)
        ("get_monthly_recap", {"month": "0000-01", "query": None}, 422, "month"),
        ("get_monthly_recap", {"month": "2026-03", "query": {"format": "pdf"}}, 422, "format"),
    ]
    for name, kwargs, status, field in cases:
        answer = call(name, "coordinator", **kwargs)
        assert answer.status == status, (name, kwargs, answer.body)
        assert field in answer.fields(), (name, kwargs, answer.body)
    english = call("get_metrics_breakdown", query={**WEEK, "by": "x"}, headers={"Accept-Language": "en"})
    assert "Group by" in english.error["message"]


def test_officers_are_named_from_the_roster_and_officials_see_their_agency(
    invoke: Invoke, clock: Any
) -> None:
    put_officers(
        ("sub-ani", "Ani Rahmawati", "operator", "dishub"),
        ("sub-budi", "Budi Santoso", "official", "dishub"),
        ("sub-citra", "Citra Dewi", "operator", "dinas-putr"),
    )
    a_week(invoke, clock)
    answer = call("get_metrics_officers", "leadership", query=WEEK)
    assert answer.status == 200, answer.body
    assert set(answer.body) == {"items"}
    rows = {row["officer_id"]: row for row in answer.body["items"]}
    for row in rows.values():
        assert set(row) == OFFICER_KEYS
    assert list(rows) == ["sub-ani", "sub-ghost", "sub-budi", "sub-citra"]
    assert (rows["sub-ani"]["name"], rows["sub-ani"]["followups"], rows["sub-ani"]["closes"]) == (
        "Ani Rahmawati",
        1,
        0,
    )
    assert rows["sub-ani"]["response_time"]["mean_hk"] == pytest.approx(6 / 24, abs=1e-4)
    assert (rows["sub-ghost"]["name"], rows["sub-ghost"]["agency_id"]) == (None, "dinas-putr")
    assert (rows["sub-budi"]["closes"], rows["sub-budi"]["agency_id"]) == (1, "dishub")
    assert rows["sub-citra"]["followups"] == 0
    assert "sub-koordinator" not in rows  # verifications are not follow-ups or closes
    assert "@" not in json.dumps(answer.body)  # no officer's e-mail outside the roster's own reads
    official = call("get_metrics_officers", "official", "dinas-putr", query=WEEK)
    assert [row["officer_id"] for row in official.body["items"]] == ["sub-ghost", "sub-citra"]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.sources += [str(value) for name, value in attrs if name in ("src", "href", "action")]


def test_the_recap_as_a_printable_page_csv_and_json(invoke: Invoke, clock: Any) -> None:
    put_officers(("sub-ani", "Ani Rahmawati", "operator", "dishub"))
    a_week(invoke, clock)
    page = raw("2026-03", {})
    assert page["statusCode"] == 200
    assert header(page, "Content-Type") == "text/html; charset=utf-8"
    assert header(page, "Content-Language") == "id"
    assert "script-src" not in header(page, "Content-Security-Policy")
    assert header(page, "Content-Security-Policy").startswith("default-src 'none'")
    tags = _Tags()
    tags.feed(page["body"])
    assert "script" not in tags.tags
    assert tags.sources == []
    assert '<html lang="id">' in page["body"]
    assert "Rekapitulasi Pengaduan Bulanan — Maret 2026" in page["body"]
    assert "Ani Rahmawati" in page["body"]
    assert "Dinas Perhubungan" in page["body"]

    english = raw("2026-03", {"format": "html"}, {"Accept-Language": "en-US,en;q=0.9"})
    assert header(english, "Content-Language") == "en"
    assert "Monthly Complaint Recap — March 2026" in english["body"]

    table = raw("2026-03", {"format": "csv"})
    assert header(table, "Content-Type") == "text/csv; charset=utf-8"
    assert 'filename="rekap-2026-03.csv"' in header(table, "Content-Disposition")
    rows = list(csv.DictReader(io.StringIO(table["body"], newline="")))
    assert [row["jenis"] for row in rows] == [
        "kota",
        *["perangkat_daerah"] * 3,
        "petugas",
        "petugas",
        "petugas",
    ]

    document = call("get_monthly_recap", "leadership", month="2026-03", query={"format": "json"})
    recap = Recap.model_validate(document.body)
    assert recap.city.received == 3
    assert [a.agency_id for a in recap.agencies] == ["dinas-putr", "dishub", "dlh"]
    assert [o.officer_id for o in recap.officers] == ["sub-ani", "sub-ghost", "sub-budi"]
    assert recap.target_hk == 2.0
    assert recap.city.response_time_target_met is True


def run_metrics(time: datetime, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    from metrics.handler import run

    event = copy.deepcopy(SCHEDULED)
    event["time"] = time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    event["detail"] = detail or {}
    return run(event, LambdaContext("metrics", 512, 300))


def test_the_backlog_by_group_is_the_nightly_jobs_and_the_snapshot_says_the_target(
    invoke: Invoke, clock: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    a_week(invoke, clock)
    clock.set(at(3, 13, 9))  # Friday 13: S3's respond clock (5 HK from Tue 3) ran out at 24:00 on Tue 10
    run_metrics(at(3, 13, 0), {"date": "2026-03-12"})
    capsys.readouterr()
    daily = call("get_staff_metrics_daily", "coordinator", day="2026-03-12").body
    assert daily["response_time_target_hk"] == 2.0
    assert daily["city"]["backlog"]["overdue"] == 1
    assert daily["city"]["response_time_target_met"] is None  # no answer that day
    by_kecamatan = items_of(
        call(
            "get_metrics_breakdown",
            "coordinator",
            query={"from": "2026-03-02", "to": "2026-03-12", "by": "kecamatan"},
        )
    )
    assert by_kecamatan[None]["backlog"] == {"overdue": 1, "oldest_hk": 2.0, "mean_age_hk": 2.0}  # Wed, Thu
    by_agency = items_of(
        call("get_metrics_breakdown", "coordinator", query={"from": "2026-03-02", "to": "2026-03-12"})
    )
    assert by_agency["dlh"]["backlog"]["overdue"] == 1
    assert by_agency["dishub"]["backlog"]["overdue"] == 0

    # The job sends the day's summed response times, from which the alarm takes the 7-day mean.
    run_metrics(at(3, 3, 0), {"date": "2026-03-02"})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    city = next(line for line in lines if line["Agency"] == "city")
    assert (city["ResponseTimeN"], city["ResponseTimeSumHK"]) == (1, 0.25)


def test_a_breakdown_costs_one_query_a_day_and_one_for_the_stored_days(
    invoke: Invoke, clock: Any, calls: DynamoCalls
) -> None:
    a_week(invoke, clock)
    put_officers(("sub-ani", "Ani Rahmawati", "operator", "dishub"))
    call("get_metrics_breakdown", "coordinator", query=WEEK)  # the city's setup, read once a container
    for days in (5, 20, 60):
        first = (date(2026, 3, 6) - timedelta(days=days - 1)).isoformat()
        calls.reset()
        answer = call("get_metrics_breakdown", "coordinator", query={"from": first, "to": "2026-03-06"})
        assert answer.status == 200
        # A day's events fit one page here; the stored days; the roster check of every staff request.
        assert calls.counts == {"Query": days + 1 + ROSTER_CHECK}, days
        calls.reset()
        call("get_metrics_officers", "coordinator", query={"from": first, "to": "2026-03-06"})
        assert calls.counts == {"Query": days + 1 + ROSTER_CHECK}, days  # the days, the roster, the caller
    assert calls.writes == 0
