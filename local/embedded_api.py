"""Calls from the stack itself to the embedded moto server, over its socket like any SDK call.

Over the socket, not in-process: the server serializes requests, so the stack's own reads (stream records)
and writes (event buses, topics) never interleave with a handler's request. One connection per call, closed
after it, so that the single-threaded server is never held by an idle connection.
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from local.aws_environment import unverified_authorization

TIMEOUT_SECONDS = 30


class EmbeddedApiError(RuntimeError):
    def __init__(self, action: str, status: int, answer: bytes) -> None:
        super().__init__(f"{action} answered {status}: {answer[:300].decode('utf-8', errors='replace')}")
        self.status = status
        self.answer = answer


class EmbeddedApi:
    def __init__(self, endpoint_url: str) -> None:
        parts = urlsplit(endpoint_url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80

    def json_call(
        self, service: str, target: str, request: dict[str, Any], *, json_version: str = "1.0"
    ) -> dict[str, Any]:
        """A JSON-protocol call (DynamoDB, DynamoDB Streams, EventBridge); the answer as sent."""
        headers = {
            "Content-Type": f"application/x-amz-json-{json_version}",
            "X-Amz-Target": target,
            "Authorization": unverified_authorization(service),
        }
        answer = self._post(target, json.dumps(request).encode("utf-8"), headers)
        parsed: dict[str, Any] = json.loads(answer or b"{}")
        return parsed

    def query_call(self, service: str, parameters: dict[str, str]) -> bytes:
        """A query-protocol call (SNS): form-encoded parameters in, the XML answer out."""
        headers = {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Authorization": unverified_authorization(service),
        }
        return self._post(parameters.get("Action", service), urlencode(parameters).encode(), headers)

    def _post(self, action: str, body: bytes, headers: dict[str, str]) -> bytes:
        connection = http.client.HTTPConnection(self._host, self._port, timeout=TIMEOUT_SECONDS)
        try:
            connection.request("POST", "/", body=body, headers={**headers, "Connection": "close"})
            response = connection.getresponse()
            answer = response.read()
        finally:
            connection.close()
        if response.status != 200:
            raise EmbeddedApiError(action, response.status, answer)
        return answer
