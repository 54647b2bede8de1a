"""The engine's models load when a worker process of the engine's queue starts, not on its first
check (kyc_portal/celery.py ``_engine_warm_up``), with a real worker process."""
import json

import pytest

from tests.conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

PROBE = "tests.worker_probe"
ENGINE_MODELS = {"antispoof", "resnet", "shape68", "sphinx", "whisper"}


def _models_before_first_task(queue: str, tmp_path) -> set[str]:
    """What the worker's pool process had loaded when it ran its first task, sent to ``queue``."""
    from kyc_portal.celery import app

    out = tmp_path / "loaded.json"
    app.send_task("tests.worker_probe.engine_models_loaded", (str(out),), queue=queue)
    wait_for(lambda: out.exists() and out.stat().st_size, timeout=120, message="the probe task")
    return set(json.loads(out.read_text()))


def test_an_engine_worker_process_loads_the_models_before_its_first_task(celery_worker, tmp_path):
    proc = celery_worker(queues="engine", include=(PROBE,), KYC_ENGINE_WARM_UP="true")

    assert _models_before_first_task("engine", tmp_path) == ENGINE_MODELS
    with open(proc.log_path) as fh:
        assert "engine models loaded in" in fh.read()


@pytest.mark.parametrize("queues, warm_up", [("webhooks", "true"), ("default", "true"), ("engine", "false")])
def test_other_worker_processes_load_nothing(celery_worker, tmp_path, queues, warm_up):
    celery_worker(queues=queues, include=(PROBE,), KYC_ENGINE_WARM_UP=warm_up)

    assert _models_before_first_task(queues, tmp_path) == set()
