"""What scrubbing one attachment costs the attachments function: time and peak memory, by file size.

    .venv/bin/python bench/scrub_cost.py [--rounds 7]

For each kind (a baseline JPEG, a progressive JPEG, a PNG) and each size up to the 5 MB limit, a photo-like
image (noise, so that it does not compress away) is made with Pillow, with the metadata a phone writes
(Exif with GPS, XMP, a comment, a trailer), and `lapor.domain.image_metadata.scrub` runs on it `rounds`
times. Printed: the median time, the throughput, and the peak of Python allocations during one scrub
(tracemalloc) as a multiple of the file's size, which is what the function's memory setting must hold
beyond its baseline. Figures are ratios within one run (the machine is shared); the bound the design cares
about is memory: the peak must stay a small multiple of the file (a 5 MB file in a 512 MB function).
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lapor.domain.attachments import MAX_SIZE_BYTES
from lapor.domain.image_metadata import scrub
from tests.photos import COMMENT, TRAILER, XMP, exif_block

MAX_PEAK_RATIO = 4.0  # peak allocations during a scrub, as a multiple of the file's size


def noise(width: int, height: int, seed: int) -> Image.Image:
    rng = random.Random(seed)
    return Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))


def jpeg(width: int, height: int, *, progressive: bool) -> bytes:
    buffer = io.BytesIO()
    noise(width, height, width).save(
        buffer, "JPEG", quality=92, progressive=progressive, exif=exif_block(), xmp=XMP, comment=COMMENT
    )
    return buffer.getvalue() + TRAILER


def png(width: int, height: int) -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", COMMENT.decode())
    buffer = io.BytesIO()
    noise(width, height, width).save(buffer, "PNG", pnginfo=info, exif=exif_block())
    return buffer.getvalue() + TRAILER


def sized(make: Callable[[int, int], bytes], target: int) -> bytes:
    """The largest image of `make` (4:3) not over `target` bytes, found by scaling the side."""
    width = 400
    data = make(width, width * 3 // 4)
    while True:
        bigger = int(width * (target / len(data)) ** 0.5 * 0.98)
        if bigger <= width:
            return data
        candidate = make(bigger, bigger * 3 // 4)
        if len(candidate) > target:
            return data
        width, data = bigger, candidate


def measure(data: bytes, content_type: str, rounds: int) -> tuple[float, float, int]:
    """Median seconds, peak bytes allocated during one scrub, and the scrubbed size."""
    scrub(data, content_type)  # warm-up
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        clean = scrub(data, content_type)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    scrub(data, content_type)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak, len(clean)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    kinds: list[tuple[str, str, Callable[[int, int], bytes]]] = [
        ("JPEG baseline", "image/jpeg", lambda w, h: jpeg(w, h, progressive=False)),
        ("JPEG progressive", "image/jpeg", lambda w, h: jpeg(w, h, progressive=True)),
        ("PNG", "image/png", png),
    ]
    print(f"scrub cost: median of {args.rounds} rounds; peak = Python allocations during one scrub")
    print(f"{'kind':18} {'file':>9} {'scrubbed':>9} {'median':>9} {'MB/s':>7} {'peak':>9} {'peak/file':>9}")
    worst = 0.0
    for name, content_type, make in kinds:
        for target in (MAX_SIZE_BYTES // 20, MAX_SIZE_BYTES // 4, MAX_SIZE_BYTES):
            data = sized(make, target)
            seconds, peak, clean = measure(data, content_type, args.rounds)
            ratio = peak / len(data)
            worst = max(worst, ratio)
            print(
                f"{name:18} {len(data) / 2**20:8.2f}M {clean / 2**20:8.2f}M {seconds * 1000:7.1f}ms "
                f"{len(data) / 2**20 / seconds:7.0f} {peak / 2**20:8.2f}M {ratio:9.2f}"
            )
    verdict = "PASS" if worst <= MAX_PEAK_RATIO else "FAIL"
    print(f"worst peak/file = {worst:.2f}  {verdict} (bound {MAX_PEAK_RATIO})")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
