"""The monthly recap (`lapor.domain.recap`) as a printable HTML page and as CSV, in Indonesian (English when
asked).

The page is one self-contained document: its styles inline (print CSS: A4 landscape, tables that do not
break inside a row), no script, no image, no font or style from anywhere else; every text from the data is
escaped. The CSV is one rectangular table (RFC 4180, the header line first): a row for the city, one per
agency, one per listed officer, told apart by the first column; numbers with a decimal point, cells that do
not apply empty, text cells guarded against formula injection as the report export guards them.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping, Sequence
from datetime import date

from lapor.domain.exports import safe_text
from lapor.domain.messages import Lang
from lapor.domain.recap import Recap, RecapFigures, RecapOfficer, Times

MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# (Indonesian, English)
TEXT: Mapping[str, tuple[str, str]] = {
    "title": ("Rekapitulasi Pengaduan Bulanan", "Monthly Complaint Recap"),
    "subtitle": ("Bahan rapat koordinasi (rakor)", "For the coordination meeting (rakor)"),
    "period": ("Periode", "Period"),
    "target": ("Target rata-rata durasi respons", "Mean response time target"),
    "target_text": ("di bawah {target} hari kerja (HK)", "under {target} working days (HK)"),
    "backlog_as_of": ("Tunggakan per 24.00 WIB tanggal", "Backlog as of 24:00 WIB on"),
    "backlog_none": ("Tunggakan: belum ada data harian tersimpan", "Backlog: no stored day yet"),
    "generated": ("Dibuat", "Generated"),
    "agencies": ("Kinerja perangkat daerah", "Agencies"),
    "agency": ("Perangkat daerah", "Agency"),
    "city": ("Kota (seluruh laporan)", "City (every report)"),
    "received": ("Diterima", "Received"),
    "responses": ("Respons (n)", "Responses (n)"),
    "mean_hk": ("Rata-rata (HK)", "Mean (HK)"),
    "median_hk": ("Median (HK)", "Median (HK)"),
    "p90_hk": ("P90 (HK)", "P90 (HK)"),
    "mean_days": ("Rata-rata (hari)", "Mean (days)"),
    "target_met": ("Target", "Target"),
    "met": ("Tercapai", "Met"),
    "missed": ("Belum tercapai", "Missed"),
    "no_sample": ("Tanpa data", "No data"),
    "on_time_verify": ("Tepat waktu: verifikasi", "On time: verify"),
    "on_time_respond": ("Tepat waktu: respons", "On time: respond"),
    "on_time_resolve": ("Tepat waktu: penyelesaian", "On time: resolve"),
    "overdue": ("Tunggakan terlambat", "Overdue backlog"),
    "oldest_hk": ("Tertua (HK)", "Oldest (HK)"),
    "officers": ("Petugas paling aktif", "Most active officers"),
    "officer": ("Petugas", "Officer"),
    "followups": ("Tindak lanjut", "Follow-ups"),
    "closes": ("Penutupan", "Closes"),
    "response_mean_hk": ("Rata-rata respons (HK)", "Mean response (HK)"),
    "no_officers": ("Belum ada tindak lanjut atau penutupan bulan ini.", "No follow-up or close this month."),
    "no_agencies": ("Belum ada disposisi bulan ini.", "No disposition this month."),
    "unnamed": ("(tidak ada di daftar petugas)", "(not in the roster)"),
    "notes": ("Keterangan", "Notes"),
    "note_received": (
        "Diterima: untuk kota, laporan yang masuk; untuk perangkat daerah, disposisi yang diterimanya.",
        "Received: for the city, reports submitted; for an agency, the dispositions it received.",
    ),
    "note_response": (
        "Durasi respons: dari disposisi sampai tindak lanjut pertama perangkat daerah, dalam hari kerja (HK) "
        "dan hari kalender; median dan P90 dengan peringkat terdekat.",
        "Response time: from a disposition to the agency's first follow-up, in working days (HK) and "
        "calendar days; median and p90 by nearest rank.",
    ),
    "note_on_time": (
        "Tepat waktu: tenggat yang dihentikan sebelum batas waktunya dibagi tenggat yang dihentikan atau "
        "terlambat dalam bulan ini.",
        "On time: clocks stopped by their deadline over the clocks stopped or overdue in the month.",
    ),
}

CSV_COLUMNS: Mapping[str, tuple[str, str]] = {
    "kind": ("jenis", "kind"),
    "id": ("id", "id"),
    "name": ("nama", "name"),
    "agency_id": ("perangkat_daerah", "agency_id"),
    "received": ("diterima", "received"),
    "followups": ("tindak_lanjut", "followups"),
    "closes": ("penutupan", "closes"),
    "response_n": ("respons_n", "response_n"),
    "response_mean_hk": ("respons_rata_hk", "response_mean_hk"),
    "response_median_hk": ("respons_median_hk", "response_median_hk"),
    "response_p90_hk": ("respons_p90_hk", "response_p90_hk"),
    "response_mean_days": ("respons_rata_hari", "response_mean_days"),
    "response_median_days": ("respons_median_hari", "response_median_days"),
    "response_p90_days": ("respons_p90_hari", "response_p90_days"),
    "target_hk": ("target_hk", "target_hk"),
    "target_met": ("target_tercapai", "target_met"),
    "on_time_verify": ("tepat_waktu_verifikasi", "on_time_verify"),
    "on_time_respond": ("tepat_waktu_respons", "on_time_respond"),
    "on_time_resolve": ("tepat_waktu_penyelesaian", "on_time_resolve"),
    "backlog_overdue": ("tunggakan_terlambat", "backlog_overdue"),
    "backlog_oldest_hk": ("tunggakan_tertua_hk", "backlog_oldest_hk"),
    "backlog_mean_age_hk": ("tunggakan_rata_umur_hk", "backlog_mean_age_hk"),
}
CSV_KINDS: Mapping[str, tuple[str, str]] = {
    "city": ("kota", "city"),
    "agency": ("perangkat_daerah", "agency"),
    "officer": ("petugas", "officer"),
}
CSV_FLAGS = {True: ("ya", "yes"), False: ("tidak", "no")}


def _t(key: str, lang: Lang) -> str:
    indonesian, english = TEXT[key]
    return english if lang == "en" else indonesian


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[1] if lang == "en" else pair[0]


# --- HTML ------------------------------------------------------------------------------------------------

_STYLE = """
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; font-size: 10pt; color: #000;
       margin: 0 auto; max-width: 297mm; padding: 8mm; }
h1 { font-size: 16pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; }
p { margin: 1mm 0; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #555; padding: 1.2mm 1.6mm; vertical-align: top; }
th { background: #e6e6e6; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr { page-break-inside: avoid; break-inside: avoid; }
thead { display: table-header-group; }
tr.city td { font-weight: bold; background: #f3f3f3; }
.bar { display: block; height: 2mm; background: #444; margin-top: 0.8mm; }
.missed { font-weight: bold; }
.notes { font-size: 8.5pt; margin-top: 5mm; }
@media print { body { padding: 0; max-width: none; } }
"""


def _number(value: float, lang: Lang, digits: int = 2) -> str:
    text = f"{value:.{digits}f}"
    return text if lang == "en" else text.replace(".", ",")


def _percent(value: float, lang: Lang) -> str:
    return _number(value * 100, lang, 1) + "%"


def _long_date(day: date, lang: Lang) -> str:
    months = MONTHS_EN if lang == "en" else MONTHS_ID
    return f"{day.day} {months[day.month - 1]} {day.year}"


def _month_title(recap: Recap, lang: Lang) -> str:
    months = MONTHS_EN if lang == "en" else MONTHS_ID
    return f"{months[recap.first.month - 1]} {recap.first.year}"


def _verdict(met: bool | None, lang: Lang) -> str:
    if met is None:
        return html.escape(_t("no_sample", lang))
    if met:
        return "✓ " + html.escape(_t("met", lang))
    return '<span class="missed">✗ ' + html.escape(_t("missed", lang)) + "</span>"


def _bar(times: Times, scale: float) -> str:
    """A bar for the mean in HK (the number beside it says the same: the bar is an aid, not the figure)."""
    width = 0.0 if scale <= 0 else min(100.0, times.mean_hk / scale * 100)
    return f'<span class="bar" style="width: {width:.0f}%" aria-hidden="true"></span>'


def _figures_cells(figures: RecapFigures, scale: float, lang: Lang) -> str:
    times, rates, backlog = figures.response_time, figures.on_time_rate, figures.backlog
    cells = [
        str(figures.received),
        str(times.n),
        _number(times.mean_hk, lang) + _bar(times, scale),
        _number(times.median_hk, lang),
        _number(times.p90_hk, lang),
        _number(times.mean_days, lang),
    ]
    out = "".join(f'<td class="n">{cell}</td>' for cell in cells)
    out += f"<td>{_verdict(figures.response_time_target_met, lang)}</td>"
    rates_cells = [_percent(rates.verify, lang), _percent(rates.respond, lang), _percent(rates.resolve, lang)]
    out += "".join(f'<td class="n">{cell}</td>' for cell in rates_cells)
    out += f'<td class="n">{backlog.overdue}</td><td class="n">{_number(backlog.oldest_hk, lang)}</td>'
    return out


def _agency_table(recap: Recap, lang: Lang) -> str:
    headers = [
        "agency",
        "received",
        "responses",
        "mean_hk",
        "median_hk",
        "p90_hk",
        "mean_days",
        "target_met",
        "on_time_verify",
        "on_time_respond",
        "on_time_resolve",
        "overdue",
        "oldest_hk",
    ]
    scale = max(
        [recap.target_hk * 2]
        + [agency.response_time.mean_hk for agency in recap.agencies]
        + [recap.city.response_time.mean_hk]
    )
    head = "".join(f'<th scope="col">{html.escape(_t(h, lang))}</th>' for h in headers)
    rows = [
        f'<tr class="city"><th scope="row">{html.escape(_t("city", lang))}</th>'
        f"{_figures_cells(recap.city, scale, lang)}</tr>"
    ]
    for agency in recap.agencies:
        name = html.escape(agency.name)
        rows.append(f'<tr><th scope="row">{name}</th>{_figures_cells(agency, scale, lang)}</tr>')
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    if not recap.agencies:
        table += f"<p>{html.escape(_t('no_agencies', lang))}</p>"
    return table


def _officer_table(officers: Sequence[RecapOfficer], names: Mapping[str, str], lang: Lang) -> str:
    if not officers:
        return f"<p>{html.escape(_t('no_officers', lang))}</p>"
    headers = ["officer", "agency", "followups", "closes", "response_mean_hk", "responses"]
    head = "".join(f'<th scope="col">{html.escape(_t(h, lang))}</th>' for h in headers)
    rows = []
    for officer in officers:
        name = html.escape(officer.name) if officer.name else html.escape(_t("unnamed", lang))
        agency = html.escape(names.get(officer.agency_id or "", officer.agency_id or "–"))
        rows.append(
            f'<tr><th scope="row">{name}</th><td>{agency}</td><td class="n">{officer.followups}</td>'
            f'<td class="n">{officer.closes}</td>'
            f'<td class="n">{_number(officer.response_time.mean_hk, lang)}</td>'
            f'<td class="n">{officer.response_time.n}</td></tr>'
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def recap_html(recap: Recap, lang: Lang) -> str:
    """The printable page: `<html lang="id">` (or `en` when asked), self-contained, no script."""
    names = {agency.agency_id: agency.name for agency in recap.agencies}
    title = f"{_t('title', lang)} — {_month_title(recap, lang)}"
    target = _t("target_text", lang).format(target=_number(recap.target_hk, lang, 2).rstrip("0").rstrip(",."))
    if recap.backlog_as_of is not None:
        backlog = f"{_t('backlog_as_of', lang)} {_long_date(recap.backlog_as_of, lang)}"
    else:
        backlog = _t("backlog_none", lang)
    period = f"{_long_date(recap.first, lang)} – {_long_date(recap.last, lang)} (WIB)"
    generated = recap.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    notes = "".join(f"<li>{html.escape(_t(key, lang))}</li>" for key in ("note_received", "note_response"))
    notes += f"<li>{html.escape(_t('note_on_time', lang))}</li>"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"en" if lang == "en" else "id"}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n"
        f"<p>{html.escape(_t('subtitle', lang))}</p>\n"
        f"<p>{html.escape(_t('period', lang))}: {html.escape(period)}</p>\n"
        f"<p>{html.escape(_t('target', lang))}: <strong>{html.escape(target)}</strong></p>\n"
        f"<p>{html.escape(backlog)}</p>\n"
        f"<h2>{html.escape(_t('agencies', lang))}</h2>\n{_agency_table(recap, lang)}\n"
        f"<h2>{html.escape(_t('officers', lang))}</h2>\n{_officer_table(recap.officers, names, lang)}\n"
        f'<div class="notes"><strong>{html.escape(_t("notes", lang))}</strong><ul>{notes}</ul>'
        f"<p>{html.escape(_t('generated', lang))}: {html.escape(generated)}</p></div>\n"
        "</body>\n</html>\n"
    )


# --- CSV -------------------------------------------------------------------------------------------------


def _flag(met: bool | None, lang: Lang) -> str:
    return "" if met is None else _pick(CSV_FLAGS[met], lang)


def _time_cells(times: Times) -> dict[str, str]:
    return {
        "response_n": str(times.n),
        "response_mean_hk": repr(times.mean_hk),
        "response_median_hk": repr(times.median_hk),
        "response_p90_hk": repr(times.p90_hk),
        "response_mean_days": repr(times.mean_days),
        "response_median_days": repr(times.median_days),
        "response_p90_days": repr(times.p90_days),
    }


def _figure_cells(figures: RecapFigures, target_hk: float, lang: Lang) -> dict[str, str]:
    rates, backlog = figures.on_time_rate, figures.backlog
    return {
        "received": str(figures.received),
        **_time_cells(figures.response_time),
        "target_hk": repr(target_hk),
        "target_met": _flag(figures.response_time_target_met, lang),
        "on_time_verify": repr(rates.verify),
        "on_time_respond": repr(rates.respond),
        "on_time_resolve": repr(rates.resolve),
        "backlog_overdue": str(backlog.overdue),
        "backlog_oldest_hk": repr(backlog.oldest_hk),
        "backlog_mean_age_hk": repr(backlog.mean_age_hk),
    }


def recap_csv(recap: Recap, lang: Lang) -> str:
    """One table: the city's row, each agency's, each listed officer's (`jenis`/`kind` tells them apart)."""
    rows: list[dict[str, str]] = [
        {
            "kind": _pick(CSV_KINDS["city"], lang),
            "id": "",
            "name": _t("city", lang),
            **_figure_cells(recap.city, recap.target_hk, lang),
        }
    ]
    for agency in recap.agencies:
        rows.append(
            {
                "kind": _pick(CSV_KINDS["agency"], lang),
                "id": safe_text(agency.agency_id),
                "name": safe_text(agency.name),
                "agency_id": safe_text(agency.agency_id),
                **_figure_cells(agency, recap.target_hk, lang),
            }
        )
    for officer in recap.officers:
        rows.append(
            {
                "kind": _pick(CSV_KINDS["officer"], lang),
                "id": safe_text(officer.officer_id),
                "name": safe_text(officer.name or ""),
                "agency_id": safe_text(officer.agency_id or ""),
                "followups": str(officer.followups),
                "closes": str(officer.closes),
                **_time_cells(officer.response_time),
            }
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_pick(label, lang) for label in CSV_COLUMNS.values()])
    writer.writerows([[row.get(column, "") for column in CSV_COLUMNS] for row in rows])
    return out.getvalue()
