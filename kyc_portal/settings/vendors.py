"""Liveness vendors: which provider judges selfies and videos, each vendor's credentials, endpoint
and timeouts, threshold overrides, and each vendor's default call rate.

Moved from the single settings.py with behaviour kept (names, defaults, accepted values); another
change is regrouping vendor knowledge per vendor, which will replace this module's tables.
"""
from __future__ import annotations

from .env import choice, declare, fail, integer, names_with_prefix, number, require, string

KNOWN_PROVIDERS = ("local", "youtu_legacy", "tencent_iai", "tencent_faceid", "senseid")
_PROVIDER_DOC = "a provider name or a dotted path to a provider class"
KYC_SELFIE_PROVIDER = string("KYC_SELFIE_PROVIDER", "local", allowed=", ".join(KNOWN_PROVIDERS) + " or a dotted path",
                             doc="who judges selfies: " + _PROVIDER_DOC)
KYC_VIDEO_PROVIDER = string("KYC_VIDEO_PROVIDER", "local", allowed=", ".join(KNOWN_PROVIDERS) + " or a dotted path",
                            doc="who judges digit videos: " + _PROVIDER_DOC)
for _var, _value in (("KYC_SELFIE_PROVIDER", KYC_SELFIE_PROVIDER), ("KYC_VIDEO_PROVIDER", KYC_VIDEO_PROVIDER)):
    # A dotted path ("package.module.Class") is accepted for custom providers.
    require(_value in KNOWN_PROVIDERS or "." in _value,
            f"{_var}={_value!r} is not a liveness provider; choose one of {', '.join(KNOWN_PROVIDERS)} "
            f"or give a dotted path to a provider class")


def _timeout(name: str, default: float) -> float:
    return number(name, default, low=0, low_exclusive=True, unit="seconds", doc="seconds one vendor call may take")


KYC_PROVIDERS: dict[str, dict] = {
    "local": {
        "min_video_short_side": integer("LOCAL_MIN_VIDEO_SHORT_SIDE", 270, low=1, unit="pixels",
                                        doc="local engine: smallest video short side accepted"),
        "min_video_long_side": integer("LOCAL_MIN_VIDEO_LONG_SIDE", 480, low=1, unit="pixels",
                                       doc="local engine: smallest video long side accepted"),
    },
    "youtu_legacy": {
        "endpoint": string("YOUTU_ENDPOINT", "https://recognition.image.myqcloud.com", allowed="a URL"),
        "appid": string("YOUTU_APPID", ""),
        "secret_id": string("YOUTU_SECRET_ID", ""),
        "secret_key": string("YOUTU_SECRET_KEY", ""),
        "bucket": string("YOUTU_BUCKET", ""),
        "timeout": _timeout("YOUTU_TIMEOUT", 10.0),
        "signature_ttl": integer("YOUTU_SIGNATURE_TTL", 3600, low=1, unit="seconds", doc="lifetime of a request signature"),
    },
    "tencent_iai": {
        "endpoint": string("TENCENT_IAI_ENDPOINT", "iai.tencentcloudapi.com", allowed="a host name"),
        "protocol": string("TENCENT_IAI_PROTOCOL", "https", allowed="https or http"),
        "region": string("TENCENT_IAI_REGION", "ap-guangzhou"),
        "secret_id": string("TENCENTCLOUD_SECRET_ID", ""),
        "secret_key": string("TENCENTCLOUD_SECRET_KEY", ""),
        "timeout": _timeout("TENCENT_IAI_TIMEOUT", 10.0),
        # 3.0 is Tencent's default and the only version newer accounts accept; it answers IsLiveness
        # (a verdict, no score). 2.0 answers a Score judged against the 87 threshold of seed 001.
        "face_model_version": choice("TENCENT_IAI_FACE_MODEL_VERSION", "3.0", ("2.0", "3.0"),
                                     doc="3.0: IsLiveness verdict; 2.0: Score judged against 87"),
    },
    "tencent_faceid": {
        "endpoint": string("TENCENT_FACEID_ENDPOINT", "faceid.tencentcloudapi.com", allowed="a host name"),
        "protocol": string("TENCENT_FACEID_PROTOCOL", "https", allowed="https or http"),
        "region": string("TENCENT_FACEID_REGION", "ap-guangzhou"),
        "secret_id": string("TENCENTCLOUD_SECRET_ID", ""),
        "secret_key": string("TENCENTCLOUD_SECRET_KEY", ""),
        "timeout": _timeout("TENCENT_FACEID_TIMEOUT", 20.0),
    },
    "senseid": {
        "base_url": string("SENSEID_BASE_URL", "", allowed="a URL"),
        "api_key": string("SENSEID_API_KEY", ""),
        "aes_key": string("SENSEID_AES_KEY", "dcbbad6765e14139a07d34b92292a672", allowed="32 characters"),
        "aes_iv": string("SENSEID_AES_IV", "df25d188a061", allowed="12 characters"),
        "body_encoding": choice("SENSEID_BODY_ENCODING", "multipart", ("multipart", "json")),
        "timeout": _timeout("SENSEID_TIMEOUT", 20.0),
    },
}
require(len(KYC_PROVIDERS["senseid"]["aes_key"]) == 32 and len(KYC_PROVIDERS["senseid"]["aes_iv"]) == 12,
        "SENSEID_AES_KEY must be 32 characters and SENSEID_AES_IV 12 characters")

# Threshold overrides: KYC_THRESHOLD_<PROVIDER>_<METRIC>=value (vendor's own scale).
# They seed version 1 of a ThresholdPolicy; later versions are edited by compliance.
_THRESHOLD_FAMILY = f"KYC_THRESHOLD_<{'|'.join(p.upper() for p in KNOWN_PROVIDERS)}>_<LIVENESS|SIMILARITY>"
declare("KYC_THRESHOLD_<PROVIDER>_<LIVENESS|SIMILARITY>", default="liveness/thresholds.py",
        allowed="a number on the vendor's own scale",
        doc="seeds version 1 of the threshold policy, e.g. KYC_THRESHOLD_YOUTU_LEGACY_LIVENESS=90")
KYC_THRESHOLD_OVERRIDES: dict[tuple[str, str], float] = {}
for _key in names_with_prefix("KYC_THRESHOLD_"):
    _provider, _, _metric = _key[len("KYC_THRESHOLD_"):].lower().rpartition("_")
    if _provider not in KNOWN_PROVIDERS or _metric not in {"liveness", "similarity"}:
        fail(f"{_key}: expected {_THRESHOLD_FAMILY}")
    KYC_THRESHOLD_OVERRIDES[(_provider, _metric)] = number(_key, 0.0)

# Each vendor's default call rate (KYC_RATE_LIMIT_<PROVIDER>, read in pipeline.py): the vendor's
# documented default quota for the API a check calls (sources in docs/scaling.md).
vendor_rate_limit_defaults = {
    "local": "off",  # no vendor: the number of engine worker processes bounds it
    # YouTu legacy (livedetectpicture / livedetectfour): the docs name code 15 "frequency control"
    # but publish no figure; a conservative guess, raise it to what the account was sold.
    "youtu_legacy": "5/s",
    # IAI DetectLiveFace: 接口组并发限制, 人脸静态活体检测相关接口 50 QPS (pay-per-call accounts).
    "tencent_iai": "50/s",
    # FaceID LivenessCompare: 默认接口请求频率限制：100次/秒.
    "tencent_faceid": "100/s",
    # SenseID private cloud: capacity is the deployment's own, nothing published; conservative.
    "senseid": "5/s",
}
