"""The monthly recap (`lapor.domain.recap`) and its printable page and CSV (`lapor.domain.recap_render`)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from typing import Any

import pytest

from lapor.domain.activity import OfficerActivity
from lapor.domain.breakdown import Breakdown, BreakdownItem
from lapor.domain.recap import TOP_OFFICERS, Recap, build_recap, month_days
from lapor.domain.recap_render import CSV_COLUMNS, recap_csv, recap_html


def times(n: int, mean: float) -> dict[str, Any]:
    return {
        "n": n,
        "mean_hk": mean,
        "median_hk": mean,
        "p90_hk": mean,
        "mean_days": mean * 1.4,
        "median_days": mean,
        "p90_days": mean,
    }


def item(key: str | None, received: int, n: int, mean: float, overdue: int = 0) -> BreakdownItem:
    return {
        "key": key,
        "received": received,
        "response_time": times(n, mean),  # type: ignore[typeddict-item]
        "on_time_rate": {"verify": 1.0, "respond": 0.75, "resolve": 0.5},
        "backlog": {
            "overdue": overdue,
            "oldest_hk": 1.5 if overdue else 0.0,
            "mean_age_hk": 1.0 if overdue else 0.0,
        },
    }


def officer(officer_id: str, name: str | None, followups: int, closes: int) -> OfficerActivity:
    return {
        "officer_id": officer_id,
        "name": name,
        "agency_id": "dishub",
        "followups": followups,
        "closes": closes,
        "response_time": times(followups, 0.5),  # type: ignore[typeddict-item]
    }


def recap(officers: list[OfficerActivity] | None = None, **names: str) -> Recap:
    by_agency = Breakdown(
        city=item(None, 12, 4, 1.89, overdue=3),
        items=[item("dinas-putr", 5, 3, 2.25, overdue=2), item("dishub", 4, 1, 0.75)],
    )
    return build_recap(
        "2026-03",
        target_hk=2.0,
        by_agency=by_agency,
        officers=officers if officers is not None else [officer("sub-ani", "Ani Rahmawati", 3, 1)],
        agency_names={
            "dinas-putr": "Dinas Pekerjaan Umum dan Tata Ruang",
            "dishub": "Dinas Perhubungan",
            **names,
        },
        backlog_as_of=date(2026, 3, 31),
        generated_at=datetime(2026, 4, 1, 1, 30, tzinfo=UTC),
    )


def test_a_months_days() -> None:
    assert month_days("2026-03") == (date(2026, 3, 1), date(2026, 3, 31))
    assert month_days("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    assert month_days("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    for outside in ("1999-12", "2101-01", "9999-12", "2026-13", "2026-00", "2026-1", "x"):
        with pytest.raises(ValueError, match="not a month"):
            month_days(outside)


def test_the_recap_holds_the_figures_and_the_target_verdicts() -> None:
    built = recap()
    answer = built.model_dump(mode="json", by_alias=True)
    assert (answer["month"], answer["from"], answer["to"]) == ("2026-03", "2026-03-01", "2026-03-31")
    assert answer["target_hk"] == 2.0
    assert answer["backlog_as_of"] == "2026-03-31"
    assert answer["city"]["received"] == 12
    assert answer["city"]["response_time_target_met"] is True  # 1.89 under 2
    putr, dishub = answer["agencies"]
    assert (putr["agency_id"], putr["name"]) == ("dinas-putr", "Dinas Pekerjaan Umum dan Tata Ruang")
    assert putr["response_time_target_met"] is False  # 2.25
    assert dishub["response_time_target_met"] is True
    assert putr["backlog"] == {"overdue": 2, "oldest_hk": 1.5, "mean_age_hk": 1.0}
    assert answer["officers"][0]["officer_id"] == "sub-ani"


def test_only_active_officers_and_at_most_the_top_ten() -> None:
    many = [officer(f"sub-{n:02d}", f"Petugas {n}", 20 - n, 0) for n in range(14)]
    built = recap([*many, officer("sub-idle", "Idle", 0, 0)])
    assert [o.officer_id for o in built.officers] == [f"sub-{n:02d}" for n in range(TOP_OFFICERS)]
    assert "sub-idle" not in {o.officer_id for o in recap([officer("sub-idle", "Idle", 0, 0)]).officers}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


def test_the_page_is_indonesian_self_contained_and_printable() -> None:
    page = recap_html(recap(), "id")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="id">' in page
    found = parsed(page)
    assert "script" not in found.tags
    assert not {"img", "link", "iframe", "object", "embed", "form"} & set(found.tags)
    assert not [value for name, value in found.attributes if name in ("src", "href", "action")]
    assert "url(" not in page
    assert "@import" not in page
    assert "http" not in page
    assert "@page" in page
    assert "@media print" in page
    text = " ".join(found.text)
    assert "Rekapitulasi Pengaduan Bulanan — Maret 2026" in text
    assert "di bawah 2 hari kerja (HK)" in text
    assert "1 Maret 2026 – 31 Maret 2026" in text
    assert "Tunggakan per 24.00 WIB tanggal 31 Maret 2026" in text
    assert "1,89" in text
    assert "2,25" in text
    assert "Tercapai" in text
    assert "Belum tercapai" in text
    assert "Ani Rahmawati" in text
    assert "75,0%" in text


def test_the_page_in_english_when_asked() -> None:
    page = recap_html(recap(), "en")
    assert '<html lang="en">' in page
    text = " ".join(parsed(page).text)
    assert "Monthly Complaint Recap — March 2026" in text
    assert "under 2 working days (HK)" in text
    assert "1.89" in text
    assert "Missed" in text


def test_the_page_escapes_every_name() -> None:
    hostile = "<script>alert(1)</script>"
    built = recap([officer("sub-x", hostile, 1, 0)], dishub=hostile)
    page = recap_html(built, "id")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "script" not in parsed(page).tags


def test_the_page_says_when_nobody_acted() -> None:
    assert "Belum ada tindak lanjut atau penutupan bulan ini." in recap_html(recap([]), "id")


def rows(text: str) -> list[dict[str, str]]:
    lines = list(csv.reader(io.StringIO(text, newline="")))
    return [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]


def test_the_csv_is_one_table_city_agencies_officers() -> None:
    text = recap_csv(recap(), "id")
    assert text.endswith("\r\n")
    assert text.splitlines()[0] == ",".join(indonesian for indonesian, _ in CSV_COLUMNS.values())
    found = rows(text)
    assert [row["jenis"] for row in found] == ["kota", "perangkat_daerah", "perangkat_daerah", "petugas"]
    city, putr, _, ani = found
    assert (city["diterima"], city["respons_rata_hk"], city["target_tercapai"]) == ("12", "1.89", "ya")
    assert (putr["id"], putr["target_tercapai"], putr["tunggakan_terlambat"]) == ("dinas-putr", "tidak", "2")
    assert putr["tepat_waktu_respons"] == "0.75"
    assert (ani["nama"], ani["tindak_lanjut"], ani["penutupan"], ani["diterima"]) == (
        "Ani Rahmawati",
        "3",
        "1",
        "",
    )


def test_the_csv_in_english_and_guarded_against_formulas() -> None:
    text = recap_csv(recap([officer("sub-x", "=HYPERLINK(1)", 1, 0)]), "en")
    found = rows(text)
    assert [row["kind"] for row in found] == ["city", "agency", "agency", "officer"]
    assert found[-1]["name"] == "'=HYPERLINK(1)"
    assert found[0]["target_met"] == "yes"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_number_of_the_csv_reads_back(lang: str) -> None:
    for row in rows(recap_csv(recap(), lang)):  # type: ignore[arg-type]
        for column, cell in row.items():
            if cell and re.fullmatch(r"-?\d+(\.\d+)?", cell) is None:
                assert column in {
                    "jenis",
                    "kind",
                    "id",
                    "nama",
                    "name",
                    "perangkat_daerah",
                    "agency_id",
                    "target_tercapai",
                    "target_met",
                }, (column, cell)
