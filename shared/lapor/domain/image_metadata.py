"""Removing location and other identifying metadata from uploaded attachments.

Reporters attach photos taken with their phones, and those photos carry metadata the reporter never meant
to publish: the GPS coordinates of where the picture was taken (often their home), the capture time, the
phone's make, model and serial number, the owner's name, editing software history and embedded thumbnails
that may show the uncropped original. The design asks to strip EXIF and location data before a file is
stored, so `scrub` rewrites every image to keep only what is needed to render it:

- JPEG: all APP1 segments (Exif and XMP, both of which can hold GPS positions), APP13 (Photoshop/IPTC),
  comments, APP2 "MPF" (multi-picture index) and every other APPn segment are dropped; APP2 "ICC_PROFILE"
  (the colour profile) and APP14 "Adobe" (the colour transform) are kept. Of APP0 only the file's first
  JFIF header is kept, rewritten right after SOI with its version, units and densities and a 0x0
  thumbnail: a JFIF header may carry an uncompressed thumbnail, and the JFXX extension segments (always
  dropped, like any APP0 that is not JFIF) carry thumbnails that can be whole JPEGs with their own Exif.
  A JFIF header shorter than its 14 fixed bytes counts as no JFIF. The Exif Orientation, if it is not the
  default, is written back in a new minimal Exif segment (after the JFIF header, if any) so the photo is
  not shown sideways. Everything after EOI (trailers, the secondary images of a multi-picture file, which
  carry their own Exif) is dropped. The compressed image data is copied byte for byte, so pixels do not
  change.
- PNG: eXIf, tEXt, zTXt, iTXt, tIME and every unknown ancillary chunk are dropped; the critical chunks and
  a fixed list of rendering chunks (colour space, transparency, physical size, animation) are kept, and
  anything after IEND is dropped.
- PDF is only checked to be a PDF and is returned unchanged.

Bytes that do not look like the declared type raise `UnreadableFile`, so a file that cannot be scrubbed is
never stored as it is. Standard library only: this runs in every upload without extra layers.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"
SCRUBBED_TYPES = frozenset({JPEG, PNG, PDF})


class UnreadableFile(ValueError):
    """The bytes are not a well-formed file of the declared content type."""


def scrub(data: bytes, content_type: str) -> bytes:
    """Return the file without location or other identifying metadata.

    image/jpeg and image/png are rewritten; application/pdf is only checked (it must start with b"%PDF-")
    and returned unchanged. Any other content type raises ValueError. Bytes that do not look like the
    declared type (wrong magic, truncated segments, bad PNG CRC, ...) raise UnreadableFile.
    """
    kind = _media_type(content_type)
    if kind == JPEG:
        return _scrub_jpeg(bytes(data))
    if kind == PNG:
        return _scrub_png(bytes(data))
    if kind == PDF:
        return _check_pdf(bytes(data))
    raise ValueError(f"cannot scrub content type {content_type!r}")


def _media_type(content_type: str) -> str:
    """The bare media type, lower case, without parameters ("image/JPEG; q=1" -> "image/jpeg")."""
    return content_type.split(";", 1)[0].strip().lower()


# --- PDF ---------------------------------------------------------------------------------------------------

PDF_MAGIC = b"%PDF-"


def _check_pdf(data: bytes) -> bytes:
    if not data.startswith(PDF_MAGIC):
        raise UnreadableFile("not a PDF: missing %PDF- header")
    return data


# --- JPEG --------------------------------------------------------------------------------------------------

SOI = 0xD8
EOI = 0xD9
SOS = 0xDA
TEM = 0x01
APP0 = 0xE0
APP1 = 0xE1
APP2 = 0xE2
APP14 = 0xEE
COM = 0xFE
# Start-of-frame markers: C0-CF except DHT (C4), JPG (C8) and DAC (CC).
SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
RST_MARKERS = frozenset(range(0xD0, 0xD8))

EXIF_HEADER = b"Exif\x00\x00"
JFIF_IDENTIFIER = b"JFIF\x00"
# Identifier (5), version (2), units (1), Xdensity (2), Ydensity (2): everything before the thumbnail.
JFIF_FIXED_FIELDS = 12
JFIF_HEADER_LENGTH = JFIF_FIXED_FIELDS + 2  # then Xthumbnail and Ythumbnail (1 each)
NO_THUMBNAIL = b"\x00\x00"
KEPT_APP_PREFIXES = {
    APP2: (b"ICC_PROFILE\x00",),
    APP14: (b"Adobe",),
}  # APP0 is handled apart: only a rewritten JFIF header survives (see _bare_jfif)

ORIENTATION_TAG = 0x0112
TIFF_SHORT = 3
DEFAULT_ORIENTATION = 1
VALID_ORIENTATIONS = range(1, 9)


@dataclass(frozen=True)
class _Segment:
    """One marker segment as it appears in the file: the marker and its payload (without the length)."""

    marker: int
    payload: bytes = b""
    scan_data: bytes = b""  # only for SOS: the entropy-coded data that follows the header

    def encode(self) -> bytes:
        if self.marker in RST_MARKERS or self.marker in {SOI, EOI, TEM}:
            return bytes((0xFF, self.marker))
        return (
            bytes((0xFF, self.marker))
            + struct.pack(">H", len(self.payload) + 2)
            + self.payload
            + self.scan_data
        )


def _scrub_jpeg(data: bytes) -> bytes:
    segments = list(_jpeg_segments(data))
    orientation = _first_orientation(segments)
    header: list[_Segment] = []
    jfif = _bare_jfif(segments)
    if jfif is not None:
        header.append(jfif)
    if orientation is not None:
        byte_order, value = orientation
        header.append(_Segment(APP1, _minimal_exif(byte_order, value)))
    kept = header + [segment for segment in segments if _keep_jpeg_segment(segment)]
    return b"\xff\xd8" + b"".join(segment.encode() for segment in kept) + b"\xff\xd9"


def _jpeg_segments(data: bytes) -> Iterator[_Segment]:
    """The segments between SOI and EOI (both excluded); raises UnreadableFile on any structural problem."""
    if not data.startswith(b"\xff\xd8"):
        raise UnreadableFile("not a JPEG: missing SOI marker")
    pos = 2
    seen_frame = seen_scan = False
    while True:
        marker, pos = _read_marker(data, pos)
        if marker == EOI:
            break
        if marker in {SOI, 0x00}:
            raise UnreadableFile(f"unexpected JPEG marker 0x{marker:02X}")
        if marker in RST_MARKERS or marker == TEM:
            yield _Segment(marker)
            continue
        payload, pos = _read_segment_payload(data, pos)
        if marker in SOF_MARKERS:
            seen_frame = True
        if marker != SOS:
            yield _Segment(marker, payload)
            continue
        if not seen_frame:
            raise UnreadableFile("JPEG scan before any frame header")
        seen_scan = True
        end = _end_of_scan_data(data, pos)
        yield _Segment(SOS, payload, data[pos:end])
        pos = end
    if not seen_scan:
        raise UnreadableFile("JPEG without image data")


def _read_marker(data: bytes, pos: int) -> tuple[int, int]:
    """The marker at `pos` (after any 0xFF fill bytes) and the position just past it."""
    if pos >= len(data) or data[pos] != 0xFF:
        raise UnreadableFile(f"expected a JPEG marker at offset {pos}")
    while pos < len(data) and data[pos] == 0xFF:
        pos += 1
    if pos >= len(data):
        raise UnreadableFile("JPEG ends inside a marker (no EOI)")
    return data[pos], pos + 1


def _read_segment_payload(data: bytes, pos: int) -> tuple[bytes, int]:
    """The payload of the segment whose length field starts at `pos`, and the position just past it."""
    if pos + 2 > len(data):
        raise UnreadableFile("JPEG ends inside a segment length")
    (length,) = struct.unpack_from(">H", data, pos)
    end = pos + length
    if length < 2 or end > len(data):
        raise UnreadableFile(f"JPEG segment at offset {pos} runs past the end of the file")
    return data[pos + 2 : end], end


def _end_of_scan_data(data: bytes, pos: int) -> int:
    """Where the entropy-coded data starting at `pos` ends: at the first marker that is not part of it.

    FF 00 is a stuffed data byte, FF D0-D7 are restart markers and FF FF a fill byte; they all belong to
    the scan. Any other FF xx is the next marker.
    """
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            raise UnreadableFile("JPEG scan data is truncated (no EOI)")
        following = data[pos + 1]
        if following == 0x00 or following in RST_MARKERS:
            pos += 2
        elif following == 0xFF:
            pos += 1
        else:
            return pos


def _keep_jpeg_segment(segment: _Segment) -> bool:
    """Whether a segment is copied as it is (APP0 never is: `_bare_jfif` writes the one that is kept)."""
    if segment.marker == COM:
        return False
    if not APP0 <= segment.marker <= 0xEF:
        return True
    prefixes = KEPT_APP_PREFIXES.get(segment.marker, ())
    return any(segment.payload.startswith(prefix) for prefix in prefixes)


def _bare_jfif(segments: list[_Segment]) -> _Segment | None:
    """The first JFIF APP0 with its thumbnail removed, or None if there is none or it is too short.

    The header's version, units and densities are copied; Xthumbnail and Ythumbnail become 0 and whatever
    followed them (the uncompressed thumbnail, or any other extra bytes) is left out.
    """
    for segment in segments:
        if segment.marker == APP0 and segment.payload.startswith(JFIF_IDENTIFIER):
            if len(segment.payload) < JFIF_HEADER_LENGTH:
                return None
            return _Segment(APP0, segment.payload[:JFIF_FIXED_FIELDS] + NO_THUMBNAIL)
    return None


def _first_orientation(segments: list[_Segment]) -> tuple[str, int] | None:
    """The byte order (">" or "<") and the non-default Orientation of the first Exif segment that has one."""
    for segment in segments:
        if segment.marker == APP1 and segment.payload.startswith(EXIF_HEADER):
            found = _exif_orientation(segment.payload[len(EXIF_HEADER) :])
            if found is not None:
                return found
    return None


def _exif_orientation(tiff: bytes) -> tuple[str, int] | None:
    """Orientation (tag 0x0112, SHORT) from IFD0 of a TIFF structure, if present, valid and not 1.

    Every offset is bounds-checked: a malformed Exif just has no orientation.
    """
    byte_order = _tiff_byte_order(tiff)
    if byte_order is None:
        return None
    for tag, kind, count, value in _ifd0_entries(tiff, byte_order):
        if tag == ORIENTATION_TAG:
            valid = kind == TIFF_SHORT and count == 1 and value in VALID_ORIENTATIONS
            return (byte_order, value) if valid and value != DEFAULT_ORIENTATION else None
    return None


def _ifd0_entries(tiff: bytes, byte_order: str) -> Iterator[tuple[int, int, int, int]]:
    """IFD0's entries in file order; stops quietly where the structure runs out of bounds."""
    ifd0 = _unpack(tiff, 4, byte_order + "I")
    if ifd0 is None or ifd0 < 8:
        return
    entry_count = _unpack(tiff, ifd0, byte_order + "H") or 0
    for index in range(entry_count):
        entry = _unpack_entry(tiff, ifd0 + 2 + 12 * index, byte_order)
        if entry is None:
            return
        yield entry


def _tiff_byte_order(tiff: bytes) -> str | None:
    if tiff.startswith(b"II*\x00"):
        return "<"
    if tiff.startswith(b"MM\x00*"):
        return ">"
    return None


def _unpack(buffer: bytes, offset: int, fmt: str) -> int | None:
    if offset < 0 or offset + struct.calcsize(fmt) > len(buffer):
        return None
    (value,) = struct.unpack_from(fmt, buffer, offset)
    return int(value)


def _unpack_entry(tiff: bytes, offset: int, byte_order: str) -> tuple[int, int, int, int] | None:
    """An IFD entry: tag, type, count, and the first SHORT of the value field."""
    if offset < 0 or offset + 12 > len(tiff):
        return None
    tag, kind, count, first_short = struct.unpack_from(byte_order + "HHIH", tiff, offset)
    return tag, kind, count, first_short


def _minimal_exif(byte_order: str, orientation: int) -> bytes:
    """An Exif payload with only IFD0 and its one Orientation entry, in the given byte order."""
    mark = b"II*\x00" if byte_order == "<" else b"MM\x00*"
    header = mark + struct.pack(byte_order + "I", 8)
    ifd = struct.pack(byte_order + "H", 1)
    ifd += struct.pack(byte_order + "HHIHH", ORIENTATION_TAG, TIFF_SHORT, 1, orientation, 0)
    ifd += struct.pack(byte_order + "I", 0)
    return EXIF_HEADER + header + ifd


# --- PNG ---------------------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_CRITICAL = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND"})
PNG_KEPT_ANCILLARY = frozenset(
    {
        b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"cICP", b"mDCv", b"cLLi",
        b"bKGD", b"hIST", b"pHYs", b"sPLT", b"acTL", b"fcTL", b"fdAT",
    }
)  # fmt: skip
PNG_MAX_CHUNK_LENGTH = 2**31 - 1


@dataclass(frozen=True)
class _Chunk:
    kind: bytes
    raw: bytes  # the whole chunk as in the file: length, type, data and CRC


def _scrub_png(data: bytes) -> bytes:
    chunks = list(_png_chunks(data))
    kept = [chunk.raw for chunk in chunks if chunk.kind in PNG_CRITICAL or chunk.kind in PNG_KEPT_ANCILLARY]
    return PNG_SIGNATURE + b"".join(kept)


def _png_chunks(data: bytes) -> Iterator[_Chunk]:
    """Every chunk up to and including IEND, CRC-checked; raises UnreadableFile on any structural problem."""
    if not data.startswith(PNG_SIGNATURE):
        raise UnreadableFile("not a PNG: missing signature")
    pos = len(PNG_SIGNATURE)
    first = True
    seen_image_data = False
    while True:
        chunk, pos = _read_png_chunk(data, pos)
        if first and chunk.kind != b"IHDR":
            raise UnreadableFile("PNG does not start with IHDR")
        first = False
        if _is_critical(chunk.kind) and chunk.kind not in PNG_CRITICAL:
            raise UnreadableFile(f"unknown critical PNG chunk {chunk.kind!r}")
        seen_image_data = seen_image_data or chunk.kind == b"IDAT"
        yield chunk
        if chunk.kind == b"IEND":
            break
    if not seen_image_data:
        raise UnreadableFile("PNG without image data")


def _read_png_chunk(data: bytes, pos: int) -> tuple[_Chunk, int]:
    if pos + 8 > len(data):
        raise UnreadableFile("PNG is truncated (no IEND)")
    (length,) = struct.unpack_from(">I", data, pos)
    kind = data[pos + 4 : pos + 8]
    end = pos + 12 + length
    if length > PNG_MAX_CHUNK_LENGTH or end > len(data):
        raise UnreadableFile(f"PNG chunk at offset {pos} runs past the end of the file")
    if not kind.isalpha():
        raise UnreadableFile(f"invalid PNG chunk type at offset {pos}")
    (crc,) = struct.unpack_from(">I", data, end - 4)
    if zlib.crc32(data[pos + 4 : end - 4]) != crc:
        raise UnreadableFile(f"bad CRC in PNG chunk {kind!r}")
    return _Chunk(kind, data[pos:end]), end


def _is_critical(kind: bytes) -> bool:
    """Bit 5 of the first letter clear (upper case) means the decoder must understand the chunk."""
    return not kind[0] & 0x20
