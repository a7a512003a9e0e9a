"""The local stack over HTTP, as a frontend developer meets it after `make run`."""

from __future__ import annotations

import json
import signal
import socket
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests

from local.gateway.authorizer import verify_token
from local.template import load_template
from tests.e2e.http_client import ACCESS_LINK, Api, link_token

if TYPE_CHECKING:
    from tests.e2e.conftest import LocalStackProcess

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30
NEW_REPORT = {
    "type": "complaint",
    "title": "Lampu jalan mati",
    "description": "Lampu penerangan jalan di depan sekolah mati sejak seminggu.",
    "category": "pju",
    # Not the README's siti@example.id: a contact gets three codes a WIB day, and the README's walk-through,
    # run on this session's stack too, confirms its own.
    "reporter": {"name": "Siti", "email": "siti.smoke@example.id"},
}


def _error_code(response: requests.Response) -> str:
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    code: str = error["code"]
    return code


def test_health(stack: str) -> None:
    response = requests.get(f"{stack}/health", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unknown_route_is_404_in_the_error_shape(stack: str) -> None:
    response = requests.get(f"{stack}/no/such/route", timeout=TIMEOUT)
    assert response.status_code == 404
    assert _error_code(response) == "not_found"
    english = requests.delete(f"{stack}/health", headers={"Accept-Language": "en"}, timeout=TIMEOUT)
    assert english.status_code == 404
    assert english.json()["error"]["message"] == "Not found."


def test_body_over_64_kib_is_413(stack: str) -> None:
    body = json.dumps({**NEW_REPORT, "description": "x" * (65 * 1024)})
    response = requests.post(
        f"{stack}/reports", data=body, headers={"Content-Type": "application/json"}, timeout=TIMEOUT
    )
    assert response.status_code == 413
    assert _error_code(response) == "payload_too_large"


def test_local_token_round_trip(stack: str, stack_process: LocalStackProcess) -> None:
    response = requests.post(
        f"{stack}/_local/token",
        json={"role": "operator", "agency_id": "dinas-putr", "sub": "op-1"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"  # it carries a token
    secret = (stack_process.data_dir / "secret").read_text(encoding="utf-8").strip()
    claims = verify_token(secret, response.json()["token"])
    assert claims["sub"] == "op-1"
    assert claims["cognito:groups"] == "operator"
    assert claims["custom:agency_id"] == "dinas-putr"

    refused = requests.post(f"{stack}/_local/token", json={"role": "official"}, timeout=TIMEOUT)
    assert refused.status_code == 422
    assert _error_code(refused) == "validation_error"
    assert [detail["field"] for detail in refused.json()["error"]["details"]] == ["agency_id"]


def test_docs_and_openapi(stack: str) -> None:
    docs = requests.get(f"{stack}/docs", timeout=TIMEOUT)
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    assert requests.get(f"{stack}/docs/swagger-ui-bundle.js", timeout=TIMEOUT).status_code == 200
    initializer = requests.get(f"{stack}/docs/lapor-initializer.js", timeout=TIMEOUT)
    assert "/openapi.json" in initializer.text

    openapi = requests.get(f"{stack}/openapi.json", timeout=TIMEOUT)
    committed = REPO_ROOT / "docs" / "openapi.json"
    if committed.is_file():
        assert openapi.status_code == 200
        assert openapi.json() == json.loads(committed.read_text(encoding="utf-8"))
    else:
        assert openapi.status_code == 404
        assert _error_code(openapi) == "not_found"


def test_outbox_lists_notifications(stack: str) -> None:
    response = requests.get(f"{stack}/_local/outbox", timeout=TIMEOUT)
    assert response.status_code == 200
    assert isinstance(response.json()["items"], list)
    dead_letters = requests.get(f"{stack}/_local/dead-letters", timeout=TIMEOUT)
    assert dead_letters.status_code == 200
    assert isinstance(dead_letters.json()["items"], list)


def test_an_access_link_is_in_the_outbox_when_the_answer_returns(api: Api) -> None:
    filed = api.file_confirmed()
    asked = api.post(f"/reports/{filed.id}/access", {})
    assert asked.status_code == 202, asked.text
    # intake -> EventBridge -> notify -> SES -> the outbox, all before the 202 (API.md, "Local stack only")
    links = [item for item in api.outbox(filed.id) if item["template"] == ACCESS_LINK]
    assert len(links) == 1, [item["template"] for item in api.outbox(filed.id)]
    assert links[0]["channel"] == "email"
    assert links[0]["recipient"] == filed.body["reporter"]["email"]
    assert link_token(links[0]["message"], filed.id)


def test_data_survives_a_restart(start_stack: Callable[[Path], LocalStackProcess], tmp_path: Path) -> None:
    first = start_stack(tmp_path / "local-data")
    base_url = first.start()
    filed = requests.post(f"{base_url}/reports", json=NEW_REPORT, timeout=TIMEOUT)
    assert filed.status_code == 201, filed.text
    report_id, access_token = filed.json()["id"], filed.json()["access_token"]
    assert first.stop() == 0

    second = start_stack(tmp_path / "local-data")
    base_url = second.start()
    read = requests.get(
        f"{base_url}/reports/{report_id}", headers={"X-Report-Token": access_token}, timeout=TIMEOUT
    )
    assert read.status_code == 200, read.text
    assert read.json()["id"] == report_id
    assert read.json()["title"] == NEW_REPORT["title"]
    categories = requests.get(f"{base_url}/categories", timeout=TIMEOUT).json()["items"]
    assert len({item["code"] for item in categories}) == len(categories), "the seed was loaded twice"
    # The replayed and compacted writes are not stream records anyone is told about again.
    assert requests.get(f"{base_url}/_local/outbox", timeout=TIMEOUT).json()["items"] == []


def test_each_functions_log_lines_carry_its_own_service(stack: str, stack_process: LocalStackProcess) -> None:
    filed = requests.post(f"{stack}/reports", json=NEW_REPORT, timeout=TIMEOUT)
    assert filed.status_code == 201, filed.text
    requests.post(f"{stack}/reports/{filed.json()['id']}/access", json={}, timeout=TIMEOUT)
    services = {
        function.logical_id: function.environment.get("POWERTOOLS_SERVICE_NAME")
        for function in load_template().functions().values()
    }
    logged: dict[str, set[str]] = {}
    for line in stack_process.stdout_path.read_text(encoding="utf-8").splitlines():
        if line.startswith("{") and '"function_name"' in line:
            entry = json.loads(line)
            logged.setdefault(entry["function_name"], set()).add(entry["service"])
    assert len(logged) >= 3, logged  # intake, the stream consumer, the notifier at least
    assert logged == {name: {services[name]} for name in logged}


def _hang_up(port: int, reset: bool) -> None:
    """A client that sends a filing and leaves before the answer (closing, or resetting, its connection)."""
    body = json.dumps(NEW_REPORT).encode()
    head = (
        "POST /reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as connection:
        connection.sendall(head.encode() + body)
        if reset:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.mark.parametrize(
    "signals",
    [(signal.SIGINT, signal.SIGINT), (signal.SIGTERM, signal.SIGINT)],
    ids=["ctrl-c twice", "sigterm then ctrl-c"],
)
def test_a_client_that_hangs_up_and_repeated_signals_leave_no_traceback(
    start_stack: Callable[[Path], LocalStackProcess], tmp_path: Path, signals: tuple[int, ...]
) -> None:
    process = start_stack(tmp_path / "local-data")
    base_url = process.start()
    for reset in (False, True):
        _hang_up(process.port, reset)
    # Both filings are handled (and their answers lost) before the stack is told to stop.
    deadline = time.monotonic() + TIMEOUT
    while process.stderr_path.read_text(encoding="utf-8").count("POST /reports -> 201") < 2:
        assert time.monotonic() < deadline, process.output_tail()
        time.sleep(0.1)
    assert requests.get(f"{base_url}/health", timeout=TIMEOUT).status_code == 200
    assert process.stop(signals=signals) == 0
    stderr = process.stderr_path.read_text(encoding="utf-8")
    assert "Traceback" not in stderr, stderr
    assert "local: stopping" in stderr
