"""quanta's helpers around the real LSST middleware (the oracle of quanta's differential tests)."""
