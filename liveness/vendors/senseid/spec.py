"""SenseTime SenseID ``silent_image_verification`` (seed 003): the spec and wire facts.

Pure data, read by the client (:mod:`.client`), ``kyc_portal/settings.py`` (through
:mod:`liveness.vendors.registry`) and the sandbox.
"""
from __future__ import annotations

from ..base import Metric, Operation
from ..spec import EnvSetting, ThresholdDefault, VendorSpec, one_of, positive
from .errors import ERRORS

PATH = "/identity/silent_image_verification/stateless"
SUCCESS = 1000
#: Factory defaults of the media encryption (the server's PARAM_DECRYPT_KEY / PARAM_DECRYPT_IV).
DEFAULT_AES_KEY = "dcbbad6765e14139a07d34b92292a672"
DEFAULT_AES_IV = "df25d188a061"
#: Request booleans (seed 003), all false on the vendor's side when absent.
FLAGS = ("auto_rotate", "check_quality", "return_image", "return_face_image", "return_status")
#: ``liveness_status`` values that fail the check, with the seed's explanation.
LIVENESS_STATUSES = {
    "hack": "Silent liveness detection failed: face spoofing (for example a photo shown on a phone).",
    "short_time": "Silent liveness detection failed: the video is shorter than 2 s.",
}

#: verification_score (seed 003): threshold -> error rate.
SENSEID_SIMILARITY_FAR = {
    0.4: "1 in 10", 0.5: "1 in 100", 0.6: "1 in 1,000", 0.7: "1 in 10,000", 0.8: "1 in 100,000",
    0.9: "1 in 1,000,000",
}


def _key_lengths(config: dict) -> str | None:
    if len(config["aes_key"]) != 32 or len(config["aes_iv"]) != 12:
        return "SENSEID_AES_KEY must be 32 characters and SENSEID_AES_IV 12 characters"
    return None


SPEC = VendorSpec(
    name="senseid",
    family="senseid",
    provider_class="liveness.vendors.senseid.client.SenseidProvider",
    operations=frozenset({Operation.DIGIT_VIDEO}),
    errors=ERRORS,
    rate_limit="5/s",  # private cloud: capacity is the deployment's own, nothing published; conservative
    queue="vendor",
    score_scale=1.0,
    thresholds={
        Metric.SIMILARITY: ThresholdDefault(
            0.7, 1.0, "seed 003 recommends > 0.7 (error rate 1/10,000)", far_table=SENSEID_SIMILARITY_FAR),
    },
    settings=(
        EnvSetting("base_url", "SENSEID_BASE_URL", ""),
        EnvSetting("api_key", "SENSEID_API_KEY", ""),
        EnvSetting("aes_key", "SENSEID_AES_KEY", DEFAULT_AES_KEY),
        EnvSetting("aes_iv", "SENSEID_AES_IV", DEFAULT_AES_IV),
        EnvSetting("body_encoding", "SENSEID_BODY_ENCODING", "multipart",
                   check=one_of("SENSEID_BODY_ENCODING", ("multipart", "json"))),
        EnvSetting("timeout", "SENSEID_TIMEOUT", 20.0, float, positive("SENSEID_TIMEOUT")),
    ),
    code_defaults={"api_key_header": "X-API-KEY", "fit_media": True, **dict.fromkeys(FLAGS, True)},
    checks=(_key_lengths,),
)
