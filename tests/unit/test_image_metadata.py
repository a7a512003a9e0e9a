"""Scrubbing attachments: photos lose GPS and camera metadata but keep their pixels, colours and orientation.

The images are made with Pillow in the tests (no committed binaries). The Exif blocks are built by hand
with struct, so both byte orders and the exact GPS bytes are under the test's control.
"""

from __future__ import annotations

import random
import struct
import zlib
from io import BytesIO

import pytest
from PIL import Image, PngImagePlugin

from lapor.domain.image_metadata import SCRUBBED_TYPES, UnreadableFile, scrub
from tests.photos import (
    COMMENT,
    GPS_IFD,
    HOME,
    JPEG,
    LONG,
    MAKE,
    ORIENTATION,
    PDF,
    PNG,
    SHORT,
    TRAILER,
    XMP,
    exif_block,
    full_jpeg,
    gps_rationals,
    make_jpeg,
    pixels,
    segment,
    srgb_profile,
)


def markers(jpeg: bytes) -> list[tuple[int, bytes]]:
    """The (marker, payload) segments up to the first SOS, for inspecting headers."""
    found = []
    pos = 2
    while jpeg[pos + 1] != 0xDA:
        marker = jpeg[pos + 1]
        (length,) = struct.unpack_from(">H", jpeg, pos + 2)
        found.append((marker, jpeg[pos + 4 : pos + 2 + length]))
        pos += 2 + length
    return found


def decoded(data: bytes) -> tuple[tuple[int, int], str, bytes]:
    with Image.open(BytesIO(data)) as image:
        return image.size, image.mode, image.tobytes()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_chunk_types(png: bytes) -> list[bytes]:
    kinds = []
    pos = 8
    while pos < len(png):
        (length,) = struct.unpack_from(">I", png, pos)
        kinds.append(png[pos + 4 : pos + 8])
        pos += 12 + length
    return kinds


def make_png(trailer: bytes = b"") -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", HOME)
    info.add_itxt("Description", "Rumah saya, Jl. Merdeka 12", lang="id")
    info.add_text("Comment", "zipped " + HOME, zip=True)
    info.add(b"tIME", struct.pack(">HBBBBB", 2024, 5, 17, 7, 45, 12))
    info.add(b"gAMA", struct.pack(">I", 45455))
    info.add(b"prVt", b"private " + HOME.encode())
    buffer = BytesIO()
    pixels().save(buffer, "PNG", pnginfo=info, exif=exif_block("<"), dpi=(300, 300))
    return buffer.getvalue() + trailer


# --- JPEG ------------------------------------------------------------------------------------------------


def test_the_fixture_really_carries_the_metadata() -> None:
    original = full_jpeg()
    with Image.open(BytesIO(original)) as image:
        exif = image.getexif()
        assert exif[MAKE] == "AcmePhone"
        assert exif.get_ifd(GPS_IFD)[1] == "S"
        assert image.info["comment"] == COMMENT
        assert b"GPSLatitude" in image.info["xmp"]
    assert original.endswith(TRAILER)


def test_jpeg_pixels_and_size_are_preserved() -> None:
    original = full_jpeg()
    assert decoded(scrub(original, JPEG)) == decoded(original)


@pytest.mark.parametrize("endian", ["<", ">"])
def test_jpeg_exif_loses_gps_and_camera_but_keeps_orientation(endian: str) -> None:
    scrubbed = scrub(full_jpeg(endian), JPEG)

    with Image.open(BytesIO(scrubbed)) as image:
        exif = image.getexif()
    assert dict(exif) == {ORIENTATION: 6}
    assert GPS_IFD not in exif
    assert not exif.get_ifd(GPS_IFD)
    app1 = [payload for marker, payload in markers(scrubbed) if marker == 0xE1]
    assert len(app1) == 1
    assert app1[0][6:8] == (b"II" if endian == "<" else b"MM")


@pytest.mark.parametrize("orientation", [None, 1])
def test_jpeg_with_default_orientation_gets_no_app1_at_all(orientation: int | None) -> None:
    scrubbed = scrub(full_jpeg(orientation=orientation), JPEG)

    assert b"\xff\xe1" not in scrubbed
    assert all(marker != 0xE1 for marker, _ in markers(scrubbed))
    with Image.open(BytesIO(scrubbed)) as image:
        assert not image.getexif()


@pytest.mark.parametrize("endian", ["<", ">"])
def test_raw_jpeg_bytes_no_longer_contain_any_metadata(endian: str) -> None:
    scrubbed = scrub(full_jpeg(endian), JPEG)

    for secret in (b"GPS", gps_rationals(endian), XMP, b"55.2057", COMMENT, TRAILER, HOME.encode()):
        assert secret not in scrubbed
    for camera in (b"AcmePhone", b"SN12345", b"2024:05:17", b"Photoshop", b"vendor"):
        assert camera not in scrubbed
    assert scrubbed.endswith(b"\xff\xd9")


def test_jpeg_keeps_jfif_first_then_the_new_exif_then_the_colour_profile() -> None:
    original = full_jpeg()
    scrubbed = scrub(original, JPEG)

    kinds = [marker for marker, _ in markers(scrubbed)]
    assert kinds[:3] == [0xE0, 0xE1, 0xE2]
    assert {0xED, 0xEF, 0xFE}.isdisjoint(kinds)
    jfif = markers(scrubbed)[0][1]
    assert jfif.startswith(b"JFIF\x00")
    with Image.open(BytesIO(scrubbed)) as image, Image.open(BytesIO(original)) as before:
        assert image.info["icc_profile"] == before.info["icc_profile"] == srgb_profile()
        assert image.info["jfif_version"] == before.info["jfif_version"]


def test_the_minimal_exif_is_exactly_one_orientation_entry() -> None:
    for endian, mark in (("<", b"II*\x00"), (">", b"MM\x00*")):
        app1 = next(p for m, p in markers(scrub(full_jpeg(endian, orientation=8), JPEG)) if m == 0xE1)
        expected = (
            b"Exif\x00\x00"
            + mark
            + struct.pack(endian + "IH", 8, 1)
            + struct.pack(endian + "HHIHH", ORIENTATION, SHORT, 1, 8, 0)
            + struct.pack(endian + "I", 0)
        )
        assert app1 == expected


def test_progressive_jpeg_keeps_every_scan_and_loses_gps() -> None:
    original = full_jpeg(progressive=True)
    scrubbed = scrub(original, JPEG)

    assert original.count(b"\xff\xda") > 1
    assert scrubbed.count(b"\xff\xda") == original.count(b"\xff\xda")
    assert decoded(scrubbed) == decoded(original)
    assert b"GPS" not in scrubbed
    assert gps_rationals("<") not in scrubbed
    with Image.open(BytesIO(scrubbed)) as image:
        assert dict(image.getexif()) == {ORIENTATION: 6}


def test_metadata_between_progressive_scans_is_filtered_too() -> None:
    original = make_jpeg(progressive=True)
    second_scan = original.index(b"\xff\xda", original.index(b"\xff\xda") + 2)
    injected = (
        segment(0xE1, exif_block())
        + segment(0xFE, COMMENT)
        + segment(0xE2, b"ICC_PROFILE\x00\x01\x01")
        + b"\xff\xff"  # fill bytes before a marker are allowed
        + segment(0xE2, b"MPF\x00" + HOME.encode())
    )
    dirty = original[:second_scan] + injected + original[second_scan:]
    assert decoded(dirty) == decoded(original)

    scrubbed = scrub(dirty, JPEG)

    assert decoded(scrubbed) == decoded(original)
    for secret in (gps_rationals("<"), COMMENT, b"MPF", HOME.encode()):
        assert secret not in scrubbed
    # The colour profile segment between the scans is kept, and the exif orientation is found anywhere.
    assert b"ICC_PROFILE\x00\x01\x01" in scrubbed
    assert scrubbed[2:4] == b"\xff\xe0"
    assert markers(scrubbed)[1][0] == 0xE1


def test_entropy_data_with_restart_markers_is_copied_byte_for_byte() -> None:
    original = make_jpeg(exif=exif_block(), restart_marker_blocks=1, subsampling=0)
    scan = original.index(b"\xff\xda")
    assert any(bytes((0xFF, rst)) in original[scan:] for rst in range(0xD0, 0xD8))

    scrubbed = scrub(original, JPEG)

    scan_after = scrubbed.index(b"\xff\xda")
    assert scrubbed[scan_after:] == original[scan:]
    assert decoded(scrubbed) == decoded(original)


def test_cmyk_jpeg_keeps_the_adobe_colour_transform() -> None:
    buffer = BytesIO()
    pixels(mode="CMYK").save(buffer, "JPEG", quality=90, exif=exif_block(">"), comment=COMMENT)
    original = buffer.getvalue()
    assert any(marker == 0xEE for marker, _ in markers(original))

    scrubbed = scrub(original, JPEG)

    assert any(marker == 0xEE and payload.startswith(b"Adobe") for marker, payload in markers(scrubbed))
    assert decoded(scrubbed) == decoded(original)
    assert gps_rationals(">") not in scrubbed


def test_multi_picture_jpeg_keeps_only_the_first_image() -> None:
    buffer = BytesIO()
    first, second = pixels(), pixels((8, 8))
    first.save(buffer, "MPO", save_all=True, append_images=[second], exif=exif_block("<", orientation=3))
    original = buffer.getvalue()
    assert b"MPF\x00" in original
    assert original.count(gps_rationals("<")) == 2  # Pillow copies the Exif into every frame

    scrubbed = scrub(original, JPEG)

    assert b"MPF" not in scrubbed
    assert gps_rationals("<") not in scrubbed
    assert scrubbed.count(b"\xff\xd8") == 1
    with Image.open(BytesIO(scrubbed)) as image:
        assert image.format == "JPEG"
        assert image.size == (16, 12)
        assert image.tobytes() == decoded(original)[2]  # the first frame
        assert dict(image.getexif()) == {ORIENTATION: 3}


@pytest.mark.parametrize(
    "tiff",
    [
        b"",
        b"II*\x00",
        b"XX*\x00\x08\x00\x00\x00",
        b"II*\x00\xff\xff\x00\x00",  # IFD0 far past the end
        b"II*\x00\x08\x00\x00\x00\x05\x00",  # five entries announced, none present
        b"MM\x00*\x00\x00\x00\x08\x00\x01" + struct.pack(">HHIHH", ORIENTATION, LONG, 1, 6, 0),
        b"MM\x00*\x00\x00\x00\x08\x00\x01" + struct.pack(">HHIHH", ORIENTATION, SHORT, 2, 6, 6),
        b"II*\x00\x08\x00\x00\x00\x01\x00" + struct.pack("<HHIHH", ORIENTATION, SHORT, 1, 9, 0),
        b"II*\x00\x08\x00\x00\x00\x01\x00" + struct.pack("<HHIHH", ORIENTATION, SHORT, 1, 0, 0),
        b"II*\x00\x04\x00\x00\x00",  # IFD0 overlapping the header
    ],
)
def test_malformed_exif_means_no_orientation(tiff: bytes) -> None:
    scrubbed = scrub(make_jpeg(exif=b"Exif\x00\x00" + tiff), JPEG)

    assert b"\xff\xe1" not in scrubbed
    assert decoded(scrubbed) == decoded(make_jpeg())


def test_first_valid_exif_orientation_wins() -> None:
    original = make_jpeg(exif=exif_block("<", orientation=1), extra=segment(0xE1, exif_block(">", 5)))
    app1 = [p for m, p in markers(scrub(original, JPEG)) if m == 0xE1]
    assert len(app1) == 1
    assert app1[0][6:8] == b"MM"


def test_jpeg_without_jfif_gets_the_exif_right_after_soi() -> None:
    original = make_jpeg(exif=exif_block())
    jfif = markers(original)[0]
    assert jfif[0] == 0xE0
    without_jfif = original[:2] + original[2 + 4 + len(jfif[1]) :]
    assert decoded(without_jfif) == decoded(original)

    scrubbed = scrub(without_jfif, JPEG)

    assert scrubbed[2:4] == b"\xff\xe1"
    assert decoded(scrubbed) == decoded(original)


JFIF_300_DPI = b"JFIF\x00\x01\x02\x01\x01\x2c\x01\x2c"  # version 1.02, dots per inch, 300 x 300
THUMBNAIL_SECRET = b"THUMB " + HOME.encode()


def with_app0(jpeg: bytes, *payloads: bytes) -> bytes:
    """The JPEG with its leading JFIF APP0 replaced by APP0s with these payloads."""
    marker, jfif = markers(jpeg)[0]
    assert marker == 0xE0
    return jpeg[:2] + b"".join(segment(0xE0, payload) for payload in payloads) + jpeg[2 + 4 + len(jfif) :]


def jfif_with_thumbnail() -> bytes:
    """A JFIF APP0 payload with an uncompressed 4x3 RGB thumbnail (36 bytes) that spells out the secret."""
    thumbnail = THUMBNAIL_SECRET.ljust(3 * 4 * 3, b"#")
    return JFIF_300_DPI + bytes((4, 3)) + thumbnail


def jfxx_jpeg_thumbnail() -> bytes:
    """A JFXX APP0 payload (extension 0x10): a whole JPEG thumbnail with its own Exif, GPS included."""
    buffer = BytesIO()
    pixels((8, 6)).save(buffer, "JPEG", quality=80, exif=exif_block("<", orientation=6))
    return b"JFXX\x00\x10" + buffer.getvalue()


def jfxx_palette_thumbnail() -> bytes:
    """JFXX extension 0x11: 2x2 one-byte-per-pixel thumbnail after a 256-colour RGB palette."""
    return b"JFXX\x00\x11" + bytes((2, 2)) + THUMBNAIL_SECRET.ljust(768, b"#") + b"\x01\x02\x03\x04"


def jfxx_rgb_thumbnail() -> bytes:
    """JFXX extension 0x13: a 4x3 thumbnail of three bytes per pixel."""
    return b"JFXX\x00\x13" + bytes((4, 3)) + THUMBNAIL_SECRET.ljust(3 * 4 * 3, b"#")


def app0_payloads(jpeg: bytes) -> list[bytes]:
    return [payload for marker, payload in markers(jpeg) if marker == 0xE0]


def test_jfif_thumbnail_is_removed_and_the_header_kept() -> None:
    original = make_jpeg(exif=exif_block(">"))
    dirty = with_app0(original, jfif_with_thumbnail())
    assert THUMBNAIL_SECRET in dirty
    assert decoded(dirty) == decoded(original)

    scrubbed = scrub(dirty, JPEG)

    assert scrubbed[2:20] == b"\xff\xe0\x00\x10" + JFIF_300_DPI + b"\x00\x00"
    assert app0_payloads(scrubbed) == [JFIF_300_DPI + b"\x00\x00"]
    assert THUMBNAIL_SECRET not in scrubbed
    assert jfif_with_thumbnail()[14:] not in scrubbed
    assert markers(scrubbed)[1] == (0xE1, markers(scrub(original, JPEG))[1][1])  # the orientation-only Exif
    assert decoded(scrubbed) == decoded(original)
    with Image.open(BytesIO(scrubbed)) as image:
        assert image.info["jfif_version"] == (1, 2)
        assert image.info["dpi"] == pytest.approx((300, 300))
        assert dict(image.getexif()) == {ORIENTATION: 6}


def test_jfxx_jpeg_thumbnail_with_its_own_exif_is_dropped() -> None:
    original = make_jpeg()
    thumbnail = jfxx_jpeg_thumbnail()
    dirty = with_app0(original, JFIF_300_DPI + b"\x00\x00", thumbnail)
    for secret in (b"JFXX", gps_rationals("<"), b"AcmePhone", b"SN12345"):
        assert secret in dirty
    with Image.open(BytesIO(thumbnail[6:])) as embedded:
        assert embedded.getexif().get_ifd(GPS_IFD)[1] == "S"
    assert decoded(dirty) == decoded(original)

    scrubbed = scrub(dirty, JPEG)

    for secret in (b"JFXX", b"GPS", gps_rationals("<"), b"AcmePhone", b"SN12345", b"2024:05:17", b"Exif"):
        assert secret not in scrubbed
    assert app0_payloads(scrubbed) == [JFIF_300_DPI + b"\x00\x00"]
    assert scrubbed.count(b"\xff\xd8") == 1
    assert decoded(scrubbed) == decoded(original)
    with Image.open(BytesIO(scrubbed)) as image:
        exif = image.getexif()
        assert not exif
        assert not exif.get_ifd(GPS_IFD)


@pytest.mark.parametrize(
    "thumbnail",
    [jfxx_jpeg_thumbnail(), jfxx_palette_thumbnail(), jfxx_rgb_thumbnail()],
    ids=["jpeg", "palette", "rgb"],
)
def test_every_jfxx_thumbnail_and_foreign_app0_is_dropped(thumbnail: bytes) -> None:
    original = make_jpeg()
    dirty = with_app0(original, jfif_with_thumbnail(), thumbnail, b"AVI1\x00" + THUMBNAIL_SECRET)
    assert decoded(dirty) == decoded(original)

    scrubbed = scrub(dirty, JPEG)

    assert app0_payloads(scrubbed) == [JFIF_300_DPI + b"\x00\x00"]
    for secret in (b"JFXX", b"AVI1", THUMBNAIL_SECRET, thumbnail[6:], gps_rationals("<")):
        assert secret not in scrubbed
    assert decoded(scrubbed) == decoded(original)


def test_only_the_first_jfif_is_kept_and_it_moves_right_after_soi() -> None:
    original = make_jpeg(exif=exif_block("<", orientation=3))
    second_jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    stray = segment(0xE0, JFIF_300_DPI + b"\x00\x00")
    without_jfif = with_app0(original)
    scan = without_jfif.index(b"\xff\xda")
    dirty = without_jfif[:scan] + stray + segment(0xE0, second_jfif) + without_jfif[scan:]
    assert decoded(dirty) == decoded(original)

    scrubbed = scrub(dirty, JPEG)

    assert [marker for marker, _ in markers(scrubbed)][:2] == [0xE0, 0xE1]
    assert app0_payloads(scrubbed) == [JFIF_300_DPI + b"\x00\x00"]
    assert decoded(scrubbed) == decoded(original)


@pytest.mark.parametrize(
    "jfif",
    [b"JFIF\x00", b"JFIF\x00\x01\x02\x01\x01\x2c\x01\x2c\x00", b"JFIF\x00\x01\x02\x01\x01\x2c\x01\x2c"],
)
def test_a_jfif_header_too_short_to_be_one_counts_as_no_jfif(jfif: bytes) -> None:
    original = make_jpeg(exif=exif_block())
    dirty = with_app0(original, jfif, jfif_with_thumbnail())

    scrubbed = scrub(dirty, JPEG)

    assert not app0_payloads(scrubbed)
    assert b"\xff\xe0" not in scrubbed[: scrubbed.index(b"\xff\xda")]
    assert scrubbed[2:4] == b"\xff\xe1"
    assert THUMBNAIL_SECRET not in scrubbed
    assert decoded(scrubbed) == decoded(original)


# --- PNG -------------------------------------------------------------------------------------------------


def test_the_png_fixture_really_carries_the_metadata() -> None:
    kinds = png_chunk_types(make_png())
    assert {b"eXIf", b"tEXt", b"iTXt", b"zTXt", b"tIME", b"prVt", b"pHYs", b"gAMA"} <= set(kinds)


def test_png_loses_text_exif_and_time_but_keeps_pixels_and_rendering_chunks() -> None:
    original = make_png(trailer=b"after IEND " + HOME.encode())
    scrubbed = scrub(original, PNG)

    assert png_chunk_types(scrubbed) == [b"IHDR", b"gAMA", b"pHYs", b"IDAT", b"IEND"]
    assert decoded(scrubbed) == decoded(original)
    for secret in (HOME.encode(), b"Rumah", b"GPS", b"AcmePhone", b"Location", b"zipped"):
        assert secret not in scrubbed
    with Image.open(BytesIO(scrubbed)) as image:
        assert not image.getexif()
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.1)
        assert image.info["gamma"] == pytest.approx(0.45455)
        assert "Location" not in image.info


def test_palette_png_keeps_plte_and_transparency() -> None:
    buffer = BytesIO()
    image = pixels().convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Siti")
    image.save(buffer, "PNG", transparency=3, pnginfo=info)
    original = buffer.getvalue()

    scrubbed = scrub(original, PNG)

    assert png_chunk_types(scrubbed) == [b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"]
    assert decoded(scrubbed) == decoded(original)
    with Image.open(BytesIO(scrubbed)) as again:
        assert again.info["transparency"] == 3


def test_unknown_critical_png_chunk_is_refused() -> None:
    original = make_png()
    ihdr_end = 8 + 12 + 13
    with_critical = original[:ihdr_end] + png_chunk(b"ZZZZ", b"??") + original[ihdr_end:]
    with pytest.raises(UnreadableFile, match="critical"):
        scrub(with_critical, PNG)


# --- PDF and content types -------------------------------------------------------------------------------


def test_pdf_is_checked_and_returned_unchanged() -> None:
    pdf = b"%PDF-1.7\n1 0 obj << /Author (Siti) >> endobj\ntrailer << >>\n%%EOF\n"
    assert scrub(pdf, PDF) == pdf


@pytest.mark.parametrize("data", [b"", b"%PDF", b"hello %PDF-1.7", b"\xff\xd8\xff\xe0"])
def test_non_pdf_bytes_declared_as_pdf_are_refused(data: bytes) -> None:
    with pytest.raises(UnreadableFile):
        scrub(data, PDF)


@pytest.mark.parametrize("content_type", ["image/gif", "image/webp", "text/plain", "", "image/jpg"])
def test_unsupported_content_type_is_a_plain_value_error(content_type: str) -> None:
    with pytest.raises(ValueError, match="content type") as raised:
        scrub(make_jpeg(), content_type)
    assert not isinstance(raised.value, UnreadableFile)


def test_content_type_case_and_parameters_are_ignored() -> None:
    original = full_jpeg()
    assert scrub(original, "Image/JPEG; charset=binary") == scrub(original, JPEG)
    assert {JPEG, PNG, PDF} == SCRUBBED_TYPES


# --- malformed input -------------------------------------------------------------------------------------


def truncated_in_first_segment(jpeg: bytes) -> bytes:
    return jpeg[:25]


def malformed_cases() -> list[tuple[str, bytes, str]]:
    jpeg = full_jpeg()
    png = make_png()
    scan = jpeg.index(b"\xff\xda")
    eoi = jpeg.rindex(b"\xff\xd9")
    bad_crc = bytearray(png)
    bad_crc[8 + 8 + 13] ^= 0x01  # the IHDR CRC
    bad_data = bytearray(png)
    bad_data[8 + 8 + 2] ^= 0x01  # an IHDR data byte
    iend = png.rindex(b"IEND") - 4
    first_app = 2 + 2
    (app_length,) = struct.unpack_from(">H", jpeg, first_app)
    return [
        ("empty as JPEG", b"", JPEG),
        ("empty as PNG", b"", PNG),
        ("PNG declared as JPEG", png, JPEG),
        ("JPEG declared as PNG", jpeg, PNG),
        ("SOI only", b"\xff\xd8", JPEG),
        ("cut inside a segment", truncated_in_first_segment(jpeg), JPEG),
        ("cut inside a segment length", jpeg[:5], JPEG),
        ("cut inside the scan", jpeg[: scan + (eoi - scan) // 2], JPEG),
        ("cut just before EOI", jpeg[:eoi], JPEG),
        ("cut inside EOI", jpeg[: eoi + 1], JPEG),
        ("segment length past the end", jpeg[:first_app] + b"\xff\xff" + jpeg[first_app + 2 :], JPEG),
        ("segment length below two", jpeg[:first_app] + b"\x00\x01" + jpeg[first_app + 2 :], JPEG),
        ("garbage between segments", jpeg[: 4 + app_length] + b"\x00" + jpeg[4 + app_length :], JPEG),
        (
            "scan before frame",
            b"\xff\xd8" + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x00\xff\xd9",
            JPEG,
        ),
        ("no scan", b"\xff\xd8" + segment(0xE0, b"JFIF\x00") + b"\xff\xd9", JPEG),
        ("second SOI", b"\xff\xd8\xff\xd8\xff\xd9", JPEG),
        ("PNG with a bad CRC", bytes(bad_crc), PNG),
        ("PNG with a changed chunk byte", bytes(bad_data), PNG),
        ("PNG without IEND", png[:iend], PNG),
        ("PNG cut inside a chunk", png[:40], PNG),
        ("PNG signature only", png[:8], PNG),
        ("PNG not starting with IHDR", png[:8] + png_chunk(b"gAMA", b"\x00\x00\xb1\x8f") + png[8:], PNG),
        ("PNG without IDAT", png[:33] + png_chunk(b"IEND", b""), PNG),
        ("PNG chunk type not letters", png[:33] + png_chunk(b"a1b2", b"") + png[33:], PNG),
    ]


@pytest.mark.parametrize(("name", "data", "content_type"), malformed_cases(), ids=lambda v: str(v)[:30])
def test_malformed_input_is_unreadable(name: str, data: bytes, content_type: str) -> None:
    with pytest.raises(UnreadableFile):
        scrub(data, content_type)


# --- stability -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (full_jpeg("<"), JPEG),
        (full_jpeg(">", orientation=None), JPEG),
        (full_jpeg(progressive=True), JPEG),
        (with_app0(full_jpeg(), jfif_with_thumbnail(), jfxx_jpeg_thumbnail(), jfxx_rgb_thumbnail()), JPEG),
        (with_app0(make_jpeg(), b"AVI1\x00", jfxx_palette_thumbnail()), JPEG),
        (make_png(trailer=b"x"), PNG),
    ],
    ids=["jpeg-ii", "jpeg-mm-no-orientation", "progressive", "jfif-and-jfxx-thumbnails", "no-jfif", "png"],
)
def test_scrubbing_is_idempotent(data: bytes, content_type: str) -> None:
    once = scrub(data, content_type)
    assert scrub(once, content_type) == once


def mutations(data: bytes, rng: random.Random) -> bytes:
    """A random truncation, byte flip, or both."""
    choice = rng.randrange(3)
    mutated = bytearray(data)
    if choice in (1, 2):
        for _ in range(rng.randint(1, 4)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
    if choice in (0, 2):
        mutated = mutated[: rng.randrange(len(mutated) + 1)]
    return bytes(mutated)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (full_jpeg("<"), JPEG),
        (full_jpeg(">", progressive=True), JPEG),
        (make_png(), PNG),
    ],
    ids=["jpeg", "progressive", "png"],
)
def test_damaged_files_are_scrubbed_or_refused_never_crash(data: bytes, content_type: str) -> None:
    rng = random.Random(20240517)
    outcomes = {"scrubbed": 0, "refused": 0}
    for _ in range(300):
        damaged = mutations(data, rng)
        try:
            result = scrub(damaged, content_type)
        except UnreadableFile:
            outcomes["refused"] += 1
        else:
            assert isinstance(result, bytes)
            outcomes["scrubbed"] += 1
    assert outcomes["refused"] > 0
    assert outcomes["scrubbed"] + outcomes["refused"] == 300


def test_damaged_exif_segments_never_crash() -> None:
    rng = random.Random(7)
    exif = exif_block(">")
    for _ in range(300):
        damaged = bytearray(exif)
        for _ in range(rng.randint(1, 6)):
            damaged[rng.randrange(6, len(damaged))] = rng.randrange(256)
        scrubbed = scrub(make_jpeg_with_raw_app1(bytes(damaged)), JPEG)
        assert gps_rationals(">") not in scrubbed
        assert b"AcmePhone" not in scrubbed


_BASE_JPEG = make_jpeg()


def make_jpeg_with_raw_app1(payload: bytes) -> bytes:
    """The plain test JPEG with one extra APP1 after SOI (cheaper than re-encoding for every case)."""
    return _BASE_JPEG[:2] + segment(0xE1, payload) + _BASE_JPEG[2:]
