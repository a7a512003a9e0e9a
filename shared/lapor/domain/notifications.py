"""Notifications: which messages a domain event sends, to whom, and in what words (Indonesian).

Pure. The notifier (functions/notify) looks up the reporter's contact only when a message goes to the
reporter, re-derives an access link's token, and hands each `Message` to a `MessageSender` (`lapor.ports`)
(lapor.adapters.sns_publisher on AWS). A message says only what its event carries and always names the
tracking id; staff messages never carry identity (events hold none); an internal event sends nothing.
A reporter's SMS is kept within one 160-character GSM message: the staff's words are shortened in an SMS,
never in an e-mail.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

from lapor.domain.contact import CONFIRM_TEMPLATE
from lapor.domain.events import AccessLinkRequested, ReportEvent
from lapor.domain.lifecycle import Action, ClockKind, Status
from lapor.domain.models import IdentityOnFile, ReporterIdentity

Channel = Literal["email", "sms", "staff"]
COORDINATOR = "coordinator"
LEADERSHIP = "leadership"
ACCESS_LINK_TEMPLATE = "access_link"
SMS_LIMIT = 160
OMBUDSMAN = "Anda berhak menyampaikan laporan ini ke Ombudsman RI: ombudsman.go.id atau telepon 137."
_ELLIPSIS = "..."
_SENTENCE_ENDS = (".", "!", "?")
_MIN_NOTE = 24  # fewer characters of a note than this say nothing: the SMS gives the lead alone
_EMAIL_GREETING = "Yth. Pelapor,"
_EMAIL_FOOTER = "Pesan ini dikirim otomatis oleh layanan pengaduan LAPOR!; mohon tidak membalas e-mail ini."


@dataclass(frozen=True)
class Contact:
    """Where the reporter is told: their e-mail when they gave one, else their phone (SMS)."""

    channel: Literal["email", "sms"]
    address: str = field(repr=False)


@dataclass(frozen=True)
class Message:
    channel: Channel
    recipient: str = field(repr=False)  # an address, a number, `agency:<id>`, `coordinator`, `leadership`
    template: str
    report_id: str
    text: str = field(repr=False)
    key: str = ""  # a reporter message's delivery record (`lapor.domain.delivery`): no address, no words


def contact_of(identity: ReporterIdentity | IdentityOnFile) -> Contact:
    if identity.email:
        return Contact("email", identity.email)
    if identity.phone:
        return Contact("sms", identity.phone)
    raise ValueError("a reporter identity has an e-mail or a phone")


class _To(Enum):
    REPORTER = "reporter"
    AGENCY = "agency"  # the agency the report is assigned to (the coordinator when there is none)
    COORDINATOR = "coordinator"
    LEADERSHIP = "leadership"


@dataclass(frozen=True)
class _Draft:
    to: _To
    template: str
    lead: str  # always names the tracking id
    note_label: str | None = None  # the event's note follows under this label, when there is one
    tail: str = ""  # an invitation or a hint; the first thing an SMS leaves out


_CLOCK_LABELS: Mapping[str, str] = {
    ClockKind.VERIFY: "verifikasi",
    ClockKind.RESPOND: "tanggapan",
    ClockKind.RESOLVE: "penyelesaian",
}
_AGENCY_CLOCKS = frozenset({ClockKind.RESPOND.value, ClockKind.RESOLVE.value})
_AGENCY_STATUSES = frozenset({Status.DISPOSED, Status.IN_PROGRESS, Status.DONE})
_TYPE_LABELS: Mapping[str, str] = {
    "complaint": "pengaduan",
    "aspiration": "aspirasi",
    "information_request": "permintaan informasi",
}
_ON_PAGE = "melalui halaman laporan Anda"


def _clock(e: ReportEvent) -> str:
    return _CLOCK_LABELS.get(e.clock or "", "layanan")


def _about(e: ReportEvent) -> str:
    parts = [_TYPE_LABELS.get(e.report_type or "", ""), f"kategori {e.category}" if e.category else ""]
    shown = ", ".join(p for p in parts if p)
    return f" ({shown})" if shown else ""


def _clock_owner(e: ReportEvent) -> _To:
    return _To.AGENCY if e.clock in _AGENCY_CLOCKS else _To.COORDINATOR


def _submit(e: ReportEvent) -> list[_Draft]:
    lead = f"Laporan Anda telah diterima dengan nomor pelacakan {e.report_id}."
    return [_Draft(_To.REPORTER, "laporan_diterima", lead, tail="Simpan nomor ini untuk memantau laporan.")]


def _verify(e: ReportEvent) -> list[_Draft]:
    told = f"Laporan {e.report_id} telah diverifikasi dan diteruskan ke perangkat daerah terkait."
    new = f"Disposisi baru: laporan {e.report_id}{_about(e)}. Mohon segera ditindaklanjuti."
    return [_Draft(_To.REPORTER, "laporan_diverifikasi", told), _Draft(_To.AGENCY, "disposisi_baru", new)]


def _suspend(e: ReportEvent) -> list[_Draft]:
    lead = f"Laporan {e.report_id} ditunda karena belum lengkap."
    tail = f"Lengkapi {_ON_PAGE}."
    return [_Draft(_To.REPORTER, "laporan_ditunda", lead, "Yang perlu dilengkapi", tail)]


def _complete(e: ReportEvent) -> list[_Draft]:
    lead = f"Pelapor telah melengkapi laporan {e.report_id}; laporan menunggu verifikasi ulang."
    return [_Draft(_To.COORDINATOR, "laporan_dilengkapi", lead)]


def _archive(e: ReportEvent) -> list[_Draft]:
    lead = f"Laporan {e.report_id} diarsipkan dan tidak ditindaklanjuti."
    return [_Draft(_To.REPORTER, "laporan_diarsipkan", lead, "Alasan")]


def _refer(e: ReportEvent) -> list[_Draft]:
    lead = f"Laporan {e.report_id} dirujuk ke instansi lain yang berwenang."
    return [_Draft(_To.REPORTER, "laporan_dirujuk", lead, "Keterangan")]


def _return(e: ReportEvent) -> list[_Draft]:
    by = e.previous_agency_id or e.agency_id
    lead = f"Laporan {e.report_id} dikembalikan{f' oleh {by}' if by else ''} untuk diverifikasi ulang."
    return [_Draft(_To.COORDINATOR, "laporan_dikembalikan", lead, "Alasan")]


def _forward(e: ReportEvent) -> list[_Draft]:
    origin = f" dari {e.previous_agency_id}" if e.previous_agency_id else ""
    lead = f"Disposisi baru (pelimpahan{origin}): laporan {e.report_id}{_about(e)}. Mohon ditindaklanjuti."
    return [_Draft(_To.AGENCY, "disposisi_pelimpahan", lead)]


def _followup(e: ReportEvent) -> list[_Draft]:
    lead = f"Ada tindak lanjut atas laporan {e.report_id}."
    tail = f"Anda dapat membalas {_ON_PAGE}."
    return [_Draft(_To.REPORTER, "tindak_lanjut", lead, "Tanggapan", tail)]


def _reply(e: ReportEvent) -> list[_Draft]:
    lead = f"Pelapor mengirim balasan pada laporan {e.report_id}."
    to = _To.AGENCY if e.to_status in _AGENCY_STATUSES else _To.COORDINATOR
    return [_Draft(to, "balasan_pelapor", lead)]


def _reopen(e: ReportEvent) -> list[_Draft]:
    lead = f"Pelapor membuka kembali laporan {e.report_id}. Mohon ditindaklanjuti kembali."
    return [_Draft(_To.AGENCY, "laporan_dibuka_kembali", lead)]


def _close(e: ReportEvent) -> list[_Draft]:
    lead = f"Laporan {e.report_id} telah selesai ditangani."
    tail = f"Mohon beri penilaian {_ON_PAGE}."
    return [_Draft(_To.REPORTER, "laporan_selesai", lead, "Penyelesaian", tail)]


def _auto_close(e: ReportEvent) -> list[_Draft]:
    lead = f"Laporan {e.report_id} dinyatakan selesai karena tidak ada balasan."
    tail = f"Beri penilaian, atau buka kembali bila belum tuntas, {_ON_PAGE}."
    return [_Draft(_To.REPORTER, "laporan_selesai_otomatis", lead, tail=tail)]


def _rate(e: ReportEvent) -> list[_Draft]:
    return [
        _Draft(_To.AGENCY, "penilaian_diterima", f"Pelapor memberi penilaian atas laporan {e.report_id}.")
    ]


def _remind(e: ReportEvent) -> list[_Draft]:
    lead = f"Pengingat: tenggat {_clock(e)} laporan {e.report_id} berakhir dalam 24 jam."
    return [_Draft(_clock_owner(e), "pengingat_tenggat", lead)]


def _breach(e: ReportEvent) -> list[_Draft]:
    lead = f"Tenggat {_clock(e)} laporan {e.report_id} telah terlampaui; laporan kini terlambat."
    drafts = [_Draft(_To.COORDINATOR, "tenggat_terlampaui", lead)]
    if _clock_owner(e) is _To.AGENCY and e.agency_id:  # a verify clock is the coordinator's alone
        drafts.insert(0, _Draft(_To.AGENCY, "tenggat_terlampaui", lead))
    return drafts


def _escalate(e: ReportEvent) -> list[_Draft]:
    at = f" di {e.agency_id}" if e.agency_id and _clock_owner(e) is _To.AGENCY else ""
    staff = f"Eskalasi: tenggat {_clock(e)} laporan {e.report_id}{at} terlampaui dua kali lipat."
    told = f"Laporan {e.report_id} belum terselesaikan melewati batas waktu."
    return [
        _Draft(_To.LEADERSHIP, "eskalasi", staff),
        _Draft(_To.COORDINATOR, "eskalasi", staff),
        _Draft(_To.REPORTER, "hak_ombudsman", told, tail=OMBUDSMAN),
    ]


def _expire(e: ReportEvent) -> list[_Draft]:
    lead = f"Laporan {e.report_id} diarsipkan karena kelengkapan tidak diterima dalam batas waktu."
    return [_Draft(_To.REPORTER, "laporan_kedaluwarsa", lead, tail="Anda dapat mengirim laporan baru.")]


def _privacy_tightened(e: ReportEvent) -> list[_Draft]:
    lead = f"Privasi laporan {e.report_id} diperketat oleh verifikator."
    return [
        _Draft(_To.REPORTER, "privasi_diperketat", lead, "Kini", tail="Identitas Anda tetap terlindungi.")
    ]


def _nobody(_: ReportEvent) -> list[_Draft]:
    return []


_RULES: Mapping[Action, Callable[[ReportEvent], list[_Draft]]] = {
    Action.SUBMIT: _submit,
    Action.VERIFY: _verify,
    Action.SUSPEND: _suspend,
    Action.COMPLETE: _complete,
    Action.ARCHIVE: _archive,
    Action.REFER: _refer,
    Action.RETURN: _return,
    Action.FORWARD: _forward,
    Action.FOLLOWUP: _followup,
    Action.NOTE: _nobody,
    Action.REPLY: _reply,
    Action.REOPEN: _reopen,
    Action.CLOSE: _close,
    Action.AUTO_CLOSE: _auto_close,
    Action.RATE: _rate,
    Action.REMIND: _remind,
    Action.BREACH: _breach,
    Action.ESCALATE: _escalate,
    Action.EXPIRE: _expire,
    Action.DEADLINE_RECOMPUTED: _nobody,
    Action.PRIVACY_TIGHTENED: _privacy_tightened,
    Action.IDENTITY_ERASED: _nobody,  # the contact is gone: nobody to tell, and staff read the timeline
    Action.REDACT: _nobody,
}


def _drafts(event: ReportEvent) -> list[_Draft]:
    if event.internal:  # an agency's internal note is for staff reading the report, never a message
        return []
    return _RULES[event.action](event)


def needs_contact(event: ReportEvent) -> bool:
    """Whether the event tells the reporter (and so whether the reporter's contact must be read)."""
    return any(d.to is _To.REPORTER for d in _drafts(event))


def messages_for(event: ReportEvent, contact: Contact | None) -> list[Message]:
    """The messages an event sends. Without a contact, the reporter's are left out."""
    messages: list[Message] = []
    for draft in _drafts(event):
        if draft.to is _To.REPORTER:
            if contact is not None:
                messages.append(_to_reporter(draft, event.report_id, event.note, contact))
            continue
        text = _join(draft.lead, _labelled(draft.note_label, event.note), draft.tail)
        recipient = _staff_recipient(draft.to, event.agency_id)
        messages.append(Message("staff", recipient, draft.template, event.report_id, text))
    return messages


def access_link(base_url: str, report_id: str, token: str) -> str:
    """The token rides in the fragment (`#token=`): a browser never sends it to a server or its logs."""
    return f"{base_url.rstrip('/')}/laporan/{report_id}#token={token}"


def confirm_contact_message(report_id: str, contact: Contact, code: str) -> Message:
    """The only message an unconfirmed contact gets: the code (no other 6-digit number), what it is for."""
    lead = f"Kode konfirmasi LAPOR! Anda: {code}."
    use = f"Masukkan kode ini di halaman laporan {report_id} agar Anda menerima kabar laporan."
    draft = _Draft(_To.REPORTER, CONFIRM_TEMPLATE, _join(lead, use), tail="Berlaku 24 jam.")
    if contact.channel == "email":
        extra = "Abaikan pesan ini bila Anda tidak membuat laporan di LAPOR!."
        draft = _Draft(_To.REPORTER, CONFIRM_TEMPLATE, _join(lead, use), tail=_join("Berlaku 24 jam.", extra))
    return _to_reporter(draft, report_id, None, contact)


def access_link_message(event: AccessLinkRequested, contact: Contact, link: str) -> Message:
    lead = f"Tautan akses laporan {event.report_id}: {link}"
    draft = _Draft(_To.REPORTER, ACCESS_LINK_TEMPLATE, lead, tail="Jangan bagikan tautan ini.")
    return _to_reporter(draft, event.report_id, None, contact)


def _staff_recipient(to: _To, agency_id: str | None) -> str:
    if to is _To.AGENCY and agency_id:
        return f"agency:{agency_id}"
    return LEADERSHIP if to is _To.LEADERSHIP else COORDINATOR


def _to_reporter(draft: _Draft, report_id: str, note: str | None, contact: Contact) -> Message:
    if contact.channel == "sms":
        text = _sms(draft, note)
    else:
        body = _join(draft.lead, _labelled(draft.note_label, note, "\n"), draft.tail, sep="\n\n")
        text = _join(_EMAIL_GREETING, body, _EMAIL_FOOTER, sep="\n\n")
    return Message(contact.channel, contact.address, draft.template, report_id, text)


def _sms(draft: _Draft, note: str | None) -> str:
    """Lead, note and tail in one SMS: the tail goes first, then the note is shortened, never the lead."""
    labelled = _labelled(draft.note_label, " ".join(note.split()) if note else None)
    for text in (_join(draft.lead, labelled, draft.tail), _join(draft.lead, labelled)):
        if len(text) <= SMS_LIMIT:
            return text
    room = SMS_LIMIT - len(draft.lead) - 1 - len(_ELLIPSIS)
    if not labelled or room < _MIN_NOTE:
        return draft.lead
    return _join(draft.lead, labelled[:room].rstrip() + _ELLIPSIS)


def _labelled(label: str | None, note: str | None, sep: str = " ") -> str:
    words = note.strip() if note else ""
    if not label or not words:
        return ""
    return f"{label}:{sep}{words}{'' if words.endswith(_SENTENCE_ENDS) else '.'}"


def _join(*parts: str, sep: str = " ") -> str:
    return sep.join(p for p in parts if p)


_SUBJECTS: Mapping[str, str] = {
    CONFIRM_TEMPLATE: "Kode konfirmasi laporan {report_id}",
    ACCESS_LINK_TEMPLATE: "Tautan akses laporan {report_id}",
}


def email_subject(message: Message) -> str:
    """The subject line of a reporter's e-mail: what it is about, and the tracking id."""
    return _SUBJECTS.get(message.template, "Kabar laporan {report_id}").format(report_id=message.report_id)
