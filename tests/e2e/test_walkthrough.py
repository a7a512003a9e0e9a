"""The reporter's journey over HTTP against the local stack, and the README's walk-through run as written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import LocalStackProcess

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"
WALKTHROUGH_KEY = "5f0c6a4e-2b1d-4c8e-9f3a-7d2e1b0c9a88"  # the README's Idempotency-Key
REPORT = {
    "type": "complaint",
    "title": "Trotoar amblas di Jalan Siliwangi",
    "description": "Trotoar di depan toko roti amblas sedalam 30 cm, pejalan kaki harus turun ke jalan.",
    "category": "jalan",
    "location": {"lat": -6.9206, "lon": 106.9298, "kecamatan": "Citamiang"},
    "reporter": {"name": "Dewi Lestari", "phone": "081298765432"},
}


def _post(stack: str, body: Any, **headers: str) -> requests.Response:
    return requests.post(f"{stack}/reports", json=body, headers=headers, timeout=10)


def test_file_read_back_and_the_public_does_not_see_it(stack: str) -> None:
    filed = _post(stack, REPORT)
    assert filed.status_code == 201, filed.text
    body = filed.json()
    token = body["access_token"]
    own = requests.get(f"{stack}/reports/{body['id']}", headers={"X-Report-Token": token}, timeout=10)
    assert own.status_code == 200
    assert own.json()["reporter"]["name"] == "Dewi Lestari"
    assert own.headers["ETag"] == '"1"'
    public = requests.get(f"{stack}/reports/{body['id']}", timeout=10)
    assert public.status_code == 404
    assert public.json()["error"]["code"] == "not_found"
    listing = requests.get(f"{stack}/reports", timeout=10).json()
    assert body["id"] not in [item["id"] for item in listing["items"]]
    assert "Dewi" not in json.dumps(listing)


def test_a_retry_with_the_same_key_files_nothing_new(stack: str) -> None:
    key = str(uuid.uuid4())
    first = _post(stack, REPORT, **{"Idempotency-Key": key})
    second = _post(stack, REPORT, **{"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    reused = _post(stack, {**REPORT, "title": "Laporan yang lain"}, **{"Idempotency-Key": key})
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"


def test_the_reporter_replies_and_cannot_rate_before_it_is_done(stack: str) -> None:
    body = _post(stack, REPORT).json()
    token = {"X-Report-Token": body["access_token"]}
    reply = requests.post(
        f"{stack}/reports/{body['id']}/replies", json={"message": "Foto menyusul."}, headers=token, timeout=10
    )
    assert reply.status_code == 201
    assert reply.json()["version"] == 2
    rating = requests.post(
        f"{stack}/reports/{body['id']}/rating", json={"score": 5, "resolved": True}, headers=token, timeout=10
    )
    assert rating.status_code == 409


def test_bad_input_over_http(stack: str) -> None:
    wrong_type = requests.post(
        f"{stack}/reports", data="type=complaint", headers={"Content-Type": "text/plain"}, timeout=10
    )
    assert wrong_type.status_code == 415
    too_big = requests.post(
        f"{stack}/reports",
        data=b"{" + b" " * (70 * 1024) + b"}",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert too_big.status_code == 413
    broken = requests.post(
        f"{stack}/reports", data='{"type": ', headers={"Content-Type": "application/json"}, timeout=10
    )
    assert broken.status_code == 400
    english = _post(stack, {**REPORT, "title": "Hi"}, **{"Accept-Language": "en"})
    assert english.status_code == 422
    assert english.json()["error"]["details"] == [
        {"field": "title", "message": "Title must be at least 5 characters."}
    ]


def _readme_block(first_line: str) -> str:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    return next(b for b in blocks if first_line in b)


def _readme_walkthrough() -> str:
    return _readme_block("# 1. File a report")


def test_the_readme_walkthrough_works_as_written(stack: str, tmp_path: Path) -> None:
    script = _readme_walkthrough().replace("http://127.0.0.1:3000", stack)
    script = script.replace("/tmp/lapor-report.json", str(tmp_path / "report.json"))  # noqa: S108
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    filed = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert filed["status"] == "SUBMITTED"
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "404"
    assert f'"id":"{filed["id"]}"' in done.stdout.replace(" ", "")
    assert '{"contact_confirmed":true}' in done.stdout.replace(" ", "")
    assert '"reporter":{"name":"Siti"' in done.stdout.replace(" ", "")


def test_the_readme_attachment_steps_work_as_written(stack: str, tmp_path: Path) -> None:
    from PIL import Image

    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (32, 24), (10, 120, 200)).save(photo, "JPEG")
    script = _readme_walkthrough() + _readme_block("# Continuing the walk-through")
    script = script.replace("http://127.0.0.1:3000", stack)
    script = script.replace("/tmp/lapor-report.json", str(tmp_path / "report.json"))  # noqa: S108
    script = script.replace("/tmp/lapor-form.json", str(tmp_path / "form.json"))  # noqa: S108
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PHOTO": str(photo)},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-2] == "204"
    assert "'status': 'ready'" in lines[-1]
    assert "'download_url': 'http" in lines[-1]


def test_the_readme_open311_steps_work_as_written(stack: str, tmp_path: Path) -> None:
    script = (
        _readme_walkthrough()
        + _readme_block("COORD=$(curl")
        + _readme_block("# The coordinator issues a key to a client system")
    )
    script = script.replace("http://127.0.0.1:3000", stack)
    script = script.replace("/tmp/lapor-report.json", str(tmp_path / "report.json"))  # noqa: S108
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-2] == "404"  # not verified yet
    [request] = json.loads(lines[-1])
    assert request["service_code"] == "pju"
    assert request["status"] == "open"
    assert '"endpoints"' in done.stdout  # discovery
    assert '"service_code":"pju"' in done.stdout.replace(" ", "")  # the services


def _run_readme(stack: str, tmp_path: Path, *first_lines: str, own_report: bool = False) -> list[str]:
    """The walk-through, then the README blocks that begin with `first_lines`, as written; the output."""
    script = _readme_walkthrough() + "".join(_readme_block(line) for line in first_lines)
    script = script.replace("http://127.0.0.1:3000", stack)
    script = script.replace("/tmp/lapor-report.json", str(tmp_path / "report.json"))  # noqa: S108
    if own_report:  # a report of its own: a new Idempotency-Key
        script = script.replace(WALKTHROUGH_KEY, str(uuid.uuid4()))
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def test_the_readme_access_link_steps_work_as_written(
    stack: str, stack_process: LocalStackProcess, tmp_path: Path
) -> None:
    # Its own report: the link's token replaces the walk-through's, which the other README tests read with.
    lines = _run_readme(stack, tmp_path, "COORD=$(curl", "# A new access link", own_report=True)
    filed = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    deliveries = next(line for line in lines if line.startswith("[('confirm_contact'"))
    assert deliveries == str(
        [
            ("confirm_contact", "delivered"),
            ("laporan_diverifikasi", "delivered"),
            ("tindak_lanjut", "delivered"),
        ]
    )
    assert lines[-5] == "202"
    # The link points at the local web app, whose report page takes the token from the fragment.
    assert lines[-4].startswith(f"http://127.0.0.1:{stack_process.web_port}/laporan/{filed['id']}#token=")
    assert lines[-3:] == ["200", "200", "401"]  # the old token, the link's, the old one again


def test_the_readme_way_to_make_a_channel_fail_works_as_written(stack: str, tmp_path: Path) -> None:
    lines = _run_readme(stack, tmp_path, "COORD=$(curl", "# A reporter whose address bounces")
    assert lines[-1] == "False bounced"
