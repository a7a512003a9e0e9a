"""The attachments' bucket in memory (`FileStore`): objects by key; forms and links are plain descriptions
of what a presigned one would allow."""

from __future__ import annotations

from datetime import timedelta

from lapor.domain.attachments import UploadForm
from lapor.ports import FileTooLarge


class InMemoryFiles:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.forms: list[tuple[str, str, int]] = []

    def upload_form(self, key: str, content_type: str, max_size: int, expires: timedelta) -> UploadForm:
        self.forms.append((key, content_type, max_size))
        fields = {"key": key, "Content-Type": content_type, "max-size": str(max_size)}
        return UploadForm(url="memory://uploads", fields=fields)

    def download_url(self, key: str, content_type: str, filename: str, expires: timedelta) -> str:
        return f"memory://{key}?as={filename}"

    def read(self, key: str, max_size: int) -> bytes | None:
        found = self.objects.get(key)
        if found is None:
            return None
        if len(found[0]) > max_size:
            raise FileTooLarge(key)
        return found[0]

    def write(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = (data, content_type)

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)


def _serves_its_port(files: InMemoryFiles) -> None:
    """Never run: `make types` checks that the fake implements `FileStore` (mypy on tests/fakes)."""
    from lapor import ports

    store: ports.FileStore = files
    del store
