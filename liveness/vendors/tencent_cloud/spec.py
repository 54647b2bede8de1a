"""Tencent Cloud API 3.0: the specs of ``tencent_iai`` (DetectLiveFace) and ``tencent_faceid``
(GetLiveCode + LivenessCompare), and the documented wire facts both the clients and the sandbox use.

Pure data (no SDK import), read by :mod:`.iai`, :mod:`.faceid`, ``kyc_portal/settings.py`` (through
:mod:`liveness.vendors.registry`) and the sandbox. Sources: seed 001 (DetectLiveFace), vendor notes §4
and the FaceID API docs (LivenessCompare).
"""
from __future__ import annotations

from ..base import Metric, Operation
from ..spec import EnvSetting, ThresholdDefault, VendorSpec, one_of, positive
from ..youtu.spec import TENCENT_SIMILARITY_FAR  # the same Tencent similarity scale (seed 004)
from .errors import ERRORS

MB = 1024 * 1024

# --- DetectLiveFace (iai, Version 2020-03-03; seed 001) ----------------------------------------
IAI_ENDPOINT = "iai.tencentcloudapi.com"
IAI_VERSIONS = ("2020-03-03", "2018-03-01")  # the action has the same contract in both
IAI_MAX_BASE64_BYTES = 5 * MB  # "Base64-encoded image data, which cannot exceed 5 MB"
IAI_MAX_LONG_SIDE_JPEG = 4000  # "4,000 px for images in JPG format"
IAI_MAX_LONG_SIDE_OTHER = 2000  # "or 2,000 px for images in other formats"
IAI_MIN_SHORT_SIDE = 64  # FailedOperation.ImageResolutionTooSmall: "short edge ... smaller than 64"
IAI_FORMATS = ("JPEG", "PNG", "BMP")  # "PNG, JPG, JPEG, and BMP images are supported, while GIF images are not"
IAI_FACE_MODEL_VERSIONS = ("2.0", "3.0")
IAI_VENDOR_DEFAULT_FACE_MODEL_VERSION = "3.0"  # "3.0 by default starting from April 2, 2020"
#: Error code the portal sets when FaceModelVersion 3.0 answers ``IsLiveness: false`` (not a Tencent
#: code: Tencent answers a boolean); an entry of the tencent_cloud error table.
IS_LIVENESS_FALSE = "IsLiveness.False"
#: Error codes of DetectLiveFace about the image or the person: a successful call whose verdict is "unusable".
IAI_JUDGEMENT_CODES = frozenset({
    "FailedOperation.FaceSizeTooSmall",
    "FailedOperation.ImageDecodeFailed",
    "FailedOperation.ImageFacedetectFailed",
    "FailedOperation.ImageResolutionExceed",
    "FailedOperation.ImageResolutionTooSmall",
    "FailedOperation.ImageSizeExceed",
    "InvalidParameterValue.ImageEmpty",
    "InvalidParameterValue.NoFaceInPhoto",
    "LimitExceeded.ErrorFaceNumExceed",
})

# --- FaceID GetLiveCode / LivenessCompare (Version 2018-03-01) ---------------------------------
FACEID_ENDPOINT = "faceid.tencentcloudapi.com"
FACEID_VERSIONS = ("2018-03-01",)
FACEID_MAX_VIDEO_BASE64_BYTES = 8 * MB  # the faceid SDK (3.1.179): "Base64编码后的大小不超过8M" (vendor notes §4 say 5 MB)
FACEID_MAX_CARD_BASE64_BYTES = 3 * MB
FACEID_VIDEO_CONTAINERS = ("mp4", "avi", "flv")
FACEID_CARD_FORMATS = ("JPEG", "PNG")
FACEID_MIN_VIDEO_SIDES = (270, 480)  # FailedOperation.LipVideoQuaility: "minimum 270*480"
FACEID_VENDOR_SIM_THRESHOLD = 70.0  # FaceID's own fixed threshold; below it answers CompareLowSimilarity
LIVENESS_TYPE = "LIP"
#: ``Result`` / ``Error.Code`` values of LivenessCompare that judge the media or the person.
FACEID_JUDGEMENT_PREFIXES = ("FailedOperation.Action", "FailedOperation.Lip", "FailedOperation.Silent",
                             "FailedOperation.LifePhoto")
FACEID_JUDGEMENT_CODES = frozenset({
    "FailedOperation.CompareFail",
    "FailedOperation.CompareLowSimilarity",
    "FailedOperation.CoveredFace",
    "FailedOperation.EmptyImageError",
    "FailedOperation.ImageBlur",
    "FailedOperation.ImageDecodeFailed",
    "FailedOperation.ImageSizeTooLarge",
    "FailedOperation.IncompleteFace",
    "FailedOperation.LivessBestFrameError",
    "FailedOperation.LivessDetectFail",
    "FailedOperation.LivessDetectFake",
    "FailedOperation.PoorImageQuality",
    "FailedOperation.VideoDecodeFailed",
    "FailedOperation.VideoDurationExceeded",
})


def is_faceid_judgement(code: str) -> bool:
    return code in FACEID_JUDGEMENT_CODES or code.startswith(FACEID_JUDGEMENT_PREFIXES)


def _cloud_settings(prefix: str, endpoint: str, timeout: float) -> tuple[EnvSetting, ...]:
    """The settings every Tencent Cloud API 3.0 product shares (the API key is one for both)."""
    return (
        EnvSetting("endpoint", f"{prefix}_ENDPOINT", endpoint),
        EnvSetting("protocol", f"{prefix}_PROTOCOL", "https"),
        EnvSetting("region", f"{prefix}_REGION", "ap-guangzhou"),
        EnvSetting("secret_id", "TENCENTCLOUD_SECRET_ID", ""),
        EnvSetting("secret_key", "TENCENTCLOUD_SECRET_KEY", ""),
        EnvSetting("timeout", f"{prefix}_TIMEOUT", timeout, float, positive(f"{prefix}_TIMEOUT")),
    )


_CODE_DEFAULTS = {"token": None, "language": "en-US", "fit_media": True}

IAI_SPEC = VendorSpec(
    name="tencent_iai",
    family="tencent_cloud",
    provider_class="liveness.vendors.tencent_cloud.iai.TencentIaiProvider",
    operations=frozenset({Operation.SELFIE_LIVENESS}),
    errors=ERRORS,
    rate_limit="50/s",  # 接口组并发限制, 人脸静态活体检测相关接口 50 QPS (pay-per-call accounts)
    queue="vendor",
    score_scale=100.0,
    thresholds={
        Metric.LIVENESS: ThresholdDefault(87.0, 100.0, "seed 001 recommends 87 for FaceModelVersion 2.0"),
    },
    settings=_cloud_settings("TENCENT_IAI", IAI_ENDPOINT, 10.0) + (
        # 3.0 is Tencent's default and the only version newer accounts accept; it answers IsLiveness
        # (a verdict, no score). 2.0 answers a Score judged against the 87 threshold of seed 001.
        EnvSetting("face_model_version", "TENCENT_IAI_FACE_MODEL_VERSION", IAI_VENDOR_DEFAULT_FACE_MODEL_VERSION,
                   check=one_of("TENCENT_IAI_FACE_MODEL_VERSION", IAI_FACE_MODEL_VERSIONS)),
    ),
    code_defaults=_CODE_DEFAULTS,
)

FACEID_SPEC = VendorSpec(
    name="tencent_faceid",
    family="tencent_cloud",
    provider_class="liveness.vendors.tencent_cloud.faceid.TencentFaceidProvider",
    operations=frozenset({Operation.DIGIT_VIDEO}),
    errors=ERRORS,
    rate_limit="100/s",  # FaceID LivenessCompare: 默认接口请求频率限制：100次/秒
    queue="vendor",
    score_scale=100.0,
    thresholds={
        Metric.SIMILARITY: ThresholdDefault(
            80.0, 100.0, "Tencent similarity scale as in seed 004: 80 gives 1/10,000",
            alternatives=("70 gives 1/1,000",), far_table=TENCENT_SIMILARITY_FAR),
    },
    settings=_cloud_settings("TENCENT_FACEID", FACEID_ENDPOINT, 20.0),
    code_defaults={**_CODE_DEFAULTS, "video_max_base64_bytes": FACEID_MAX_VIDEO_BASE64_BYTES,
                   "card_max_base64_bytes": FACEID_MAX_CARD_BASE64_BYTES},
)
