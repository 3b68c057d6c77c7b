"""Speed of the video saliency methods of notebook 05b at 640×480, in ms per frame.

Run with ``make bench`` (or ``python benchmarks/bench_video.py``).  Prints one
table: method, frames, median ms per frame and the ratio to frame
differencing measured in the same run.  Two kinds of frames: the course's
generated video (``baselines.moving_blob_video`` at 480×640: a grey disk on
a uniform grey background) and a photograph panned by 2 pixels a frame
(textured, so SLIC has real edges to follow).  OpenCV's BinWang model is
timed over a 10-frame video and divided by 10 (it keeps state from frame to
frame, so it cannot be timed on one pair); so is ``video.video_saliency``
(the "video" row: each frame segmented once and reused as the next pair's
previous frame, divided by the 9 pairs).
"""

from __future__ import annotations

import cv2
import numpy as np

from course_lib import baselines, images, timing, video

HEIGHT, WIDTH = 480, 640
N_VIDEO = 10


def _panned_photo() -> np.ndarray:
    """(N_VIDEO, 480, 640, 3): the astronaut photograph, panned 2 px a frame."""
    photo = cv2.resize(images.load_image("astronaut"), (WIDTH + 2 * N_VIDEO, HEIGHT), interpolation=cv2.INTER_AREA)
    return np.stack([photo[:, 2 * t:2 * t + WIDTH] for t in range(N_VIDEO)])


def main() -> None:
    blob, _ = baselines.moving_blob_video(N_VIDEO, shape=(HEIGHT, WIDTH), start=0, radius=30, speed=8)
    clips = {"generated video": blob, "panned photo": _panned_photo()}
    rows = []
    for clip_name, frames in clips.items():
        previous, current = frames[4], frames[5]
        base = timing.median_ms(video.frame_difference, previous, current, repeat=10, warmup=2)
        rows.append(("frame difference (ΔE76)", clip_name, base, base))
        for region_size in (10, 20):
            ms = timing.median_ms(video.superpixel_contrast, previous, current, region_size=region_size,
                                  repeat=5, warmup=1)
            rows.append((f"superpixel contrast, s = {region_size}", clip_name, ms, base))
        ms = timing.median_ms(video.video_saliency, frames, repeat=3, warmup=1) / (len(frames) - 1)
        rows.append(("superpixel contrast, s = 10, video", clip_name, ms, base))
        ms = timing.median_ms(baselines.opencv_motion_saliency, frames, repeat=3, warmup=1) / len(frames)
        rows.append(("BinWang motion (OpenCV)", clip_name, ms, base))

    print(f"{'method (640x480)':36s} {'frames':>16s} {'ms per frame':>13s} {'ratio to frame difference':>26s}")
    for method, clip_name, ms, base in rows:
        print(f"{method:36s} {clip_name:>16s} {ms:13.2f} {ms / base:25.1f}x")


if __name__ == "__main__":
    main()
