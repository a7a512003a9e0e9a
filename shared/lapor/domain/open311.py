"""Open311 GeoReport v2 (open311.org), as Lapor speaks it: pure mapping, no I/O.

- `service_code` is a category's `code`, `service_request_id` a report's `id`.
- A POST is form fields: the report's content is checked by the same rules as `POST /reports` (the title is
  made from the first words of the description); the person fields map to the reporter's identity. A request
  without a name (`first_name`, `last_name`) is anonymous and has no reporter and no reporter access: no
  identity is stored at all, so no one, not even the coordinator, can reach a person through it, and a request
  for a new access link finds no contact (the e-mail and phone of a nameless request are not kept). A named
  request needs an e-mail or a phone, as every identity does; its reporter gets an access link through
  `POST /reports/{id}/access`, never through the Open311 client.
- GET answers are built from the public view only (`lapor.domain.views.public_view`): no identity, nothing of
  a report that is not public.
- `status` is `open` or `closed`; FixMyStreet's extended statuses (`EXTENDED_STATUS`) appear only in the
  `servicerequestupdates` extension.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, ValidationError

from lapor.domain.catalog import Category
from lapor.domain.lifecycle import Action, Status
from lapor.domain.models import Code, Description, Location, NewReport, ReporterIdentity, ReportType, Title
from lapor.domain.views import ReportView
from lapor.domain.wallclock import iso

Format = Literal["json", "xml"]
FORMATS: tuple[Format, ...] = ("json", "xml")
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
OPEN311_RESOURCE = "/open311/v2/"  # the API's path of the GeoReport resources
# The resources after `/open311/v2/` (first segment, number of segments) and the methods each serves
# (functions/open311 routes them; a preflight and the local gateway list them).
ROUTE_METHODS: Mapping[tuple[str, int], frozenset[str]] = {
    ("discovery", 1): frozenset({"GET"}),
    ("services", 1): frozenset({"GET"}),
    ("services", 2): frozenset({"GET"}),
    ("requests", 1): frozenset({"GET", "POST"}),
    ("requests", 2): frozenset({"GET"}),
    ("tokens", 2): frozenset({"GET"}),
    ("servicerequestupdates", 1): frozenset({"GET"}),
}
CHANGESET = "2026-01-01T00:00:00+07:00"  # when this endpoint last changed (discovery)
MAX_RANGE = timedelta(days=90)
# At most 20 requests in one answer (by ids or a page): each costs a read, and anyone may ask.
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 20
MAX_RESULTS = 1000  # the specification's ceiling of one list
MAX_IDS = 20
TITLE_MAX = 80  # well within the report's 150, so that the title reads as a title
_WIB = ZoneInfo("Asia/Jakarta")

# Lapor's status -> FixMyStreet's extended status (its Open311 `servicerequestupdates` extension).
EXTENDED_STATUS: Mapping[Status, str] = {
    Status.SUBMITTED: "open",  # filed, waiting for the coordinator (never public: not verified)
    Status.PENDING: "investigating",  # the coordinator asked the reporter for more
    Status.DISPOSED: "action_scheduled",  # assigned to an agency, its resolve deadline running
    Status.IN_PROGRESS: "in_progress",  # the agency is following it up
    Status.DONE: "fixed",  # closed by the agency's official or the coordinator with a resolution
    Status.ARCHIVED: "no_further_action",  # archived by the coordinator
    Status.REFERRED: "not_councils_responsibility",  # referred outside the city
}
# A closing the reporter never confirmed: FixMyStreet's plain `closed` rather than `fixed`.
EXTENDED_STATUS_OF_ACTION: Mapping[Action, str] = {Action.AUTO_CLOSE: "closed"}
CLOSED: frozenset[Status] = frozenset({Status.DONE, Status.ARCHIVED, Status.REFERRED})


class Open311Error(Exception):
    """An answer in the specification's error format: `[{"code", "description"}]`."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def error_document(status: int, description: str) -> list[dict[str, Any]]:
    return [{"code": status, "description": description}]


def open_or_closed(status: Status) -> str:
    return "closed" if status in CLOSED else "open"


def statuses_of(text: str | None) -> frozenset[Status] | None:
    """`status=open`, `closed` or `open,closed` -> the Lapor statuses it means (None: every status)."""
    if not text:
        return None
    wanted = {part.strip().lower() for part in text.split(",") if part.strip()}
    if not wanted or not wanted <= {"open", "closed"}:
        raise Open311Error(400, "status must be open, closed, or both (comma separated)")
    return frozenset(s for s in Status if open_or_closed(s) in wanted)


def wib(instant: datetime | None) -> str | None:
    """A W3C date-time in Jakarta time with its offset, as the specification's examples show local time."""
    return instant.astimezone(_WIB).isoformat(timespec="seconds") if instant else None


def route_methods(proxy: str) -> frozenset[str]:
    """The methods served on `/open311/v2/<proxy>` (`requests/LPR-1.json`: GET); none for a path that names
    no resource (another extension, an empty segment, an unknown resource)."""
    name, _, extension = proxy.rpartition(".")
    segments = name.split("/")
    if extension not in FORMATS or not name or not all(segments):
        return frozenset()
    return ROUTE_METHODS.get((segments[0], len(segments)), frozenset())


def parse_instant(name: str, text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text.strip().replace(" ", "+"))  # a `+` may arrive as a space
    except ValueError as error:
        raise Open311Error(400, f"{name} is not a W3C date-time (e.g. 2026-03-17T10:00:00+07:00)") from error
    return instant if instant.tzinfo else instant.replace(tzinfo=_WIB)


def date_range(start: str | None, end: str | None, now: datetime) -> tuple[datetime, datetime]:
    """`start_date`/`end_date`: at most 90 days apart; without them, the 90 days up to now."""
    since = parse_instant("start_date", start) if start else None
    until = parse_instant("end_date", end) if end else None
    if since is None and until is None:
        until = now
    if since is None:
        assert until is not None
        since = until - MAX_RANGE
    if until is None:
        until = min(now, since + MAX_RANGE) if since < now else since + MAX_RANGE
    if until < since:
        raise Open311Error(400, "end_date is before start_date")
    if until - since > MAX_RANGE:
        raise Open311Error(400, "start_date and end_date may span at most 90 days")
    return since, until


def page_of(page: str | None, page_size: str | None) -> tuple[int, int]:
    """The `page`/`page_size` extension: 1-based, at most 20 a page and 1000 in all."""
    try:
        number = int(page) if page else 1
        size = int(page_size) if page_size else DEFAULT_PAGE_SIZE
    except ValueError as error:
        raise Open311Error(400, "page and page_size are whole numbers") from error
    if number < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise Open311Error(400, f"page is at least 1 and page_size between 1 and {MAX_PAGE_SIZE}")
    if number * size > MAX_RESULTS:
        raise Open311Error(400, f"at most {MAX_RESULTS} requests can be paged through; narrow the dates")
    return number, size


def request_ids(text: str) -> list[str]:
    ids = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not ids or len(ids) > MAX_IDS:
        raise Open311Error(400, f"service_request_id names 1 to {MAX_IDS} ids, comma separated")
    return ids


# Services ---------------------------------------------------------------------------------------------


def service(category: Category) -> dict[str, Any]:
    """A category as an Open311 service. No category has extra fields, so `metadata` is false."""
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name,
        "metadata": False,
        "type": "realtime",
        "keywords": None,
        "group": None,
    }


def services(categories: Iterable[Category]) -> list[dict[str, Any]]:
    return [service(c) for c in sorted(categories, key=lambda c: c.code)]


def service_definition(category: Category) -> dict[str, Any]:
    """A category's definition: no extra fields (the specification's definition with no attributes)."""
    return {"service_code": category.code, "attributes": []}


def discovery(url: str, contact: str) -> dict[str, Any]:
    return {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": "API keys are issued by the city's complaint coordinator.",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }


# POST requests -----------------------------------------------------------------------------------------


class _Content(BaseModel):
    """What a POST says of the report, checked by the rules of `NewReport`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: ReportType
    title: Title
    description: Description
    category: Code
    location: Location | None = None


@dataclass(frozen=True)
class Filing:
    """A request to file: the report's content, and who filed it (None: anonymous, no identity stored)."""

    report: NewReport
    identity: ReporterIdentity | None

    def __repr__(self) -> str:
        return f"Filing(category={self.report.category!r}, anonymous={self.identity is None})"


_FIELD_NAMES = {"lat": "lat", "lon": "long", "address": "address_string"}


def title_from(description: str, fallback: str) -> str:
    """The description's first words, cut at a word boundary (the service's name if they are too short)."""
    words = " ".join(description.split())
    if len(words) > TITLE_MAX:
        cut = words[: TITLE_MAX - 1]
        cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
        words = cut.rstrip(" ,.;:") + "…"
    return words if len(words.strip()) >= 5 else fallback


def _number(fields: Mapping[str, str], name: str) -> float | None:
    text = (fields.get(name) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError as error:
        raise Open311Error(400, f"{name} is not a number") from error
    if not math.isfinite(value):
        raise Open311Error(400, f"{name} is not a number")
    return value


def _describe(error: ValidationError, prefix: str = "") -> str:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"] if part != "location") or "request"
        name = _FIELD_NAMES.get(where, where)
        problems.append(f"{prefix}{name}: {item['msg']}")
    return "; ".join(problems)


def filing(fields: Mapping[str, str], category_of: Callable[[str], Category | None]) -> Filing:
    """Form fields -> a report to file, or `Open311Error(400)`."""
    code = (fields.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    category = category_of(code)
    if category is None:
        raise Open311Error(400, f"service_code {code!r} is not a service of this endpoint")
    description = fields.get("description") or ""
    if not description.strip():
        raise Open311Error(400, "description is required")
    lat, lon = _number(fields, "lat"), _number(fields, "long")
    address = (fields.get("address_string") or "").strip() or None
    if (lat is None) != (lon is None):
        raise Open311Error(400, "lat and long come together")
    if lat is None and address is None:
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    location: dict[str, Any] | None = None
    if lat is not None:
        location = {"lat": lat, "lon": lon, "address": address}
    elif address is not None:  # no coordinates: the address is kept in the description, the report's text
        description = f"{description.rstrip()}\n\nLokasi: {address}"
    try:
        content = _Content(
            type=category.default_type,
            title=title_from(description, category.name),
            description=description,
            category=category.code,
            location=Location.model_validate(location) if location else None,
        )
    except ValidationError as error:
        raise Open311Error(400, _describe(error)) from error
    identity = _identity(fields)
    report = NewReport.model_construct(
        **content.model_dump(exclude={"location"}),
        location=content.location,
        incident_date=None,
        anonymous=identity is None,
        confidential=False,
        # The domain's submit() reads the report's content only; the identity is stored apart (or, for a
        # nameless request, not at all), so no stand-in identity is ever made up.
        reporter=identity,  # type: ignore[arg-type]  # None: no identity (see the comment above)
    )
    return Filing(report, identity)


def _identity(fields: Mapping[str, str]) -> ReporterIdentity | None:
    name = " ".join(
        part
        for part in ((fields.get("first_name") or "").strip(), (fields.get("last_name") or "").strip())
        if part
    )
    if not name:
        return None
    email = (fields.get("email") or "").strip() or None
    phone = (fields.get("phone") or "").strip() or None
    if email is None and phone is None:
        raise Open311Error(400, "a request with a name needs an email or a phone (or no name: anonymous)")
    try:
        return ReporterIdentity(name=name, email=email, phone=phone)
    except ValidationError as error:
        raise Open311Error(400, _describe(error)) from error


def posted(
    report_id: str, token: str, service_code: str, at: datetime, verify_by: datetime | None
) -> list[dict[str, Any]]:
    """POST's answer: the id at once (and a token for clients that poll `tokens/`). It also carries what the
    specification's request schema requires (`status`, `service_code`, `requested_datetime`), all known."""
    notice = "Received; the city's complaint coordinator verifies it"
    notice += f" by {wib(verify_by)}." if verify_by else "."
    return [
        {
            "service_request_id": report_id,
            "token": token,
            "service_notice": notice,
            "account_id": None,
            "status": "open",
            "service_code": service_code,
            "requested_datetime": wib(at),
        }
    ]


# GET requests -----------------------------------------------------------------------------------------


def _address(view: ReportView) -> str | None:
    location = view.location
    if location is None:
        return None
    parts = [p for p in (location.address, location.kelurahan, location.kecamatan) if p]
    return ", ".join(parts) or None


def request(view: ReportView) -> dict[str, Any]:
    """A public report as an Open311 service request (the public view holds no identity)."""
    notes = [entry.note for entry in view.timeline if entry.note]
    category = view.category
    return {
        "service_request_id": view.id,
        "status": open_or_closed(view.status),
        "status_notes": notes[-1] if notes else None,
        "service_name": category.name if category else None,
        "service_code": category.code if category else "",
        "description": view.description,
        "agency_responsible": view.agency.name if view.agency else None,
        "service_notice": None,
        "requested_datetime": wib(view.submitted_at),
        "updated_datetime": wib(view.updated_at),
        "expected_datetime": wib(view.deadlines.resolve),
        "address": _address(view),
        "address_id": None,
        "zipcode": None,
        "lat": view.location.lat if view.location else None,
        "long": view.location.lon if view.location else None,
        # The first scrubbed photo of the public view (a short-lived link), as FixMyStreet shows one.
        "media_url": next((a.download_url for a in view.attachments if a.download_url), None),
    }


def updates(view: ReportView, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """FixMyStreet's `servicerequestupdates`: one a public timeline entry in the range, extended status."""
    found: list[dict[str, Any]] = []
    status = Status.SUBMITTED
    for number, entry in enumerate(view.timeline, start=1):
        if entry.to is not None:
            status = entry.to
        extended = EXTENDED_STATUS_OF_ACTION.get(entry.action, EXTENDED_STATUS[status])
        if since <= entry.at <= until:
            found.append(
                {
                    "update_id": f"{view.id}-{number}",
                    "service_request_id": view.id,
                    "status": extended,
                    "updated_datetime": wib(entry.at),
                    "description": entry.note or "",
                    "media_url": None,
                }
            )
    return found


# API keys ---------------------------------------------------------------------------------------------

KEY_PREFIX = "o311"
_KEY = re.compile(r"^o311_([0-9a-z]{10})_[A-Za-z0-9_-]{32,64}$")
_KEY_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


@dataclass(frozen=True)
class ApiKey:
    """An issued key as stored: its hash, never the key."""

    key_id: str
    name: str
    key_hash: str
    created_at: datetime
    created_by: str

    def listed(self) -> dict[str, Any]:
        # A Lapor staff answer, not an Open311 one: UTC, as every Lapor timestamp (API.md, conventions).
        return {"key_id": self.key_id, "name": self.name, "created_at": iso(self.created_at)}


def new_api_key() -> tuple[str, str]:
    """(key id, key): the id is shown in lists; the key, shown once, carries 256 random bits."""
    key_id = "".join(secrets.choice(_KEY_ID_ALPHABET) for _ in range(10))
    return key_id, f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


def key_id_of(key: str) -> str | None:
    match = _KEY.fullmatch(key.strip())
    return match.group(1) if match else None


# XML --------------------------------------------------------------------------------------------------

# Root and item element of each list answer, and the item element of list fields inside an item.
XML_ROOTS: Mapping[str, tuple[str, str]] = {
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "updates": ("service_requests_updates", "request_update"),
    "errors": ("errors", "error"),
}
_XML_LIST_ITEMS: Mapping[str, str] = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for name, inner in value.items():
            child = ET.SubElement(element, name)
            if isinstance(inner, list):
                item = _XML_LIST_ITEMS.get(name, "item")
                for entry in inner:
                    _fill(ET.SubElement(child, item), entry)
            else:
                _fill(child, inner)
    else:
        element.text = _text(value)


def to_xml(kind: str, document: Any) -> str:
    """An answer as the specification's XML: a list under its root (`XML_ROOTS`), or one object whose root
    is `kind` (`discovery`, `service_definition`)."""
    if kind in XML_ROOTS:
        root_name, item_name = XML_ROOTS[kind]
        root = ET.Element(root_name)
        for item in document:
            _fill(ET.SubElement(root, item_name), item)
    else:
        root = ET.Element(kind)
        _fill(root, document)
    return '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="unicode")
