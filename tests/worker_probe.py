"""A task the worker tests load into a real worker (``celery_worker(include=("tests.worker_probe",))``)
to see inside its pool process. Never part of the product."""
from __future__ import annotations

import json

from celery import shared_task


@shared_task(name="tests.worker_probe.engine_models_loaded")
def engine_models_loaded(path: str) -> None:
    """Write to ``path`` which engine models this process held when the task started: the
    loaders' cache keys, and "antispoof" when its ONNX sessions were loaded."""
    from liveness.engine import antispoof, loaders

    loaded = sorted(loaders._cache) + (["antispoof"] if antispoof._sessions is not None else [])
    with open(path, "w") as fh:
        json.dump(loaded, fh)
