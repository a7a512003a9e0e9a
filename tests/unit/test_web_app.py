"""The web app's files, its deployed build and config, the vendored npm files, and the local server's answers
(no sockets: `WebApp.answer` is what the server sends)."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import pytest

from local.web_server import WebApp, security_headers, web_port
from tools.publish_web import LOCAL_ONLY, WEB_ROOT, cache_control, content_type, deployable_files
from tools.vendor_npm import FILES, MANIFEST, locked_versions
from tools.web_config import deployed_config, local_config

REPO_ROOT = Path(__file__).resolve().parents[2]
OUTPUTS = {
    "ApiUrl": "https://abc123.execute-api.ap-southeast-3.amazonaws.com/v1",
    "UserPoolId": "ap-southeast-3_AbCdEf",
    "UserPoolClientId": "client123",
    "StaffAuthDomain": "https://lapor-123456789012.auth.ap-southeast-3.amazoncognito.com",
    "WebUrl": "https://d111111abcdef8.cloudfront.net",
}


def test_the_deployed_build_has_no_local_sign_in() -> None:
    files = deployable_files()
    assert "index.html" in files
    assert "staff/index.html" in files
    assert LOCAL_ONLY.isdisjoint(files)
    for key, path in files.items():
        if path.suffix in (".js", ".html", ".css", ".json"):
            assert "/_local/" not in path.read_text(encoding="utf-8"), key
    assert "/_local/token" in (WEB_ROOT / "js/staff/local-signin.js").read_text(encoding="utf-8")


def test_pages_are_indonesian_and_load_nothing_from_another_host() -> None:
    for page in ("index.html", "staff/index.html"):
        html = (WEB_ROOT / page).read_text(encoding="utf-8")
        assert '<html lang="id">' in html
        assert not re.search(r"""(src|href)=["']https?://""", html), page
        assert "<script>" not in html  # no inline script: the CSP allows none
    for path in WEB_ROOT.rglob("*.js"):
        if "vendor" in path.parts:
            continue
        assert not re.search(r"""["']https?://(?!\{)""", path.read_text(encoding="utf-8")), path


def test_config_from_a_stacks_outputs() -> None:
    config = deployed_config(OUTPUTS)
    assert config["api_url"] == OUTPUTS["ApiUrl"]
    assert config["auth"] == {
        "mode": "cognito",
        "domain": OUTPUTS["StaffAuthDomain"],
        "client_id": "client123",
        "user_pool_id": "ap-southeast-3_AbCdEf",
        "redirect_uri": "https://d111111abcdef8.cloudfront.net/staff/",
        "logout_uri": "https://d111111abcdef8.cloudfront.net/staff/",
        "scope": "openid email profile",
    }
    assert config["tile_url"] is None
    assert "Cikole" in config["city"]["kecamatan"]
    with pytest.raises(ValueError, match="WebUrl"):
        deployed_config({k: v for k, v in OUTPUTS.items() if k != "WebUrl"})
    assert local_config("http://127.0.0.1:3000/")["auth"] == {"mode": "local"}


def test_uploads_are_typed_and_only_vendored_files_are_cached_long() -> None:
    assert content_type("js/lib.js").startswith(("text/javascript", "application/javascript"))
    assert content_type("index.html") == "text/html; charset=utf-8"
    assert cache_control("vendor/preact.module.js").startswith("public, max-age=")
    assert cache_control("index.html") == "no-cache"


def test_vendored_files_are_the_locked_packages_unchanged() -> None:
    entries = json.loads(MANIFEST.read_text(encoding="utf-8"))
    versions = locked_versions()
    assert [(e["package"], e["source"], e["dest"]) for e in entries] == [
        (f.package, f.source, f.dest) for f in FILES
    ]
    for entry in entries:
        assert entry["version"] == versions[entry["package"]]
        assert hashlib.sha256((REPO_ROOT / entry["dest"]).read_bytes()).hexdigest() == entry["sha256"], entry[
            "dest"
        ]
    package = json.loads((REPO_ROOT / "tools/npm/package.json").read_text(encoding="utf-8"))
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in package["dependencies"].values())  # exact pins


def test_the_local_server_answers_as_the_distribution_does() -> None:
    app = WebApp("http://127.0.0.1:3000")
    status, headers, body = app.answer("/laporan/LPR-AAAA-BBBB", accepts_gzip=False)
    assert status == 200
    assert body == (WEB_ROOT / "index.html").read_bytes()
    assert app.answer("/staff/", False)[2] == (WEB_ROOT / "staff/index.html").read_bytes()
    assert app.answer("/staff/anything", False)[2] == (WEB_ROOT / "staff/index.html").read_bytes()
    assert app.answer("/js/nothing.js", False)[0] == 404
    assert app.answer("/../template.yaml", False)[0] == 404
    assert app.answer("/%2e%2e/template.yaml", False)[0] == 404
    named = dict(headers)
    assert named["Referrer-Policy"] == "no-referrer"
    assert "connect-src 'self' http://127.0.0.1:3000" in named["Content-Security-Policy"]
    config = json.loads(app.answer("/config.json", False)[2])
    assert config["api_url"] == "http://127.0.0.1:3000"
    status, headers, body = app.answer("/js/lib.js", accepts_gzip=True)
    assert dict(headers)["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == (WEB_ROOT / "js/lib.js").read_bytes()


def test_the_local_policy_has_the_deployed_policys_directives() -> None:
    template = (REPO_ROOT / "template.yaml").read_text(encoding="utf-8")
    policy = dict(security_headers("http://127.0.0.1:3000"))["Content-Security-Policy"]
    for directive in policy.split("; "):
        name = directive.split(" ")[0]
        assert f'"{name} ' in template or f'"{name}' in template, name
    assert "unsafe-inline" not in policy


def test_the_web_port_is_the_apis_plus_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEB_PORT", raising=False)
    assert web_port(3000) == 3001
    assert web_port(0) == 0
    monkeypatch.setenv("WEB_PORT", "8080")
    assert web_port(3000) == 8080
