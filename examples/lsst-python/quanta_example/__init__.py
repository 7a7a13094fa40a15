"""A tiny package of LSST PipelineTasks for quanta's example (docs/lsst.md)."""
