"""Fixtures of the partner API tests: partners, keys, authenticated clients, small media."""
from __future__ import annotations

import io

import pytest
from rest_framework.test import APIClient

from liveness.partners import keys as partner_keys
from liveness.vendors import REGISTRY
from tests.factories import PartnerFactory


@pytest.fixture
def partner(db):
    return PartnerFactory()


@pytest.fixture
def other_partner(db):
    return PartnerFactory()


class KeyClient(APIClient):
    """An APIClient that sends one partner's key; ``.key`` is the PartnerApiKey row, ``.raw`` the full text."""

    key = None
    raw = ""


def _client(partner, *, is_test=False) -> KeyClient:
    key, raw = partner_keys.key_create(partner=partner, is_test=is_test)
    client = KeyClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.key, client.raw = key, raw
    return client


@pytest.fixture
def api(partner) -> KeyClient:
    return _client(partner)


@pytest.fixture
def testkey_api(partner) -> KeyClient:
    return _client(partner, is_test=True)


@pytest.fixture
def other_api(other_partner) -> KeyClient:
    return _client(other_partner)


@pytest.fixture
def stub_providers(monkeypatch, settings):
    """'local' and the configured video vendor are stubs that only issue digits."""
    monkeypatch.setitem(REGISTRY, "local", "tests.partners.stubs.LocalDigits")
    settings.KYC_VIDEO_PROVIDER = "tests.partners.stubs.VendorDigits"
    from tests.partners import stubs

    stubs.LocalDigits.calls = stubs.VendorDigits.calls = 0
    return stubs


def jpeg(width: int = 320, height: int = 240, color=(180, 140, 120)) -> bytes:
    """A valid JPEG. Media validation does not look for a face, so a plain image is enough here."""
    try:
        from tests.mediagen import selfie_jpeg
    except ImportError:
        selfie_jpeg = None
    if selfie_jpeg is not None and (width, height) == (320, 240):
        return selfie_jpeg()
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="JPEG")
    return out.getvalue()


def tiny_video(frames: int = 6) -> bytes:
    """A real, decodable MP4 (MPEG-4 part 2 + AAC), 64x48, a fraction of a second.

    It has a (silent) sound track: a video without one is refused at upload (issue 17, item 6).
    """
    import av
    import numpy as np

    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        sound = container.add_stream("aac", rate=16000)
        for i in range(frames):
            image = np.full((48, 64, 3), 20 * i, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        for start in range(0, 1600 * frames, 1024):
            chunk = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            chunk.sample_rate, chunk.pts = 16000, start
            for packet in sound.encode(chunk):
                container.mux(packet)
        for packet in sound.encode():
            container.mux(packet)
    return out.getvalue()


@pytest.fixture
def receiver():
    """A partner's webhook receiver listening on 127.0.0.1 (tests/partners/webhook_receiver.py)."""
    from tests.partners.webhook_receiver import receiver_start

    rec, server = receiver_start()
    yield rec
    server.shutdown()
    server.server_close()


@pytest.fixture
def queued(monkeypatch):
    """Delivery ids queued for the worker; the tests run the delivery in-process instead
    (``liveness.partners.webhooks.delivery.webhook_deliver``)."""
    from liveness.partners.webhooks import delivery

    ids = []
    monkeypatch.setattr(delivery, "_enqueue_delivery", lambda delivery_id: ids.append(str(delivery_id)))
    return ids
