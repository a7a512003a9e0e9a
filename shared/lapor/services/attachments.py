"""Attachments' use cases: a new upload form, the scrubbing of an arrived file, and the list each reader sees.

Who may add a file (the reporter with their token, staff who may see the report) is checked by the intake
and casework services, which hand this one the report they read; this service keeps the rules of the files
themselves (API.md, "Attachments"; `lapor.domain.attachments`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from lapor.domain.attachments import (
    DOWNLOAD_WINDOW,
    MAX_SIZE_BYTES,
    UPLOAD_WINDOW,
    Attachment,
    AttachmentStatus,
    Audience,
    NewAttachment,
    NewUpload,
    UploadForm,
    clean_key,
    download_name,
    ensure_room,
    new_record,
    parse_upload_key,
    upload_key,
    visible_to,
)
from lapor.domain.errors import VersionConflict
from lapor.domain.image_metadata import UnreadableFile, scrub
from lapor.domain.views import AttachmentView
from lapor.domain.wallclock import now_utc
from lapor.ports import AttachmentRecords, FileStore, FileTooLarge, ReportRepository, StoredReport

RESERVE_ATTEMPTS = 3


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
        repository: ReportRepository,
        records: AttachmentRecords,
        files: FileStore,
        now: Callable[[], datetime] = now_utc,
    ) -> None:
        self._repository = repository
        self._records = records
        self._files = files
        self._now = now

    def add(self, stored: StoredReport, uploaded_by: str, new: NewAttachment) -> NewUpload:
        """Reserve a slot and hand out the form; a concurrent upload that moved the set means a recount."""
        report_id = stored.report.id
        for _ in range(RESERVE_ATTEMPTS):
            at = self._now()
            ensure_room(stored.report.status, stored.attachments, at)
            record = new_record(new, uploaded_by, at)
            try:
                self._records.reserve(report_id, stored.attachments.revision, record)
            except VersionConflict:
                again = self._repository.get(report_id)
                if again is None:
                    raise
                if not any(a.id == record.id for a in again.attachments.files):
                    stored = again
                    continue
                # Ours after all: the SDK retried a write whose answer was lost, and its condition failed.
            return NewUpload(attachment_id=record.id, upload=self._form(report_id, record))
        raise VersionConflict(report_id)

    def _form(self, report_id: str, record: Attachment) -> UploadForm:
        key = upload_key(report_id, record.id)
        return self._files.upload_form(key, record.content_type, record.size, UPLOAD_WINDOW)

    def views(self, stored: StoredReport, audience: Audience) -> list[AttachmentView]:
        """The files this audience is shown, each ready one with a short-lived download link."""
        report_id = stored.report.id
        return [
            AttachmentView(
                attachment_id=a.id,
                content_type=a.content_type,
                size=a.size,
                status=a.status.value,
                uploaded_at=a.created_at,
                download_url=self._link(report_id, a) if a.status is AttachmentStatus.READY else None,
            )
            for a in visible_to(stored.attachments.files, audience, self._now())
        ]

    def scrub_upload(self, key: str) -> Scrubbed:
        """Scrub one arrived upload into `clean/`, settle its record, remove the upload.

        Safe to repeat (events arrive at least once): a settled record or a vanished upload is left alone.
        The scrubbed file is written before the record says ready, and the upload removed last, so a crash
        at any point is mended by the event's retry.
        """
        ids = parse_upload_key(key)
        if ids is None:
            self._files.delete(key)
            return Scrubbed("ignored", reason="unknown_key")
        report_id, attachment_id = ids
        record = self._records.record(report_id, attachment_id)
        if record is None or record.status is not AttachmentStatus.PENDING:
            self._files.delete(key)
            return Scrubbed("ignored", report_id, attachment_id, "not_pending")
        try:
            data = self._files.read(key, min(record.size, MAX_SIZE_BYTES))
        except FileTooLarge:
            return self._reject(record, report_id, key, "too_large")
        if data is None:
            return Scrubbed("ignored", report_id, attachment_id, "gone")
        try:
            clean = scrub(data, record.content_type)
        except UnreadableFile:
            return self._reject(record, report_id, key, "not_the_declared_type")
        self._files.write(clean_key(report_id, attachment_id), clean, record.content_type)
        self._records.settle(report_id, attachment_id, AttachmentStatus.READY, len(clean), self._now())
        self._files.delete(key)
        return Scrubbed("ready", report_id, attachment_id)

    def _reject(self, record: Attachment, report_id: str, key: str, reason: str) -> Scrubbed:
        self._records.settle(report_id, record.id, AttachmentStatus.REJECTED, None, self._now(), reason)
        self._files.delete(key)
        return Scrubbed("rejected", report_id, record.id, reason)

    def _link(self, report_id: str, attachment: Attachment) -> str:
        return self._files.download_url(
            clean_key(report_id, attachment.id),
            attachment.content_type,
            download_name(report_id, attachment),
            DOWNLOAD_WINDOW,
        )
