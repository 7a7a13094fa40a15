"""A daf_butler repository and pipeline for pipe_base's own test task, AddTask, for quanta's tests.

    python -m quanta_lsst.addtask_repo ROOT [--tasks N]

Writes ``ROOT/repo`` (a file-based repository made by ``lsst.pipe.base.tests.simpleQGraph``'s
``makeSimpleButler`` and ``populateButler``: instrument INSTR, detector 0, ``add_dataset0`` in
the RUN collection ``test``) and ``ROOT/pipeline.yaml`` (``makeSimplePipeline(N)``: N AddTasks
``task0 .. task{N-1}`` in a chain, each reading what the previous one wrote).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from lsst.pipe.base.tests.simpleQGraph import makeSimpleButler, makeSimplePipeline, populateButler


def make(root: str, tasks: int) -> tuple[str, str]:
    """Make the repository and the pipeline file; return their paths."""
    repo = os.path.join(root, "repo")
    pipeline_file = os.path.join(root, "pipeline.yaml")
    pipeline = makeSimplePipeline(tasks)
    butler = makeSimpleButler(repo, run="test", inMemory=False)
    populateButler(pipeline, butler)
    pipeline.write_to_uri(pipeline_file)
    return repo, pipeline_file


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="make an AddTask repository and pipeline")
    parser.add_argument("root")
    parser.add_argument("--tasks", type=int, default=3)
    args = parser.parse_args(argv)
    repo, pipeline_file = make(args.root, args.tasks)
    print(f"{repo}\n{pipeline_file}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
