"""Photos as a phone makes them, with the metadata the scrubber must remove: Exif with GPS and camera tags
(built by hand with struct, in either byte order), XMP with GPS, a comment, a colour profile, a trailer.
Made with Pillow (a test dependency), no committed binaries. Shared by the scrubber's unit tests, the
attachment tests at every level and the scrubbing benchmark.
"""

from __future__ import annotations

import random
import struct
from io import BytesIO

from PIL import Image, ImageCms

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"

GPS_IFD = 0x8825
MAKE, MODEL, ORIENTATION, DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
ASCII, SHORT, LONG, RATIONAL, BYTE = 2, 3, 4, 5, 1

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="6,55.2057S"'
    b' exif:GPSLongitude="106,55.602E"/></rdf:RDF></x:xmpmeta>'
)
COMMENT = b"taken at Jl. Merdeka 12, Sukabumi"
TRAILER = b"TRAILER lat=-6.9175 lon=106.9267"
HOME = "Jl. Merdeka 12"


# --- building test images -------------------------------------------------------------------------------


def pixels(size: tuple[int, int] = (16, 12), mode: str = "RGB") -> Image.Image:
    """A deterministic, busy image (so that a broken scan would change the decoded pixels)."""
    rng = random.Random(f"{size}{mode}")
    channels = len(mode)
    return Image.frombytes(mode, size, bytes(rng.randrange(256) for _ in range(size[0] * size[1] * channels)))


def gps_rationals(endian: str) -> bytes:
    return struct.pack(endian + "6I", 6, 1, 55, 1, 1234, 100)


Entry = tuple[int, int, int, bytes]  # tag, type, count, raw value bytes


def pack_ifd(entries: list[Entry], start: int, endian: str) -> bytes:
    """One IFD at offset `start`, followed by the values that do not fit in four bytes; next IFD is 0."""
    size = 2 + 12 * len(entries) + 4
    table = struct.pack(endian + "H", len(entries))
    data = b""
    for tag, kind, count, value in sorted(entries):
        if len(value) <= 4:
            field = value.ljust(4, b"\x00")
        else:
            field = struct.pack(endian + "I", start + size + len(data))
            data += value + b"\x00" * (len(value) % 2)
        table += struct.pack(endian + "HHI", tag, kind, count) + field
    return table + struct.pack(endian + "I", 0) + data


def ascii_entry(tag: int, text: str) -> Entry:
    raw = text.encode() + b"\x00"
    return tag, ASCII, len(raw), raw


def exif_block(endian: str = "<", orientation: int | None = 6, gps: bool = True) -> bytes:
    """b"Exif\\0\\0" + a TIFF structure with camera tags, an Orientation and a GPS IFD."""
    ifd0: list[Entry] = [
        ascii_entry(MAKE, "AcmePhone"),
        ascii_entry(MODEL, "X-200 SN12345"),
        ascii_entry(DATETIME, "2024:05:17 07:45:12"),
    ]
    if orientation is not None:
        ifd0.append((ORIENTATION, SHORT, 1, struct.pack(endian + "H", orientation)))
    gps_entries: list[Entry] = [
        (0, BYTE, 4, bytes((2, 3, 0, 0))),
        (1, ASCII, 2, b"S\x00"),
        (2, RATIONAL, 3, gps_rationals(endian)),
        (3, ASCII, 2, b"E\x00"),
        (4, RATIONAL, 3, struct.pack(endian + "6I", 106, 1, 55, 1, 3612, 100)),
    ]
    body = b""
    if gps:
        pointer: Entry = (GPS_IFD, LONG, 1, struct.pack(endian + "I", 0))
        first = pack_ifd([*ifd0, pointer], 8, endian)
        gps_offset = 8 + len(first)
        pointer = (GPS_IFD, LONG, 1, struct.pack(endian + "I", gps_offset))
        body = pack_ifd([*ifd0, pointer], 8, endian) + pack_ifd(gps_entries, gps_offset, endian)
    else:
        body = pack_ifd(ifd0, 8, endian)
    mark = b"II*\x00" if endian == "<" else b"MM\x00*"
    return b"Exif\x00\x00" + mark + struct.pack(endian + "I", 8) + body


def segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def make_jpeg(
    *,
    exif: bytes | None = None,
    progressive: bool = False,
    icc: bool = False,
    extra: bytes = b"",
    trailer: bytes = b"",
    **options: object,
) -> bytes:
    buffer = BytesIO()
    params: dict[str, object] = {"quality": 90, "progressive": progressive, "extra": extra, **options}
    if exif is not None:
        params["exif"] = exif
    if icc:
        params["icc_profile"] = srgb_profile()
    pixels().save(buffer, "JPEG", **params)
    return buffer.getvalue() + trailer


def full_jpeg(endian: str = "<", orientation: int | None = 6, *, progressive: bool = False) -> bytes:
    """Everything a phone might put in a photo: Exif with GPS, XMP with GPS, a comment and a trailer."""
    return make_jpeg(
        exif=exif_block(endian, orientation),
        xmp=XMP,
        comment=COMMENT,
        icc=True,
        extra=segment(0xED, b"Photoshop 3.0\x00" + HOME.encode()) + segment(0xEF, b"vendor " + HOME.encode()),
        trailer=TRAILER,
        progressive=progressive,
    )
