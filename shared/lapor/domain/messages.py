"""What a citizen or an officer reads: Indonesian first, English on request.

`error_message(code, lang)` words a whole error; `field_message(field, key, params, lang)` words one field's
problem. Keys are the stable error codes and the problem types of the input models (pydantic's own types
for the common cases, ours for the rest).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Lang = Literal["id", "en"]

ERRORS: Mapping[str, tuple[str, str]] = {
    "validation_error": ("Data yang dikirim tidak valid.", "The submitted data is not valid."),
    "malformed_json": ("Isi permintaan bukan JSON yang sah.", "The request body is not valid JSON."),
    "bad_request": ("Permintaan tidak dapat dibaca.", "The request could not be parsed."),
    "unsupported_media_type": (
        "Isi permintaan harus berjenis application/json.",
        "The request body must be application/json.",
    ),
    "payload_too_large": (
        "Isi permintaan melebihi 64 KiB.",
        "The request body is larger than 64 KiB.",
    ),
    "not_found": ("Data tidak ditemukan.", "Not found."),
    "invalid_token": (
        "Token laporan tidak cocok dengan laporan ini.",
        "The report token does not match this report.",
    ),
    "use_staff_route": (
        "Petugas melampirkan berkas lewat POST /staff/reports/{id}/attachments dengan token staf.",
        "Staff attach files through POST /staff/reports/{id}/attachments with their staff token.",
    ),
    "unauthorized": ("Silakan masuk terlebih dahulu.", "Authentication is required."),
    "forbidden": ("Peran Anda tidak boleh melakukan tindakan ini.", "Your role may not take this action."),
    "invalid_transition": (
        "Tindakan ini tidak dapat dilakukan pada status laporan saat ini.",
        "This action is not possible in the report's current status.",
    ),
    "version_conflict": (
        "Laporan telah diubah oleh pihak lain. Muat ulang lalu coba lagi.",
        "The report was changed by someone else. Reload and try again.",
    ),
    "too_many_attachments": (
        "Laporan ini sudah memiliki 5 lampiran (batasnya).",
        "This report already has 5 attachments (the limit).",
    ),
    "already_rated": ("Laporan ini sudah dinilai.", "This report has already been rated."),
    "agency_has_open_reports": (
        "Perangkat daerah ini masih memegang laporan yang belum selesai; teruskan laporan tersebut ke "
        "perangkat daerah lain sebelum menonaktifkannya.",
        "This agency still holds open reports; forward them to another agency before deactivating it.",
    ),
    "officer_exists": (
        "Petugas dengan alamat e-mail ini sudah terdaftar.",
        "An officer with this e-mail address is on the roster already.",
    ),
    "identity_erased": (
        "Identitas pelapor laporan ini telah dihapus.",
        "The reporter's identity of this report has been erased.",
    ),
    "cannot_relax_privacy": (
        "Pilihan anonim dan rahasia pelapor hanya dapat diperketat, tidak dilonggarkan.",
        "A reporter's anonymous and confidential choices can only be tightened, never relaxed.",
    ),
    "invalid_code": (
        "Kode konfirmasi salah atau sudah kedaluwarsa.",
        "The confirmation code is wrong or has expired.",
    ),
    "code_void": (
        "Kode konfirmasi tidak berlaku lagi. Minta kode baru.",
        "The confirmation code is no longer valid. Ask for a new one.",
    ),
    "idempotency_key_reused": (
        "Idempotency-Key ini sudah dipakai untuk permintaan lain.",
        "This Idempotency-Key was already used for a different request.",
    ),
    "request_in_progress": (
        "Permintaan yang sama sedang diproses. Coba lagi sebentar lagi.",
        "The same request is being processed. Try again shortly.",
    ),
    "service_unavailable": (
        "Layanan sedang sibuk. Coba lagi sebentar lagi.",
        "The service is busy. Try again shortly.",
    ),
    "throttled": ("Terlalu banyak permintaan. Coba lagi nanti.", "Too many requests. Try again later."),
    "server_error": ("Terjadi kesalahan pada server.", "Something went wrong on the server."),
}

FIELD_LABELS: Mapping[str, tuple[str, str]] = {
    "type": ("Jenis laporan", "Report type"),
    "title": ("Judul", "Title"),
    "description": ("Deskripsi", "Description"),
    "category": ("Kategori", "Category"),
    "location": ("Lokasi", "Location"),
    "location.lat": ("Lintang", "Latitude"),
    "location.lon": ("Bujur", "Longitude"),
    "location.address": ("Alamat", "Address"),
    "location.kecamatan": ("Kecamatan", "Kecamatan"),
    "location.kelurahan": ("Kelurahan", "Kelurahan"),
    "incident_date": ("Tanggal kejadian", "Incident date"),
    "anonymous": ("Anonim", "Anonymous"),
    "confidential": ("Rahasia", "Confidential"),
    "reporter": ("Identitas pelapor", "Reporter"),
    "reporter.name": ("Nama pelapor", "Reporter's name"),
    "reporter.email": ("E-mail pelapor", "Reporter's e-mail"),
    "reporter.phone": ("Telepon pelapor", "Reporter's phone"),
    "reporter.nik": ("NIK pelapor", "Reporter's NIK"),
    "message": ("Pesan", "Message"),
    "reopen": ("Buka kembali", "Reopen"),
    "score": ("Nilai", "Score"),
    "resolved": ("Terselesaikan", "Resolved"),
    "comment": ("Komentar", "Comment"),
    "limit": ("Batas", "Limit"),
    "cursor": ("Kursor", "Cursor"),
    "status": ("Status", "Status"),
    "agency_id": ("Perangkat daerah", "Agency"),
    "body": ("Isi permintaan", "Request body"),
    "idempotency-key": ("Idempotency-Key", "Idempotency-Key"),
    "x-report-token": ("X-Report-Token", "X-Report-Token"),
    "Content-Type": ("Content-Type", "Content-Type"),
    "id": ("Nomor laporan", "Report id"),
    "if-match": ("If-Match", "If-Match"),
    "rules": ("Aturan", "Rules"),
    "add": ("Tambah", "Add"),
    "remove": ("Hapus", "Remove"),
    "year": ("Tahun", "Year"),
    "reason": ("Alasan", "Reason"),
    "resolution": ("Penyelesaian", "Resolution"),
    "note": ("Catatan", "Note"),
    "target": ("Tujuan", "Target"),
    "internal": ("Internal", "Internal"),
    "requires_supervision": ("Berkadar pengawasan", "Requires supervision"),
    "overdue": ("Terlambat", "Overdue"),
    "q": ("Kata kunci", "Search"),
    "from": ("Dari tanggal", "From"),
    "content_type": ("Jenis berkas", "File type"),
    "size": ("Ukuran berkas", "File size"),
    "to": ("Sampai tanggal", "To"),
    "code": ("Kode konfirmasi", "Confirmation code"),
    "contact_confirmed": ("Kontak terkonfirmasi", "Contact confirmed"),
    "field": ("Bagian yang disunting", "Redacted field"),
    "short_name": ("Nama singkat", "Short name"),
    "active": ("Aktif", "Active"),
    "name": ("Nama", "Name"),
    "default_agency_id": ("Perangkat daerah bawaan", "Default agency"),
    "default_type": ("Jenis laporan bawaan", "Default report type"),
    "email": ("E-mail", "E-mail"),
    "role": ("Peran", "Role"),
    "decree": ("Surat keputusan (SK)", "Decree (SK)"),
    "decree.number": ("Nomor SK", "Decree number"),
    "decree.date": ("Tanggal SK", "Decree date"),
    "seq": ("Nomor entri", "Entry number"),
    "text": ("Teks pengganti", "Replacement text"),
    "by": ("Pengelompokan", "Group by"),
    "month": ("Bulan", "Month"),
    "format": ("Format", "Format"),
}

# Problem type -> (Indonesian, English); `{label}` and the problem's parameters are filled in.
PROBLEMS: Mapping[str, tuple[str, str]] = {
    "missing": ("{label} wajib diisi.", "{label} is required."),
    "blank": ("{label} tidak boleh kosong.", "{label} must not be blank."),
    "string_type": ("{label} harus berupa teks.", "{label} must be text."),
    "bool_type": ("{label} harus bernilai true atau false.", "{label} must be true or false."),
    "int_type": ("{label} harus berupa bilangan bulat.", "{label} must be a whole number."),
    "float_type": ("{label} harus berupa angka.", "{label} must be a number."),
    "int_parsing": ("{label} harus berupa bilangan bulat.", "{label} must be a whole number."),
    "model_type": ("{label} harus berupa objek JSON.", "{label} must be a JSON object."),
    "dict_type": ("{label} harus berupa objek JSON.", "{label} must be a JSON object."),
    "string_too_short": (
        "{label} minimal {min_length} karakter.",
        "{label} must be at least {min_length} characters.",
    ),
    "string_too_long": (
        "{label} maksimal {max_length} karakter.",
        "{label} must be at most {max_length} characters.",
    ),
    "greater_than_equal": ("{label} minimal {ge}.", "{label} must be at least {ge}."),
    "less_than_equal": ("{label} maksimal {le}.", "{label} must be at most {le}."),
    "literal_error": ("{label} harus salah satu dari: {expected}.", "{label} must be one of: {expected}."),
    "extra_forbidden": ("Kolom {label} tidak dikenal.", "Unknown field {label}."),
    "date_format": (
        "{label} harus berformat YYYY-MM-DD.",
        "{label} must be a date as YYYY-MM-DD.",
    ),
    "date_from_datetime_parsing": (
        "{label} harus berformat YYYY-MM-DD.",
        "{label} must be a date as YYYY-MM-DD.",
    ),
    "date_parsing": ("{label} bukan tanggal yang sah.", "{label} is not a valid date."),
    "date_range": (
        "{label} harus antara 2000-01-01 dan 2100-12-31.",
        "{label} must be between 2000-01-01 and 2100-12-31.",
    ),
    "future_date": ("{label} tidak boleh di masa depan.", "{label} must not be in the future."),
    "cannot_relax": (
        "{label} tidak dapat dimatikan setelah dipilih pelapor.",
        "{label} cannot be turned off once chosen.",
    ),
    "wrong_code": (
        "{label} salah atau sudah kedaluwarsa.",
        "{label} is wrong or has expired.",
    ),
    "invalid_email": ("{label} bukan alamat e-mail yang sah.", "{label} is not a valid e-mail address."),
    "invalid_phone": (
        "{label} harus 8–15 angka, boleh diawali +.",
        "{label} must be 8 to 15 digits, optionally starting with +.",
    ),
    "invalid_nik": ("{label} harus 16 angka.", "{label} must be 16 digits."),
    "invalid_code": ("{label} bukan kode yang sah.", "{label} is not a valid code."),
    "contact_required": (
        "Isi e-mail atau telepon pelapor agar kami dapat menghubungi Anda.",
        "Give the reporter's e-mail or phone so that we can reach you.",
    ),
    "unknown_category": (
        "{label} tidak dikenal; lihat GET /categories.",
        "{label} is unknown; see GET /categories.",
    ),
    "invalid_cursor": ("{label} tidak sah.", "{label} is not valid."),
    "json_invalid": ("Isi permintaan bukan JSON yang sah.", "The request body is not valid JSON."),
    "duplicate_rule": (
        "Ada lebih dari satu aturan untuk kategori dan kecamatan yang sama.",
        "There is more than one rule for the same category and kecamatan.",
    ),
    "unknown_agency": (
        "{label} tidak dikenal; lihat GET /agencies.",
        "{label} is unknown; see GET /agencies.",
    ),
    "inactive_category": (
        "{label} sudah tidak aktif; lihat GET /categories.",
        "{label} is no longer active; see GET /categories.",
    ),
    "inactive_agency": (
        "{label} sudah tidak aktif; lihat GET /agencies.",
        "{label} is no longer active; see GET /agencies.",
    ),
    "agency_required": (
        "{label} wajib diisi untuk operator dan pejabat perangkat daerah.",
        "{label} is required of an agency's operator or official.",
    ),
    "agency_not_allowed": (
        "{label} hanya diisi untuk operator dan pejabat perangkat daerah.",
        "{label} is given only for an agency's operator or official.",
    ),
    "not_a_staff_role": (
        "{label} harus salah satu dari: coordinator, operator, official, leadership.",
        "{label} must be one of: coordinator, operator, official, leadership.",
    ),
    "unknown_kecamatan": (
        "{label} bukan kecamatan kota ini.",
        "{label} is not one of the city's kecamatan.",
    ),
    "stale_version": ("{label} harus berupa nomor versi.", "{label} must be a version number."),
    "wrong_year": ("{label} bukan tanggal pada tahun ini.", "{label} is not a date of this year."),
    "too_large": ("{label} melebihi 64 KiB.", "{label} is larger than 64 KiB."),
    "not_json": ("{label} harus application/json.", "{label} must be application/json."),
    "file_too_large": ("{label} melebihi {max_mb} MB.", "{label} is larger than {max_mb} MB."),
    "only_for_entry": (
        '{label} hanya diisi bila yang disunting adalah entri linimasa (field "entry").',
        '{label} is given only when the redacted field is a timeline entry (field "entry").',
    ),
    "no_such_entry": (
        "Linimasa tidak memiliki entri {label} ini.",
        "The timeline has no entry with this {label}.",
    ),
    "nothing_to_redact": (
        "Entri {label} ini tidak memiliki teks yang dapat disunting.",
        "This {label} names an entry with no text to redact.",
    ),
    "invalid": ("{label} tidak sah.", "{label} is not valid."),
}


def language(accept_language: str | None) -> Lang:
    """English when the caller asks for it first; Indonesian otherwise."""
    if not accept_language:
        return "id"
    first = accept_language.split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "id"


def error_message(code: str, lang: Lang) -> str:
    indonesian, english = ERRORS.get(code, ERRORS["validation_error"])
    return english if lang == "en" else indonesian


def field_label(field: str, lang: Lang) -> str:
    indonesian, english = FIELD_LABELS.get(field, (field, field))
    return english if lang == "en" else indonesian


def field_message(field: str, key: str, params: Mapping[str, object], lang: Lang) -> str:
    indonesian, english = PROBLEMS.get(key, PROBLEMS["invalid"])
    template = english if lang == "en" else indonesian
    values = {k: v for k, v in params.items() if k != "label"}
    try:
        return template.format(label=field_label(field, lang), **values)
    except (KeyError, IndexError):
        return PROBLEMS["invalid"][1 if lang == "en" else 0].format(label=field_label(field, lang))
