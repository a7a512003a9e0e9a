"""Attachments: the files a report may carry, from upload form to download link, and who sees which.

A file is uploaded straight to storage with a short-lived form (API.md, "Attachments") to `incoming/`; it is
scrubbed (location and other identifying metadata removed, its type checked: `image_metadata`) into
`clean/`, and only then can anyone fetch it. Each report's records live together with one revision, so
that the limit of `MAX_PER_REPORT` holds under concurrent uploads.

A pending record holds a slot only while its upload can still arrive and be scrubbed; a rejected one holds
none, so a reporter whose form expired or whose file was refused can try again.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from dataclasses import field as default
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt
from pydantic_core import PydanticCustomError

from lapor.domain.errors import InvalidTransition, TooManyAttachments
from lapor.domain.identifiers import is_report_id
from lapor.domain.lifecycle import Status
from lapor.domain.models import Report
from lapor.domain.wallclock import Instant

ContentType = Literal["image/jpeg", "image/png", "application/pdf"]
IMAGE_TYPES: frozenset[str] = frozenset({"image/jpeg", "image/png"})
EXTENSIONS: dict[str, str] = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
MAX_SIZE_BYTES = 5 * 1024 * 1024
MAX_PER_REPORT = 5
REJECTED_KEPT = 5  # records without a slot (refused, or forms gone unused) a report still keeps
UPLOAD_WINDOW = timedelta(minutes=15)
SCRUB_GRACE = timedelta(minutes=15)  # after the form expires, the time its file has to be scrubbed
DOWNLOAD_WINDOW = timedelta(hours=1)
UPLOAD_PREFIX = "incoming/"
CLEAN_PREFIX = "clean/"
CLOSED_TO_ATTACHMENTS: frozenset[Status] = frozenset({Status.ARCHIVED, Status.REFERRED})

_ATTACHMENT_ID = re.compile(r"^att-[0-9a-f]{16}$")

# Who reads a report's files: the public, the reporter, and staff by what they may see (DESIGN.md §7).
Reader = Literal["public", "reporter", "coordinator", "agency", "leadership"]
REPORTER_UPLOAD = "reporter"  # `uploaded_by` of the reporter's own files


def _at_most_max_size(value: int) -> int:
    if value > MAX_SIZE_BYTES:
        raise PydanticCustomError("file_too_large", "file_too_large", {"max_mb": MAX_SIZE_BYTES // 2**20})
    return value


class NewAttachment(BaseModel):
    """`POST /reports/{id}/attachments`: what the caller is about to upload."""

    model_config = ConfigDict(extra="forbid")

    content_type: ContentType
    size: Annotated[StrictInt, Field(ge=1), AfterValidator(_at_most_max_size)] = Field(
        description=f"Bytes, at most {MAX_SIZE_BYTES} (5 MB)"
    )


class AttachmentStatus(StrEnum):
    PENDING = "pending"  # the form is out; the file has not been scrubbed yet
    READY = "ready"  # scrubbed; may be downloaded
    REJECTED = "rejected"  # refused by the scrubber (not the declared type, unreadable, too large)


class Attachment(BaseModel):
    """One file's record."""

    model_config = ConfigDict(frozen=True)

    id: str
    content_type: ContentType
    size: int  # declared; once ready, the scrubbed file's
    status: AttachmentStatus = AttachmentStatus.PENDING
    uploaded_by: str  # the actor's role: reporter, coordinator, operator, official
    created_at: Instant
    upload_expires_at: Instant
    settled_at: Instant | None = None
    reason: str | None = None  # why a file was rejected

    def holds_slot(self, at: datetime) -> bool:
        if self.status is AttachmentStatus.READY:
            return True
        return self.status is AttachmentStatus.PENDING and at < self.upload_expires_at + SCRUB_GRACE


@dataclass(frozen=True)
class AttachmentSet:
    """A report's records and the revision a new one must be added against."""

    revision: int = 0
    files: tuple[Attachment, ...] = default(default=())

    def in_order(self) -> list[Attachment]:
        return sorted(self.files, key=lambda a: (a.created_at, a.id))


def new_attachment_id() -> str:
    return f"att-{secrets.token_hex(8)}"


def is_attachment_id(text: str) -> bool:
    return bool(_ATTACHMENT_ID.fullmatch(text))


def upload_key(report_id: str, attachment_id: str) -> str:
    return f"{UPLOAD_PREFIX}{report_id}/{attachment_id}"


def clean_key(report_id: str, attachment_id: str) -> str:
    return f"{CLEAN_PREFIX}{report_id}/{attachment_id}"


def parse_upload_key(key: str) -> tuple[str, str] | None:
    """`incoming/<report id>/<attachment id>` -> the two ids; None for any other key."""
    if not key.startswith(UPLOAD_PREFIX):
        return None
    parts = key[len(UPLOAD_PREFIX) :].split("/")
    if len(parts) != 2 or not is_report_id(parts[0]) or not is_attachment_id(parts[1]):
        return None
    return parts[0], parts[1]


def download_name(report_id: str, attachment: Attachment) -> str:
    """The file name a download is saved under (no user input in it)."""
    return f"{report_id}-{attachment.id}.{EXTENSIONS[attachment.content_type]}"


def new_record(new: NewAttachment, uploaded_by: str, at: datetime) -> Attachment:
    return Attachment(
        id=new_attachment_id(),
        content_type=new.content_type,
        size=new.size,
        uploaded_by=uploaded_by,
        created_at=at,
        upload_expires_at=at + UPLOAD_WINDOW,
    )


def ensure_room(status: Status, existing: AttachmentSet, at: datetime) -> None:
    """A closed-off report takes no file; nor one holding `MAX_PER_REPORT` already."""
    if status in CLOSED_TO_ATTACHMENTS:
        raise InvalidTransition(f"a {status.value} report takes no attachments")
    if _held(existing, at) >= MAX_PER_REPORT:
        raise TooManyAttachments(f"{MAX_PER_REPORT} files already")


def _held(existing: AttachmentSet, at: datetime, but: str | None = None) -> int:
    """How many slots the report's files hold at `at` (leaving out the file `but`)."""
    return sum(1 for a in existing.files if a.id != but and a.holds_slot(at))


def kept(existing: AttachmentSet, at: datetime) -> list[Attachment]:
    """The records worth keeping when one is added: every file that holds a slot, and the last
    `REJECTED_KEPT` of the others (refused files, so that the uploader can read what happened; forms gone
    unused, so that a file scrubbed late still finds its record). So a report's records stay bounded,
    however many forms or refused uploads a script asks for."""
    others = [a for a in existing.files if not a.holds_slot(at)]
    others.sort(key=lambda a: (a.settled_at or a.created_at, a.id))
    recent = {a.id for a in others[-REJECTED_KEPT:]}
    return [a for a in existing.in_order() if a.holds_slot(at) or a.id in recent]


def room_for(existing: AttachmentSet, record: Attachment, at: datetime) -> bool:
    """May `record`'s file be kept? Always while its slot is held; after that (a scrub delayed past the
    form's window and the grace, by retries) only if the report has a free slot now, so that a late file
    never makes a sixth."""
    return record.holds_slot(at) or _held(existing, at, but=record.id) < MAX_PER_REPORT


def settled(
    record: Attachment,
    status: AttachmentStatus,
    at: datetime,
    *,
    size: int | None = None,
    reason: str | None = None,
) -> Attachment:
    changes: dict[str, object] = {"status": status, "settled_at": at, "reason": reason}
    if size is not None:
        changes["size"] = size
    return record.model_copy(update=changes)


def replaced(existing: AttachmentSet, record: Attachment) -> list[Attachment]:
    return [record if a.id == record.id else a for a in existing.in_order()]


def find(existing: AttachmentSet, attachment_id: str) -> Attachment | None:
    return next((a for a in existing.files if a.id == attachment_id), None)


def visible_to(existing: AttachmentSet, reader: Reader, report: Report, at: datetime) -> list[Attachment]:
    """What each reader is shown of a report's files.

    - The reporter and the coordinator: every file still alive (pending ones while their upload may
      arrive, and the refused ones, so that the uploader learns what happened).
    - The assigned agency's staff and leadership: the same, but a document the reporter uploaded (it may
      be an ID card) only to agency staff and only when the report is not anonymous, as the identity.
    - The public: scrubbed images only, and of the reporter's only those scrubbed before the coordinator's
      verification, which is the check that the report names no one who must not be named (DESIGN.md §2);
      a later one waits for the next verification. Staff's own images are public once scrubbed.
    """
    shown: list[Attachment] = []
    for attachment in existing.in_order():
        alive = attachment.status is not AttachmentStatus.PENDING or attachment.holds_slot(at)
        if reader == "public":
            if _public(attachment, report):
                shown.append(attachment)
        elif reader in ("reporter", "coordinator"):
            if alive:
                shown.append(attachment)
        elif alive and not _reporters_document_withheld(attachment, reader, report):
            shown.append(attachment)
    return shown


def reporters_private(existing: AttachmentSet, report: Report) -> list[Attachment]:
    """The reporter's own files that the public has never been shown: what erasing the identity deletes."""
    return [a for a in existing.files if a.uploaded_by == "reporter" and not _public(a, report)]


def _public(attachment: Attachment, report: Report) -> bool:
    if attachment.status is not AttachmentStatus.READY or attachment.content_type not in IMAGE_TYPES:
        return False
    if attachment.uploaded_by != REPORTER_UPLOAD:
        return True
    verified = report.verified_at
    return verified is not None and attachment.settled_at is not None and attachment.settled_at <= verified


def _reporters_document_withheld(attachment: Attachment, reader: Reader, report: Report) -> bool:
    if attachment.uploaded_by != REPORTER_UPLOAD or attachment.content_type in IMAGE_TYPES:
        return False
    return reader == "leadership" or report.anonymous


class UploadForm(BaseModel):
    """A presigned upload: POST `fields` and then the file (as the form's last part, `file`) to `url`."""

    url: str
    fields: dict[str, str]


class NewUpload(BaseModel):
    """The answer to `POST /reports/{id}/attachments`."""

    attachment_id: str
    upload: UploadForm
