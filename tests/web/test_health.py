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


def test_readyz_keeps_a_web_node_in_rotation_without_a_worker(client, _flushed_broker):
    """Uploads are accepted and queued while no worker runs: the load balancer's probe says ready."""
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and set(body) == {"status", "database", "broker"}
    assert client.get("/healthz").status_code == 503, "monitoring still sees the missing worker"


def test_readyz_is_unavailable_without_the_broker_but_livez_is_alive(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    ready = client.get("/readyz")
    live = client.get("/livez")

    assert ready.status_code == 503 and ready.json()["broker"]["ok"] is False
    assert live.status_code == 200 and live.json() == {"status": "ok", "database": live.json()["database"]}
    assert live.json()["database"]["ok"] is True
