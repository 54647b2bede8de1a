"""bench/pipeline.py at a tiny size, so the benchmark cannot rot: the same code path as a full run
(gunicorn, a Celery threads worker for the vendor queue, a prefork one for the default queue and
the sandbox as separate processes, the partner API, signed
webhooks, the sandbox's fixed and quota modes, the limiter), against the test database."""
from __future__ import annotations

import math

import pytest

from bench import pipeline

pytestmark = pytest.mark.worker


def test_pipeline_bench_produces_figures_and_every_case_completes(transactional_db, settings, tmp_path):
    from django.db import connection

    db = connection.settings_dict
    config = pipeline.Config(
        workers=(1,), threads=2, default_concurrency=1, concurrency=(1, 2), cases_per_client={1: 2, 2: 2}, repeats=1, warmup=2,
        quota=20, burst=5, quota_checks=8, upload_clients=2, web_workers=1, result_timeout=30,
        database_url=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        create_database=False, broker_url=settings.CELERY_BROKER_URL, log_dir=str(tmp_path), verbose=False,
        prioritise_external=False,  # never renice the test session
    )
    results = pipeline.run(config)

    levels = results["overhead"][1]
    assert set(levels) == {1, 2}
    for clients, level in levels.items():
        assert level["error_count"] == 0, level["errors"]
        assert level["cases"] == clients * 2 and level["states"] == {"approved": clients * 2}
        # the vendor answered after its fixed 200 ms, so every end-to-end time is longer than that
        assert level["end_to_end_ms"]["min"] > config.vendor_ms
        assert 0 < level["overhead_ms"]["median"] < 10_000 and not math.isnan(level["overhead_ms"]["p95"])
        assert level["retried"] == 0
        assert {name for name, _ in pipeline.STAGES} == set(level["stages"])
        assert all(stage["n"] == level["cases"] for stage in level["stages"].values())
        cpu = level["cpu_ms_per_case"]
        assert cpu["web"] > 0 and cpu["vendor_workers"] > 0 and cpu["default_worker"] > 0

    quota = results["quota"][1]
    assert quota["completed"] == quota["checks"] == 8
    assert quota["vendor_answers"] == 8 and quota["case_states"] == {"approved": 8}
    assert 0 < quota["achieved_per_s"] <= config.quota * 1.5
    # 8 calls paced at 1/Q: 7 gaps, the median near 1/Q (50 ms) as the vendor saw them
    assert 0 <= quota["bunched_arrivals"] <= 7 and 0 < quota["arrival_gap_ms"]["median"] < 1000
    assert results["webhooks"]["bad_signatures"] == 0
