"""Housekeeping of the multi-process metrics folder (PROMETHEUS_MULTIPROC_DIR), shared by the
gunicorn master (deploy/gunicorn.conf.py loads this file by path) and the Celery worker's main
process (liveness.ops.celery_context). No Django, no liveness imports: the gunicorn master must
not import the product package."""
from __future__ import annotations

import os
from pathlib import Path


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_files_remove(folder: str | None) -> int:
    """Remove the metric files of processes no longer running (values of an earlier run would be
    counted again); a live process's file, of another service sharing the folder, is never
    touched. Returns how many were removed."""
    removed = 0
    if folder and os.path.isdir(folder):
        for stale in Path(folder).glob("*_*.db"):
            pid = stale.stem.rsplit("_", 1)[-1]
            if not (pid.isdigit() and pid_alive(int(pid))):
                stale.unlink(missing_ok=True)
                removed += 1
    return removed
