"""Read a browser upload form (multipart/form-data) the way S3 reads a POST Object request.

The fields come in order; the part named `file` must be the last one that counts (S3 ignores what follows
it). Names keep the case they were sent in; the policy check compares them case-insensitively.
https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

FILE_FIELD = "file"
FORM_MEDIA_TYPE = "multipart/form-data"
MAX_PARTS = 100


class MalformedFormError(ValueError):
    pass


@dataclass(frozen=True)
class FilePart:
    filename: str
    data: bytes


@dataclass(frozen=True)
class PostForm:
    fields: list[tuple[str, str]]  # every part before the file, in order
    file: FilePart | None


def form_boundary(content_type: str | None) -> bytes | None:
    """The boundary of a multipart/form-data body, or None when the body is not one."""
    media_type, options = parse_options_header(content_type or "")
    boundary = options.get("boundary")
    if media_type.lower() != FORM_MEDIA_TYPE or not boundary:
        return None
    return boundary.encode("latin-1")


def parse_post_form(boundary: bytes, body: bytes) -> PostForm:
    decoder = MultipartDecoder(boundary, max_parts=MAX_PARTS)
    decoder.receive_data(body)
    decoder.receive_data(None)
    fields: list[tuple[str, str]] = []
    current: Field | File | None = None
    data = bytearray()
    try:
        while True:
            event = decoder.next_event()
            if isinstance(event, Field | File):
                if not isinstance(event.name, str):
                    raise MalformedFormError("a part has no name")
                current, data = event, bytearray()
            elif isinstance(event, Data):
                data += event.data
                if event.more_data or current is None:
                    continue
                if current.name.lower() == FILE_FIELD:
                    filename = current.filename if isinstance(current, File) else ""
                    return PostForm(fields, FilePart(filename, bytes(data)))
                fields.append((current.name, bytes(data).decode("utf-8", errors="replace")))
                current = None
            elif isinstance(event, Epilogue):
                return PostForm(fields, None)
            elif isinstance(event, NeedData):
                raise MalformedFormError("the body ends inside the form")
    except MalformedFormError:
        raise
    except ValueError as error:
        raise MalformedFormError(str(error)) from error
    except RequestEntityTooLarge as error:
        raise MalformedFormError(f"more than {MAX_PARTS} parts") from error
