"""Make the daf_butler repository of quanta's LSST example, with the real Butler.

    python make_repo.py REPO [--detectors N]

Creates REPO with the instrument ``ExampleCam``, N detectors (default 4) and one
``example_raw`` array per detector (values 0..9 plus the detector number) in the RUN
collection ``ExampleCam/raw``.
"""

from __future__ import annotations

import argparse

import numpy as np

from lsst.daf.butler import Butler, DatasetType


def make_repo(root: str, detectors: int) -> None:
    Butler.makeRepo(root)
    butler = Butler.from_config(root, writeable=True, run="ExampleCam/raw")
    butler.registry.insertDimensionData(
        "instrument", {"name": "ExampleCam", "detector_max": 100, "class_name": ""}
    )
    butler.registry.insertDimensionData(
        "detector",
        *[{"instrument": "ExampleCam", "id": d, "full_name": f"D{d:02d}"} for d in range(detectors)],
    )
    raw = DatasetType(
        "example_raw", ("instrument", "detector"), "NumpyArray", universe=butler.dimensions
    )
    butler.registry.registerDatasetType(raw)
    for d in range(detectors):
        butler.put(np.arange(10, dtype=float) + d, raw, instrument="ExampleCam", detector=d)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo")
    parser.add_argument("--detectors", type=int, default=4)
    args = parser.parse_args()
    make_repo(args.repo, args.detectors)
    print(f"made {args.repo}: ExampleCam, {args.detectors} detectors, example_raw in ExampleCam/raw")


if __name__ == "__main__":
    main()
