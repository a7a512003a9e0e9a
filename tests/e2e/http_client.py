"""A small client for the end-to-end tests: the local stack's API as a frontend calls it, over HTTP."""

from __future__ import annotations

import json
import re
import socket
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

TIMEOUT = 30
CONFIRM_CONTACT = "confirm_contact"
ACCESS_LINK = "access_link"
_CODE = re.compile(r"\b\d{6}\b")
_LINK_TOKEN = re.compile(r"/laporan/(LPR-[A-Z0-9-]+)#token=([A-Za-z0-9_-]+)")


def code_in(message: str) -> str:
    """The 6-digit code of a `confirm_contact` message (the only 6-digit number in it)."""
    codes: set[str] = set(_CODE.findall(message))
    assert len(codes) == 1, f"not one code in {message!r}"
    return codes.pop()


def link_token(message: str, report_id: str) -> str:
    """The token of an `access_link` message's link, after `#token=` (a fragment)."""
    found = _LINK_TOKEN.search(message)
    assert found, f"no link with #token= in {message!r}"
    assert found.group(1) == report_id
    return found.group(2)


def new_report(**overrides: Any) -> dict[str, Any]:
    """A complaint with a reporter reachable by e-mail, and every identity field (to look for leaks)."""
    unique = uuid.uuid4().hex[:8]
    body: dict[str, Any] = {
        "type": "complaint",
        "title": "Lampu jalan mati di depan sekolah",
        "description": "Lampu jalan di depan SD Negeri 3 mati sejak seminggu; jalan gelap malam hari.",
        "category": "pju",
        "location": {"lat": -6.9206, "lon": 106.9298, "kecamatan": "Citamiang"},
        "reporter": {
            "name": f"Ratna Pelapor {unique}",
            "email": f"ratna.{unique}@example.id",
            "phone": "081234567890",
            "nik": "3272014501900001",
        },
    }
    body.update(overrides)
    return body


@dataclass(frozen=True)
class Filed:
    """A report as filed: its id, the reporter's token, the body sent."""

    id: str
    token: str
    body: dict[str, Any]

    @property
    def reporter(self) -> dict[str, str]:
        return {"X-Report-Token": self.token}

    @property
    def identity(self) -> list[str]:
        """The reporter's identity as sent: none of it may be in a staff read or a staff message."""
        reporter = self.body["reporter"]
        return [str(reporter[field]) for field in ("name", "email", "phone", "nik") if reporter.get(field)]


class Api:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._tokens: dict[tuple[str, str | None], dict[str, str]] = {}

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> requests.Response:
        return requests.get(self.url(path), headers=headers, params=params or None, timeout=TIMEOUT)

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> requests.Response:
        return requests.post(self.url(path), json=body, headers=headers, timeout=TIMEOUT)

    def put(self, path: str, body: Any, headers: dict[str, str] | None = None) -> requests.Response:
        return requests.put(self.url(path), json=body, headers=headers, timeout=TIMEOUT)

    # Staff ------------------------------------------------------------------------------------------

    def staff(self, role: str, agency_id: str | None = None) -> dict[str, str]:
        """`Authorization` for a staff member of `role` (one token per role and agency, kept)."""
        key = (role, agency_id)
        if key not in self._tokens:
            body = {"role": role, **({"agency_id": agency_id} if agency_id else {})}
            answer = self.post("/_local/token", body)
            assert answer.status_code == 200, answer.text
            self._tokens[key] = {"Authorization": f"Bearer {answer.json()['token']}"}
        return self._tokens[key]

    @property
    def coordinator(self) -> dict[str, str]:
        return self.staff("coordinator")

    def act(
        self, report_id: str, action: str, body: dict[str, Any], headers: dict[str, str]
    ) -> dict[str, Any]:
        """A staff action that must succeed: the report after it."""
        answer = self.post(f"/staff/reports/{report_id}/{action}", body, headers)
        assert answer.status_code == 200, f"{action}: {answer.status_code} {answer.text}"
        report: dict[str, Any] = answer.json()
        return report

    def staff_read(self, report_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        answer = self.get(f"/staff/reports/{report_id}", headers or self.coordinator)
        assert answer.status_code == 200, answer.text
        report: dict[str, Any] = answer.json()
        return report

    # Reporter ---------------------------------------------------------------------------------------

    def file(self, **overrides: Any) -> Filed:
        body = new_report(**overrides)
        answer = self.post("/reports", body)
        assert answer.status_code == 201, answer.text
        return Filed(answer.json()["id"], answer.json()["access_token"], body)

    def confirm(self, filed: Filed) -> str:
        """Confirm the reporter's contact with the code of its last `confirm_contact` message, as the
        reporter would; the code."""
        [*_, message] = [item for item in self.outbox(filed.id) if item["template"] == CONFIRM_CONTACT]
        code = code_in(message["message"])
        answer = self.post(f"/reports/{filed.id}/contact/confirm", {"code": code}, filed.reporter)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"contact_confirmed": True}
        return code

    def file_confirmed(self, **overrides: Any) -> Filed:
        """A report whose reporter has confirmed the contact (so every later message reaches it)."""
        filed = self.file(**overrides)
        self.confirm(filed)
        return filed

    def deliveries(self, report_id: str) -> list[dict[str, Any]]:
        """The staff read's delivery records: what became of each message to the reporter."""
        found: list[dict[str, Any]] = self.staff_read(report_id)["deliveries"]
        return found

    def own_read(self, filed: Filed) -> dict[str, Any]:
        answer = self.get(f"/reports/{filed.id}", filed.reporter)
        assert answer.status_code == 200, answer.text
        report: dict[str, Any] = answer.json()
        return report

    # Local stack ------------------------------------------------------------------------------------

    def outbox(self, report_id: str | None = None) -> list[dict[str, Any]]:
        answer = self.get("/_local/outbox")
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return [item for item in items if report_id is None or item["report_id"] == report_id]

    def run_job(self, name: str, event: dict[str, Any]) -> dict[str, Any]:
        answer = self.post(f"/_local/jobs/{name}", event)
        assert answer.status_code == 200, answer.text
        summary: dict[str, Any] = answer.json()
        return summary


def actions(report: dict[str, Any]) -> list[str]:
    return [entry["action"] for entry in report["timeline"]]


def sent(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(template, recipient) of outbox items, in order."""
    return [(item["template"], item["recipient"]) for item in items]


def scheduled_event(time: str) -> dict[str, Any]:
    """A scheduled event as the escalation schedule sends it (API.md), for the instant `time`."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "time": time,
        "resources": ["arn:aws:scheduler:ap-southeast-3:123456789012:schedule/default/lapor-escalation"],
        "detail": {},
    }


def raw_request(
    base_url: str, method: str, path: str, header_lines: list[str], body: Any = None
) -> tuple[int, dict[str, Any]]:
    """A request written by hand, for header lines no HTTP client would send (`cognito:groups: ...`)."""
    address = urlsplit(base_url)
    payload = b"" if body is None else json.dumps(body).encode()
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {address.netloc}",
        "Connection: close",
        *header_lines,
    ]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    with socket.create_connection((address.hostname, address.port), timeout=TIMEOUT) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, content = received.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    document: dict[str, Any] = json.loads(content) if content else {}
    return status, document
