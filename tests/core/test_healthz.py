import pytest

pytestmark = pytest.mark.django_db


def test_healthz_is_unavailable_without_a_worker(client, _flushed_broker):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] and body["broker"]["ok"]
    assert body["workers"]["ok"] is False and "no Celery worker" in body["workers"]["detail"]


def test_healthz_names_an_unreachable_broker(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False
