"""Retrain the shipped course CNN and rewrite course_lib/data/models/shapes-cnn.{pt,json}.

Usage::

    python benchmarks/train_shapes_cnn.py            # the shipped settings
    python benchmarks/train_shapes_cnn.py --dry-run  # train and report, write nothing
    python benchmarks/train_shapes_cnn.py --out-dir /tmp/check  # write elsewhere

Training streams freshly generated images (course_lib.datasets, "train"
split) and is deterministic from --seed on a given machine and torch build.
It prints a table: steps, images, seconds, held-out accuracy on the "test"
split.  Takes about 1.5–3 minutes on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course_lib import datasets, models  # noqa: E402

N_TEST = 2000  # held-out images for the recorded accuracy
N_CHECK = 384  # the prefix that tests/test_models.py re-evaluates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dry-run", action="store_true", help="do not write the checkpoint")
    parser.add_argument("--out-dir", default=None,
                        help=f"where to write shapes-cnn.pt/.json (default {models.MODELS_DIR})")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    result = models.train(
        seed=args.seed, n_steps=args.steps, batch_size=args.batch_size, lr=args.lr,
        n_threads=args.threads, progress=not args.no_progress,
    )
    test = datasets.make_split(N_TEST, split="test", seed=args.seed)
    test_accuracy = models.accuracy(result.model, test)
    check_accuracy = models.accuracy(
        result.model, datasets.make_split(N_CHECK, split="test", seed=args.seed)
    )
    print(f"{'steps':>6} {'images':>8} {'seconds':>8} {'params':>8} {'test acc':>9} (n={N_TEST})")
    print(f"{args.steps:>6} {args.steps * args.batch_size:>8} {result.seconds:>8.1f} "
          f"{models.count_parameters(result.model):>8} {test_accuracy:>9.4f}")
    print(f"final training loss (mean of last 50 steps): {sum(result.losses[-50:]) / 50:.4f}")
    if args.dry_run:
        return 0
    metadata = models.training_metadata(
        result, seed=args.seed, n_steps=args.steps, batch_size=args.batch_size,
        test_accuracy=test_accuracy, n_test=N_TEST, check_accuracy=check_accuracy, n_check=N_CHECK,
    )
    metadata["lr"] = args.lr
    weights, info = models.save_model(result.model, metadata=metadata, directory=args.out_dir)
    print(f"wrote {weights} ({weights.stat().st_size / 1e6:.2f} MB) and {info}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
