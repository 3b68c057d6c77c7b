"""Speed of the image → map saliency methods, and LC's O(N) table vs its O(N²) brute force.

Run with ``make bench`` (or ``python benchmarks/bench_baselines.py``).  Prints
two tables.  First every method of the CLI registry (the fast baselines and
Itti–Koch) at 640×480: median ms and the ratio to LC measured in the same
run.  Then LC: method, image size, median ms, and the ratio to the
brute-force version measured in the same run at the same size.  The brute force at
1920×1080 (4·10¹² pixel pairs) would take hours, so it is not run there; its
row says so instead of inventing a number.  Pass ``--quick`` to skip the
brute force at 640×480 too (it takes about a minute).
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np

from course_lib import baselines, cli, images, timing

SIZES = [(120, 160), (240, 320), (480, 640), (1080, 1920)]  # (H, W)
BRUTE_FORCE_MAX_PIXELS = 640 * 480


def method_table(photo) -> None:
    image = cv2.resize(photo, (640, 480), interpolation=cv2.INTER_AREA)
    times = {name: timing.median_ms(method, image, repeat=20, warmup=2) for name, method in cli.METHODS.items()}
    print(f"{'method (640x480)':28s} {'median ms':>10s} {'ratio to LC':>12s}")
    for name, ms in times.items():
        print(f"{name:28s} {ms:10.2f} {ms / times['lc']:11.1f}x")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the O(N²) run at 640×480")
    args = parser.parse_args()
    limit = 320 * 240 if args.quick else BRUTE_FORCE_MAX_PIXELS
    photo = images.load_image("astronaut")
    method_table(photo)

    rows = []
    for height, width in SIZES:
        image = cv2.resize(photo, (width, height), interpolation=cv2.INTER_AREA)
        size = f"{width}x{height}"
        brute_ms = None
        if height * width <= limit:
            repeat = 1 if height * width > 320 * 240 else 3
            brute_ms = timing.median_ms(baselines.lc_saliency, image, method="brute_force", repeat=repeat, warmup=0)
            rows.append(("LC brute force O(N²)", size, brute_ms, 1.0))
        else:
            rows.append(("LC brute force O(N²)", size, None, None))
        for channels in ("grey", "rgb"):
            lut_ms = timing.median_ms(baselines.lc_saliency, image, channels=channels, repeat=20, warmup=2)
            ratio = brute_ms / lut_ms if brute_ms is not None and channels == "grey" else None
            rows.append((f"LC table O(N), {channels}", size, lut_ms, ratio))

    print(f"{'method':28s} {'size':>10s} {'median ms':>12s} {'speed-up vs brute force':>24s}")
    for method, size, ms, ratio in rows:
        ms_text = f"{ms:12.2f}" if ms is not None else f"{'not run':>12s}"
        ratio_text = f"{ratio:23.0f}x" if ratio is not None else f"{'-':>24s}"
        print(f"{method:28s} {size:>10s} {ms_text} {ratio_text}")
    print("\nmedian of repeated runs after warm-up; the O(N²) runs at 640x480 and above are single runs.")


if __name__ == "__main__":
    main()
