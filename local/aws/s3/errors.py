"""S3's refusals, in S3's own shape: `<Error><Code>…</Code><Message>…</Message>…</Error>`, application/xml.

https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from local.gateway.http_types import OutgoingResponse

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
XML_MEDIA_TYPE = "application/xml"


class S3Error(Exception):
    """A refusal: HTTP status, S3 error code, message, and the extra elements S3 adds for that code."""

    def __init__(self, status: int, code: str, message: str, **details: str | int) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def access_denied(message: str = "Access Denied", **details: str | int) -> S3Error:
    return S3Error(403, "AccessDenied", message, **details)


def invalid_argument(message: str, argument: str, value: str = "") -> S3Error:
    return S3Error(400, "InvalidArgument", message, ArgumentName=argument, ArgumentValue=value)


def xml_element(name: str, value: str | int) -> str:
    return f"<{name}>{escape(str(value))}</{name}>"


def error_response(error: S3Error, request_id: str) -> OutgoingResponse:
    """The answer to a refused request (the gateway sends no body to a HEAD)."""
    elements = [
        xml_element("Code", error.code),
        xml_element("Message", error.message),
        *(xml_element(name, value) for name, value in error.details.items()),
        xml_element("RequestId", request_id),
    ]
    return OutgoingResponse(
        error.status,
        [("Content-Type", XML_MEDIA_TYPE), ("x-amz-request-id", request_id)],
        f"{XML_DECLARATION}<Error>{''.join(elements)}</Error>".encode(),
    )
