"""The child side of a parent lease (src/executors/parent-lease.ts): when the parent falls silent
for the lease, the spawner kills its jobs (a frozen pilot worker fences itself). Time is this
process's own monotonic clock: no clock is compared across processes.
"""

from __future__ import annotations

import time


def fenced_message(silent_ms: float) -> str:
    """The journal's message for a job killed because its worker stopped renewing the lease."""
    return (
        f"fenced: its worker stopped renewing the lease for {silent_ms / 1000:.1f} s "
        "(frozen or stalled), so the job was killed before the manager could run it elsewhere"
    )


class Lease:
    """A lease of `ms` milliseconds: renewed by every parent message, lapsing once per silence."""

    def __init__(self) -> None:
        self.ms = 0.0
        self.deadline = 0.0
        self.lapsed = False

    def set(self, ms: float) -> None:
        """Start, renew or change the lease: `ms` from now; 0 or less turns it off."""
        self.ms = ms if ms > 0 else 0.0
        self.renew()

    def renew(self) -> None:
        if not self.ms:
            return
        self.deadline = time.monotonic() + self.ms / 1000
        self.lapsed = False

    def timeout(self) -> float | None:
        """Seconds the event loop may sleep before the lease must be looked at (None: forever)."""
        if not self.ms or self.lapsed:
            return None
        return max(0.0, self.deadline - time.monotonic())

    def check(self) -> float | None:
        """If the lease just lapsed: how long (ms) the parent has been silent. Once per lapse."""
        if not self.ms or self.lapsed:
            return None
        late = time.monotonic() - self.deadline
        if late < 0:
            return None
        self.lapsed = True  # a renewal re-arms it
        return self.ms + late * 1000
