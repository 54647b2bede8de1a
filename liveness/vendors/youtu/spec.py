"""Tencent YouTu legacy face API (``recognition.image.myqcloud.com``, seeds 000/002/004): the spec and wire facts.

Pure data, read by the client (:mod:`.client`), ``kyc_portal/settings.py`` (through
:mod:`liveness.vendors.registry`) and the sandbox. docs/vendors.md and README list the settings.
"""
from __future__ import annotations

from ..base import Metric, Operation
from ..spec import EnvSetting, ThresholdDefault, VendorSpec, positive
from .errors import ERRORS

DEFAULT_ENDPOINT = "https://recognition.image.myqcloud.com"
MAX_REQUEST_BYTES = 6 * 1024 * 1024  # "Each request packet should not exceed 6 MB"
MAX_SIGNATURE_TTL_SECONDS = 90 * 24 * 3600  # multi-use signature: "at most three months"
PATHS = {"challenge": "/face/livegetfour", "selfie": "/face/livedetectpicture", "video": "/face/livedetectfour"}

#: Tencent's similarity scale (seed 004): threshold -> false-accept rate. Also FaceID's (same scale).
TENCENT_SIMILARITY_FAR = {70.0: "1 in 1,000", 80.0: "1 in 10,000"}

SPEC = VendorSpec(
    name="youtu_legacy",
    family="youtu",
    provider_class="liveness.vendors.youtu.client.YoutuLegacyProvider",
    operations=frozenset({Operation.SELFIE_LIVENESS, Operation.DIGIT_VIDEO}),
    errors=ERRORS,
    # the docs name code 15 "frequency control" but publish no figure; a conservative guess, raise it
    # to what the account was sold
    rate_limit="5/s",
    queue="vendor",
    score_scale=100.0,
    thresholds={
        Metric.LIVENESS: ThresholdDefault(
            87.0, 100.0, "seed 002 recommends 87 (scores usually 80..100)",
            alternatives=("seed 000 recommends 90",)),
        Metric.SIMILARITY: ThresholdDefault(
            80.0, 100.0, "seed 004: 80 gives a false-accept rate of 1/10,000",
            alternatives=("seed 004: 70 gives 1/1,000", "seed 004's example uses 75"),
            far_table=TENCENT_SIMILARITY_FAR),
    },
    settings=(
        EnvSetting("endpoint", "YOUTU_ENDPOINT", DEFAULT_ENDPOINT),
        EnvSetting("appid", "YOUTU_APPID", ""),
        EnvSetting("secret_id", "YOUTU_SECRET_ID", ""),
        EnvSetting("secret_key", "YOUTU_SECRET_KEY", ""),
        EnvSetting("bucket", "YOUTU_BUCKET", ""),
        EnvSetting("timeout", "YOUTU_TIMEOUT", 10.0, float, positive("YOUTU_TIMEOUT")),
        EnvSetting("signature_ttl", "YOUTU_SIGNATURE_TTL", 3600, int),
    ),
)
