"""Attachments' use cases: a new upload form, the scrubbing of an arrived file, and the list each reader sees.

Who may add a file (the reporter with their token, staff who may see the report) is checked by the intake
and casework services, which hand this one the report they read; this service keeps the rules of the files
themselves (API.md, "Attachments"; `lapor.domain.attachments`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from lapor.domain.attachments import (
    DOWNLOAD_WINDOW,
    MAX_SIZE_BYTES,
    UPLOAD_WINDOW,
    Attachment,
    AttachmentSet,
    AttachmentStatus,
    NewAttachment,
    NewUpload,
    Reader,
    UploadForm,
    clean_key,
    download_name,
    ensure_room,
    find,
    kept,
    new_record,
    parse_upload_key,
    replaced,
    reporters_private,
    room_for,
    settled,
    upload_key,
    visible_to,
)
from lapor.domain.errors import StoreUnavailable, VersionConflict
from lapor.domain.image_metadata import UnreadableFile, scrub
from lapor.domain.views import AttachmentView
from lapor.domain.wallclock import now_utc
from lapor.ports import AttachmentRecords, FileStore, FileTooLarge, ReportReader, StoredReport

RESERVE_ATTEMPTS = 3
SETTLE_ATTEMPTS = 5


@dataclass(frozen=True)
class Scrubbed:
    """What became of one upload: `ready`, `rejected`, or `ignored` (unknown, settled already, or gone)."""

    outcome: str
    report_id: str | None = None
    attachment_id: str | None = None
    reason: str | None = None


class AttachmentService:
    def __init__(
        self,
        reports: ReportReader,
        records: AttachmentRecords,
        files: FileStore,
        now: Callable[[], datetime] = now_utc,
    ) -> None:
        self._reports = reports
        self._records = records
        self._files = files
        self._now = now

    def add(self, stored: StoredReport, uploaded_by: str, new: NewAttachment) -> NewUpload:
        """Reserve a slot and hand out the form; a concurrent change of the records means a recount."""
        report_id = stored.report.id
        for _ in range(RESERVE_ATTEMPTS):
            at = self._now()
            current = stored.attachments
            ensure_room(stored.report.status, current, at)
            record = new_record(new, uploaded_by, at)
            try:
                self._records.store(report_id, current.revision, [*kept(current, at), record])
            except VersionConflict:
                again = self._reports.get(report_id)
                if again is None:
                    raise
                if find(again.attachments, record.id) is None:
                    stored = again
                    continue
                # Ours after all: the SDK retried a write whose answer was lost, and its condition failed.
            return NewUpload(attachment_id=record.id, upload=self._form(report_id, record))
        raise VersionConflict(report_id)

    def _form(self, report_id: str, record: Attachment) -> UploadForm:
        key = upload_key(report_id, record.id)
        return self._files.upload_form(key, record.content_type, record.size, UPLOAD_WINDOW)

    def views(self, stored: StoredReport, reader: Reader) -> list[AttachmentView]:
        """The files this reader is shown, each ready one with a short-lived download link."""
        report_id = stored.report.id
        return [
            AttachmentView(
                attachment_id=a.id,
                content_type=a.content_type,
                size=a.size,
                status=a.status.value,
                uploaded_at=a.created_at,
                download_url=self._link(report_id, a) if a.status is AttachmentStatus.READY else None,
                reason=a.reason if a.status is AttachmentStatus.REJECTED else None,
            )
            for a in visible_to(stored.attachments, reader, stored.report, self._now())
        ]

    def erase_reporters_private(self, stored: StoredReport) -> StoredReport:
        """Delete the reporter's own files the public was never shown (the identity's erasure), their bytes
        and their records; the report as it is then."""
        report_id = stored.report.id
        for _ in range(SETTLE_ATTEMPTS):
            current = self._records.attachments(report_id)
            gone = {a.id for a in reporters_private(current, stored.report)}
            if not gone:
                return replace(stored, attachments=current)
            for attachment_id in sorted(gone):
                self._files.delete(clean_key(report_id, attachment_id))
                self._files.delete(upload_key(report_id, attachment_id))
            left = [a for a in current.files if a.id not in gone]
            try:
                self._records.store(report_id, current.revision, left)
            except VersionConflict:
                continue
            return replace(
                stored, attachments=AttachmentSet(revision=current.revision + 1, files=tuple(left))
            )
        raise VersionConflict(report_id)

    def scrub_upload(self, key: str) -> Scrubbed:
        """Scrub one arrived upload into `clean/`, settle its record, remove the upload.

        Safe to repeat (events arrive at least once): a settled record or a vanished upload is left alone.
        The scrubbed file is written before the record says ready, and the upload removed last, so a crash
        at any point is mended by the event's retry. A file scrubbed after its form's window and grace
        (retries) is kept only if the report still has room for it.
        """
        ids = parse_upload_key(key)
        if ids is None:
            self._files.delete(key)
            return Scrubbed("ignored", reason="unknown_key")
        report_id, attachment_id = ids
        current = self._records.attachments(report_id)
        record = find(current, attachment_id)
        if record is None or record.status is not AttachmentStatus.PENDING:
            self._files.delete(key)
            return Scrubbed("ignored", report_id, attachment_id, "not_pending")
        try:
            data = self._files.read(key, min(record.size, MAX_SIZE_BYTES))
        except FileTooLarge:
            return self._finish(key, report_id, attachment_id, current, None, "too_large")
        if data is None:
            return Scrubbed("ignored", report_id, attachment_id, "gone")
        try:
            clean = scrub(data, record.content_type)
        except UnreadableFile:
            return self._finish(key, report_id, attachment_id, current, None, "not_the_declared_type")
        self._files.write(clean_key(report_id, attachment_id), clean, record.content_type)
        return self._finish(key, report_id, attachment_id, current, len(clean), None)

    def _finish(
        self,
        key: str,
        report_id: str,
        attachment_id: str,
        current: AttachmentSet,
        clean_size: int | None,
        reason: str | None,
    ) -> Scrubbed:
        """Settle the record (ready with `clean_size`, or rejected for `reason`), then remove the upload."""
        for _ in range(SETTLE_ATTEMPTS):
            record = find(current, attachment_id)
            if record is None or record.status is not AttachmentStatus.PENDING:
                self._files.delete(key)  # settled by an earlier delivery of the same event
                return Scrubbed("ignored", report_id, attachment_id, "not_pending")
            at = self._now()
            if clean_size is not None and not room_for(current, record, at):
                reason, clean_size = "too_many_attachments", None
                self._files.delete(clean_key(report_id, attachment_id))
            if clean_size is not None:
                outcome = settled(record, AttachmentStatus.READY, at, size=clean_size)
            else:
                outcome = settled(record, AttachmentStatus.REJECTED, at, reason=reason)
            try:
                self._records.store(report_id, current.revision, replaced(current, outcome))
            except VersionConflict:
                current = self._records.attachments(report_id)
                continue
            self._files.delete(key)
            return Scrubbed(outcome.status.value, report_id, attachment_id, reason)
        raise StoreUnavailable(f"the records of {report_id} kept changing")

    def _link(self, report_id: str, attachment: Attachment) -> str:
        return self._files.download_url(
            clean_key(report_id, attachment.id),
            attachment.content_type,
            download_name(report_id, attachment),
            DOWNLOAD_WINDOW,
        )
