"""The ``saliency-course`` command line.

``saliency-course map IMAGE --method lc -o out.png`` writes a saliency map of
an image file or sample as an 8-bit grey PNG.  Methods are looked up in
:data:`METHODS`, which later modules extend.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from course_lib import baselines

METHODS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    **baselines.METHODS,
}
"""Saliency methods for ``saliency-course map --method``, by name.

The fast baselines come from :data:`course_lib.baselines.METHODS`; models of
later notebooks are added here.  Every function takes a course image (float32
(H, W, 3) RGB in [0, 1]) and returns a float32 (H, W) map in [0, 1].
"""


def resolve_method(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """Return the saliency function registered as ``name`` in :data:`METHODS`.

    Examples
    --------
    >>> resolve_method("lc").__name__
    'lc_saliency'
    """
    if name not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {name!r}")
    return METHODS[name]


def _map_command(args: argparse.Namespace) -> int:
    import cv2

    from course_lib import images

    image = images.load_image(args.image)
    saliency = resolve_method(args.method)(image)
    if saliency.shape != image.shape[:2]:
        saliency = cv2.resize(saliency, image.shape[1::-1], interpolation=cv2.INTER_LINEAR)
    output = Path(args.output)
    if output.suffix.lower() != ".png":
        raise ValueError(f"--output must end in .png, got {str(output)!r}")
    if not output.parent.is_dir():
        raise ValueError(f"--output folder {str(output.parent)!r} does not exist")
    ok, encoded = cv2.imencode(".png", images.to_uint8(np.clip(saliency, 0, 1)))
    if not ok:
        raise ValueError(f"could not encode the map of {args.image!r} as PNG")
    output.write_bytes(encoded.tobytes())
    print(f"wrote {output} ({saliency.shape[1]}x{saliency.shape[0]}, method {args.method})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per task."""
    parser = argparse.ArgumentParser(
        prog="saliency-course",
        description="Saliency maps and course tools from the saliency-course package.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    map_parser = commands.add_parser(
        "map", help="write the saliency map of an image as a grey PNG",
        description="Compute a saliency map of IMAGE (a file or a sample name) and save it as PNG.",
    )
    map_parser.add_argument("image", metavar="IMAGE", help="image file or sample name (e.g. astronaut)")
    map_parser.add_argument("--method", default="lc", choices=sorted(METHODS), help="saliency method (default: lc)")
    map_parser.add_argument("-o", "--output", default="saliency.png", help="output PNG path (default: saliency.png)")
    map_parser.set_defaults(run=_map_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError, OSError) as error:
        print(f"saliency-course: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
