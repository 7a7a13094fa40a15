"""bps report's run and job summaries from a quanta run's journal."""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from collections import Counter
from typing import Any

from lsst.ctrl.bps import WmsJobReport, WmsRunReport, WmsStates

from . import quanta_cli

JOB_STATES = {
    "pending": WmsStates.UNREADY,
    "ready": WmsStates.READY,
    "running": WmsStates.RUNNING,
    "succeeded": WmsStates.SUCCEEDED,
    "failed": WmsStates.FAILED,
    "blocked": WmsStates.PRUNED,
    "cancelled": WmsStates.DELETED,
}


def _journal(submit_dir: str) -> sqlite3.Connection | None:
    path = os.path.join(submit_dir, "journal.sqlite3")
    if not os.path.exists(path):
        return None
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)


def manager_alive(submit_dir: str) -> bool:
    """Whether a manager holds the run's lease (same rule as quanta: live pid here, or a heartbeat
    younger than 60 s)."""
    db = _journal(submit_dir)
    if db is None:
        return False
    try:
        row = db.execute("SELECT host, pid, heartbeat FROM lease WHERE id = 1").fetchone()
    except sqlite3.Error:
        return False
    finally:
        db.close()
    if row is None:
        return False
    host, pid, heartbeat = str(row[0]), int(row[1]), int(row[2])
    if host == socket.gethostname():
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
    return time.time() * 1000 - heartbeat < 60_000


def _jobs(submit_dir: str) -> list[tuple[str, str, str, int | None]]:
    db = _journal(submit_dir)
    if db is None:
        return []
    try:
        return [
            (str(r[0]), str(r[1]), str(r[2]), r[3])
            for r in db.execute("SELECT id, label, state, exit_code FROM jobs ORDER BY idx")
        ]
    finally:
        db.close()


def _bps_fields(submit_dir: str) -> dict[str, str]:
    """operator, project, campaign and payload from bps's ``<run>_config.yaml`` in the submit dir."""
    from lsst.ctrl.bps import BpsConfig

    names = [f for f in sorted(os.listdir(submit_dir)) if f.endswith("_config.yaml")]
    if not names:
        return {}
    config = BpsConfig(os.path.join(submit_dir, names[0]))
    out = {}
    for field, key in (("operator", "operator"), ("project", "project"), ("campaign", "campaign"),
                       ("payload", "payloadName")):
        found, value = config.search(key, opt={"default": ""})
        out[field] = str(value) if found else ""
    return out


def run_state(counts: Counter[str], alive: bool, total: int) -> WmsStates:
    if alive:
        return WmsStates.RUNNING
    if total and counts["succeeded"] == total:
        return WmsStates.SUCCEEDED
    if counts["failed"] or counts["blocked"]:
        return WmsStates.FAILED
    if counts["cancelled"]:
        return WmsStates.DELETED
    return WmsStates.READY if total else WmsStates.UNKNOWN  # stopped with work left: restartable


def run_report(submit_dir: str, detailed: bool, exit_codes: bool = False) -> WmsRunReport:
    """One run: its state, counts per state and per label, and (detailed) one line per job."""
    status: dict[str, Any] = quanta_cli.json_of(submit_dir, ["status", submit_dir])
    rows = _jobs(submit_dir)
    counts: Counter[str] = Counter(state for _, _, state, _ in rows)
    total = int(status["totals"]["total"])
    alive = manager_alive(submit_dir)
    fields = _bps_fields(submit_dir)
    jobs = [WmsJobReport(wms_id=i, name=i, label=lab, state=JOB_STATES[s]) for i, lab, s, _ in rows]
    summary: dict[str, dict[WmsStates, int]] = {}
    for lab in status["labels"]:
        per_state = dict.fromkeys(WmsStates, 0)  # bps's tables index every state
        per_state.update({st: int(lab.get(name, 0)) for name, st in JOB_STATES.items()})
        summary[lab["label"]] = per_state
    codes: dict[str, list[int]] = {}
    if exit_codes:
        for _, lab, s, code in rows:
            if s == "failed" and code is not None:
                codes.setdefault(lab, []).append(int(code))
    return WmsRunReport(
        wms_id=submit_dir,
        global_wms_id=submit_dir,
        path=submit_dir,
        label=status.get("name"),
        run=status.get("name"),
        project=fields.get("project", ""),
        campaign=fields.get("campaign", ""),
        payload=fields.get("payload", ""),
        operator=fields.get("operator", ""),
        run_summary=";".join(f"{k}:{sum(v.values())}" for k, v in summary.items()),
        state=run_state(counts, alive, total),
        jobs=jobs if detailed else [],
        total_number_jobs=total,
        job_state_counts={**dict.fromkeys(WmsStates, 0), **{st: counts[n] for n, st in JOB_STATES.items()}},
        job_summary=summary,
        exit_code_summary=codes if exit_codes else None,
    )
