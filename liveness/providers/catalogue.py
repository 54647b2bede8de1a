"""The error catalogue: every code any liveness vendor (or the local engine) can answer.

One entry per ``(vendor, code)``. Each entry carries the vendor's own words (English and
Chinese where a source has them), a plain explanation for the reviewer, a message for the
end user in English and Simplified Chinese, a :class:`Category` and whether the pipeline
may retry automatically. See ``docs/errors.md`` for how it is organised and how to add a code.

Vendor families (the ``vendor`` key):

* ``youtu``          Tencent YouTu legacy face API (seeds 000, 002, 004): integer ``code`` of the
                     envelope and ``live_status`` / ``compare_status`` of livedetectfour.
* ``tencent_cloud``  Tencent Cloud API 3.0 string codes: IAI ``DetectLiveFace`` (seed 001), FaceID
                     ``LivenessCompare`` ``Result`` strings, the API 3.0 common codes and the
                     exception codes of the official Python SDK.
* ``senseid``        SenseTime SenseID (seed 003): numeric ``code``, ``liveness_status`` values and
                     the HTTP statuses the seed documents.
* ``http``           transport problems of any vendor: ``timeout``, ``connection``, HTTP statuses.
* ``local``          the embedded engine (``liveness.engine.codes``).

Codes are always strings (``lookup`` accepts ints too). Success values (``0``, ``1000``,
``ok``, ``Success``) are not errors and are not entries: see :data:`SUCCESS_CODES`.

The data below is deliberately a set of plain tables, one per vendor family; the few helpers
only turn rows into :class:`CatalogueEntry` objects.
"""
from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass
from typing import Any


class Category(str, enum.Enum):
    USER_FIXABLE = "user_fixable"  # the person can fix it: retake in better light, read slowly...
    TRANSIENT = "transient"  # retry automatically
    CONFIGURATION = "configuration"  # config/account/signature/quota setup: alert an operator
    POSSIBLE_FRAUD = "possible_fraud"  # replay/hack/spoof/different person: human review


@dataclass(frozen=True)
class CatalogueEntry:
    vendor: str  # "youtu" | "tencent_cloud" | "senseid" | "local" | "http"
    code: str  # always a string: "-5008", "FailedOperation.ImageDecodeFailed", "hack", ...
    vendor_message_en: str
    vendor_message_zh: str  # "" where no source has Chinese
    reviewer_explanation: str  # plain English: what happened and what it implies
    user_message_en: str  # what the end user should do next, no jargon, no scores
    user_message_zh: str  # Simplified Chinese
    category: Category
    retry: bool  # True only for transient ones worth retrying automatically
    sources: tuple[str, ...]  # e.g. ("seed 000", "seed 004")
    alt_messages: tuple[str, ...] = ()  # other seeds' differing wordings, "seed 002: ..."

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (category as its string value, tuples as lists)."""
        data = dataclasses.asdict(self)
        data["category"] = self.category.value
        data["sources"] = list(self.sources)
        data["alt_messages"] = list(self.alt_messages)
        return data


U = Category.USER_FIXABLE
T = Category.TRANSIENT
C = Category.CONFIGURATION
F = Category.POSSIBLE_FRAUD

VENDORS = ("youtu", "tencent_cloud", "senseid", "http", "local", "internal")

#: Values that mean "no error" for each vendor family; they are not catalogue entries.
SUCCESS_CODES: dict[str, frozenset[str]] = {
    "youtu": frozenset({"0"}),
    "tencent_cloud": frozenset({"Success"}),
    "senseid": frozenset({"1000", "ok"}),
    "http": frozenset({"200"}),
    "local": frozenset({"0"}),
}

# Source labels (kept in one place so the same source is always spelled the same way).
S000, S002, S003, S004, S001 = "seed 000", "seed 002", "seed 003", "seed 004", "seed 001"
IAI_ZH = "Tencent Cloud IAI API docs (Chinese wording)"
FACEID = "Tencent Cloud FaceID API docs (LivenessCompare)"
FACEID_ALL = "Tencent Cloud FaceID API docs (error code list)"
COMMON = "Tencent Cloud API 3.0 common error codes"
SDK = "tencentcloud-sdk-python-common (exception codes; retry.py treats it as retryable)"
SDK_PLAIN = "tencentcloud-sdk-python-common (exception codes)"
NOTES = "vendor-notes.md"
ENGINE = "liveness/engine/codes.py"
HTTP = "HTTP (RFC 9110)"


# ---------------------------------------------------------------------------------------------
# What the end user is told: (English, Simplified Chinese). No jargon, no scores, no blame.
# ---------------------------------------------------------------------------------------------
USER_MESSAGES: dict[str, tuple[str, str]] = {
    # outcomes that need nothing from the user
    "retry_later": (
        "Our verification service is briefly busy. We will try again automatically; you don't need to do anything.",
        "验证服务暂时繁忙，系统会自动重试，您无需任何操作。",
    ),
    "operator": (
        "We could not finish your check because of a problem on our side. Our team has been notified; please try again later. You don't need to record anything again.",
        "由于我们这边的问题，暂时无法完成验证。我们已通知工作人员处理，请稍后再试，您无需重新拍摄。",
    ),
    "review": (
        "We need to check your submission by hand. We will let you know the result; you don't need to do anything now.",
        "我们需要人工审核您提交的资料，审核结果会通知您，目前无需任何操作。",
    ),
    # selfie / face in frame
    "selfie_retake": (
        "Please take a new selfie: face the camera in bright, even light, with your whole face visible.",
        "请重新自拍：正对镜头，在明亮均匀的光线下，露出完整面部。",
    ),
    "selfie_file": (
        "We could not open your photo. Please take a new one, or upload a JPG or PNG picture.",
        "无法打开您的照片。请重新拍摄，或上传 JPG 或 PNG 格式的图片。",
    ),
    "face_not_found": (
        "We could not see your face. Make sure your whole face is in the middle of the frame and well lit, then try again.",
        "未能看到您的面部。请让整张脸位于画面中央、光线充足，然后重试。",
    ),
    "face_visible": (
        "Keep your whole face, including your mouth and eyes, visible in the frame, then try again.",
        "请让整张脸（包括嘴巴和眼睛）始终完整地出现在画面中，然后重试。",
    ),
    "uncover_face": (
        "Part of your face is covered. Remove any mask, sunglasses or hat, move hair away from your face, and try again.",
        "您的面部有遮挡。请摘下口罩、墨镜或帽子，撩开遮挡面部的头发，然后重试。",
    ),
    "eyes_open": (
        "Keep your eyes open and look at the camera. Take off sunglasses or tinted glasses, then try again.",
        "请睁开眼睛看向镜头，摘下墨镜或有色眼镜，然后重试。",
    ),
    "one_person": (
        "More than one face was found. Make sure only you are in the picture, then try again.",
        "检测到多张人脸。请确保画面中只有您一个人，然后重试。",
    ),
    "closer": (
        "Your face is too small in the picture. Hold the camera closer so your face fills most of the frame.",
        "画面中您的面部太小。请把镜头拿近一些，让面部占据画面的大部分。",
    ),
    "centre_face": (
        "Keep your face in the centre of the frame, about an arm's length from the camera, then try again.",
        "请让面部保持在画面中央，与镜头保持约一臂的距离，然后重试。",
    ),
    "pose": (
        "Look straight at the camera with your head level, then try again.",
        "请正视镜头、保持头部端正，然后重试。",
    ),
    "blurry": (
        "The picture is blurry. Wipe the camera lens, hold the phone still, and try again.",
        "画面模糊。请擦拭镜头、拿稳手机，然后重试。",
    ),
    "light": (
        "The lighting is not good enough. Move somewhere with bright, even light in front of you (not behind you), then try again.",
        "光线不合适。请到光线明亮均匀的地方，让光线照在脸上（不要背光），然后重试。",
    ),
    "light_dark": (
        "It is too dark. Move somewhere brighter, with light in front of you, then try again.",
        "光线太暗。请到更明亮的地方，让光线照在脸上，然后重试。",
    ),
    "light_strong": (
        "The light is too strong. Move out of direct sunlight or away from bright lamps, then try again.",
        "光线太强。请避开阳光直射或强光灯，然后重试。",
    ),
    "upright": (
        "Hold the phone upright (portrait) so your face fills the picture from forehead to chin, then try again.",
        "请竖着拿手机，让画面从额头到下巴完整容纳您的面部，然后重试。",
    ),
    "action": (
        "Please follow the on-screen instructions (for example blink or open your mouth) while facing the camera, then try again.",
        "请正对镜头，按照屏幕提示完成动作（例如眨眼或张嘴），然后重试。",
    ),
    "compare_retake": (
        "We could not compare your video with your ID photo. Upload a clear photo of your ID card and record the video again.",
        "无法将您的视频与证件照片进行比对。请上传清晰的证件照片，并重新录制视频。",
    ),
    # video
    "video_retake": (
        "Please record the video again, keeping your whole face in the frame, in good light, the whole time.",
        "请重新录制视频，全程保持整张脸在画面内、光线充足。",
    ),
    "video_file": (
        "We could not process your video. Please record it again on this page.",
        "无法处理您的视频，请在本页面重新录制。",
    ),
    "video_short": (
        "The video was too short. Record again and keep recording until you have read all the digits slowly, about 5 seconds.",
        "视频太短。请重新录制，慢慢读完所有数字后再停止，约 5 秒钟。",
    ),
    "video_long": (
        "The video was too long. Record again and stop as soon as you have read the digits.",
        "视频太长。请重新录制，读完数字后立即停止。",
    ),
    "video_resolution": (
        "The video quality was too low. Record again in better light, or use a device with a better front camera.",
        "视频清晰度太低。请在光线更好的地方重新录制，或换用前置摄像头更好的设备。",
    ),
    "video_steady": (
        "Your face left the frame during the recording. Hold the phone steady, keep your face in view, and record again.",
        "录制过程中您的面部离开了画面。请拿稳手机、让面部始终在画面内，然后重新录制。",
    ),
    "digits": (
        "The digits we heard did not match. Record again and read the digits shown on screen slowly and clearly, one by one.",
        "识别到的数字与要求不符。请重新录制，逐个慢慢、清楚地读出屏幕上显示的数字。",
    ),
    "speak_louder": (
        "We could not hear you well. Record again in a quiet place and read the digits aloud in a clear voice.",
        "没有听清您的声音。请在安静的地方重新录制，并清楚地大声读出数字。",
    ),
    "no_sound": (
        "Your video had no sound. Allow this page to use your microphone, then record again reading the digits aloud.",
        "您的视频没有声音。请允许本页面使用麦克风，然后重新录制并大声读出数字。",
    ),
    "quiet_place": (
        "There was too much background noise. Move to a quiet place and record again.",
        "背景噪音太大。请到安静的地方重新录制。",
    ),
    "lips": (
        "Record again facing the camera and read the digits aloud, opening your mouth clearly for each one.",
        "请正对镜头重新录制，大声读出数字，每个数字都清楚地张嘴读出。",
    ),
    # ID card / identity details
    "card_retake": (
        "We could not use the photo of your ID card. Upload a sharp, well-lit photo of the side with your portrait, without glare or cut-off edges.",
        "无法使用您的证件照片。请上传清晰、光线充足的证件人像面照片，避免反光或边缘被裁切。",
    ),
    "card_no_face": (
        "We could not find the portrait on your ID card photo. Upload a clear photo of the side of the card that shows your picture.",
        "未能在证件照片中找到人像。请上传清晰的证件人像面照片。",
    ),
    "id_details": (
        "Please check the name and ID number you entered, correct them if needed, and try again.",
        "请核对您填写的姓名和身份证号码，如有错误请更正后重试。",
    ),
    # used for codes that are not in the catalogue
    "unknown": (
        "We could not complete your check. Our team has been notified and will contact you if anything else is needed.",
        "暂时无法完成验证。我们已通知工作人员，如需您进一步配合会与您联系。",
    ),
}


def _entry(
    vendor: str,
    code: str,
    category: Category,
    user: str,
    en: str,
    zh: str,
    reviewer: str,
    sources: tuple[str, ...],
    alt: tuple[str, ...] = (),
) -> CatalogueEntry:
    user_en, user_zh = USER_MESSAGES[user]
    return CatalogueEntry(
        vendor=vendor,
        code=code,
        vendor_message_en=en,
        vendor_message_zh=zh,
        reviewer_explanation=reviewer,
        user_message_en=user_en,
        user_message_zh=user_zh,
        category=category,
        retry=category is Category.TRANSIENT,
        sources=tuple(sources),
        alt_messages=tuple(alt),
    )


# =============================================================================================
# youtu: Tencent YouTu legacy face API (seeds 000 = English, 002 and 004 = Chinese)
#
# Columns: code, category, user message, seed 000 (en), seed 002 (zh), seed 004 (zh), reviewer.
# vendor_message_en is seed 000's text; vendor_message_zh is seed 004's text where seed 004 has
# the code (its explanations are fuller), otherwise seed 002's. When seed 002's wording differs
# from seed 004's in substance, it is kept in alt_messages as "seed 002: ...". Seed texts are
# copied verbatim (markdown escapes removed); tests compare them with the seed files.
# =============================================================================================
_SIGNATURE = (
    "The request's Authorization header (the multi-use signature built from appid, SecretId and "
    "SecretKey) was rejected. This is about the portal's credentials, never about the person: "
    "an operator must check the configured appid / SecretId / SecretKey and the signing code."
)

YOUTU_TABLE: list[tuple[str, Category, str, str, str, str, str]] = [
    ("3", C, "operator",
     "Incorrect request",
     "错误的请求;其中 message:account abnormal,errorno is:2 为账号欠费停服",
     "错误的请求；其中 message:account abnormal,errorno is:2 为账号欠费停服",
     "The vendor refused the request as malformed. If the message is 'account abnormal, errorno is:2' "
     "the Tencent Cloud account is in arrears and the service is suspended. Either way an operator must "
     "fix the integration or the account; the user can do nothing."),
    ("4", C, "operator",
     "Signature is empty", "签名为空", "签名为空",
     "No Authorization signature reached the vendor. " + _SIGNATURE),
    ("5", C, "operator",
     "Incorrect signature string", "签名串错误", "签名串错误",
     "The signature string could not be parsed. " + _SIGNATURE),
    ("6", C, "operator",
     "The appid/bucket in the signature does not match the target",
     "签名中的 APPID/Bucket 与操作目标不匹配", "签名中的 APPID/Bucket 与操作目标不匹配",
     "The appid (or bucket) signed into the Authorization header differs from the appid in the request "
     "body. " + _SIGNATURE),
    ("9", C, "operator",
     "Signature expired", "签名过期", "签名过期",
     "The signature's expiry time (e) has passed, or the server clock is wrong. " + _SIGNATURE),
    ("10", C, "operator",
     "appid does not exist", "APPID 不存在", "APPID 不存在",
     "The configured appid is unknown to the vendor. " + _SIGNATURE),
    ("11", C, "operator",
     "secretid does not exist", "SecretId 不存在", "SecretId 不存在",
     "The configured SecretId is unknown (deleted or mistyped). " + _SIGNATURE),
    ("12", C, "operator",
     "appid and secretid do not match", "APPID 和 SecretId 不匹配", "APPID 和 SecretId 不匹配",
     "The SecretId belongs to another appid. " + _SIGNATURE),
    ("13", C, "operator",
     "Replay attack", "重放攻击", "重放攻击",
     "Despite its name this is NOT a presentation attack by the person: the vendor saw the same "
     "signed request (same random nonce r / timestamp) twice, i.e. the portal reused a signature. "
     + _SIGNATURE),
    ("14", C, "operator",
     "Signature verification failed", "签名校验失败", "签名校验失败",
     "The HMAC-SHA1 signature did not verify (wrong SecretKey or wrong signing string). " + _SIGNATURE),
    ("15", T, "retry_later",
     "Operation performed too frequently. Frequency control triggered",
     "操作太频繁,触发频控", "操作太频繁，触发频控",
     "The vendor's rate limit was hit. Nothing is wrong with the submission; the check is retried "
     "automatically after a pause. If it happens often, the account's QPS quota is too low."),
    ("16", C, "operator",
     "Bucket does not exist", "Bucket 不存在", "Bucket 不存在",
     "The bucket named in the signature does not exist. The YouTu face API needs no bucket; leave it "
     "empty. Configuration problem."),
    ("21", C, "operator",
     "Invalid parameter", "无效参数", "无效参数",
     "A request field was missing or malformed (appid, validate_data, compare_flag...). This is a "
     "portal integration bug or misconfiguration, not something the user did."),
    ("23", C, "operator",
     "Oversized request packet", "请求包体过大", "请求包体过大",
     "The request exceeded the vendor's size limit (6 MB per request). The portal should have "
     "compressed or resized the media before sending; check the media normalisation limits."),
    ("24", C, "operator",
     "", "", "无权限，未申请服务",
     "The account has no permission for this API: the service was never applied for or activated "
     "in the Tencent Cloud console. An operator must activate it."),
    ("107", T, "retry_later",
     "Authentication service is unavailable", "鉴权服务不可用", "鉴权服务不可用",
     "The vendor's own authentication service was down; the signature itself may be fine. Retried "
     "automatically."),
    ("108", T, "retry_later",
     "Authentication service is unavailable", "鉴权服务不可用", "鉴权服务不可用",
     "Same as 107: the vendor's authentication service was unavailable. Retried automatically."),
    ("213", T, "retry_later",
     "Internal error", "内部错误", "内部错误",
     "An internal error at the vendor. Nothing is known to be wrong with the submission; retried "
     "automatically. Persistent 213s mean a vendor outage."),
    ("-4006", U, "video_retake",
     "Failed to extract features of the selfie in the video",
     "视频中自拍照特征提取失败", "视频中自拍照特征提取失败",
     "The engine found frames in the video but could not compute a face template from them, usually "
     "because the face was blurred, too dark, turned away or partly covered. A clearer retake normally "
     "fixes it."),
    ("-4007", U, "video_retake",
     "Failed to compare selfies in the video",
     "视频中自拍照之间对比失败", "视频中自拍照之间对比失败",
     "The engine compares the faces captured at different moments of the video with each other and "
     "that comparison could not be completed, usually because of poor frames. The seed does not say "
     "whether it also fires when the frames show different people; if it repeats for the same case, "
     "watch the video for a face swap."),
    ("-4009", U, "card_retake",
     "Failed to extract features of the card image",
     "Card 照片提取特征失败", "Card 照片提取特征失败",
     "A face template could not be computed from the card (ID) photo: glare, blur, a tiny or damaged "
     "portrait. A better photo of the card fixes it."),
    ("-4010", U, "compare_retake",
     "Failed to calculate the similarity between the selfie and the card image",
     "自拍照与 Card 照片相似度计算失败", "自拍照与 Card 照片相似度计算失败",
     "Liveness may have passed but no similarity (sim) could be computed between the video face and the "
     "card photo, typically because one of the two faces was unusable. It is not a 'different person' "
     "result; a new card photo and video usually fix it."),
    ("-4011", U, "selfie_file",
     "", "", "照片解码失败",
     "The uploaded photo could not be decoded (corrupt file or unsupported format). The user should "
     "upload or take the picture again."),
    ("-4012", U, "face_not_found",
     "", "", "照片人脸检测失败",
     "No face was detected in the uploaded photo."),
    ("-4015", U, "face_not_found",
     "Facial detection of selfie failed", "自拍照人脸检测失败", "自拍照人脸检测失败",
     "No face was detected in the selfie / video frames: face out of frame, too dark, or covered."),
    ("-4016", U, "selfie_file",
     "Selfie decoding failed", "自拍照解码失败", "自拍照解码失败",
     "The selfie image could not be decoded (corrupt or unsupported file)."),
    ("-4017", U, "card_no_face",
     "Facial detection of card image failed", "Card 照片人脸检测失败", "Card 照片人脸检测失败",
     "No face was found on the card photo: wrong side of the card, glare over the portrait, or the "
     "card too small in the picture."),
    ("-4018", U, "card_retake",
     "Card image decoding failed", "Card 照片解码失败", "Card 照片解码失败",
     "The card photo could not be decoded (corrupt or unsupported file)."),
    ("-5001", U, "video_file",
     "Invalid video", "视频无效", "视频无效，上传文件不符合视频要求",
     "The uploaded file is not a video the vendor accepts (corrupt, unsupported container or codec). "
     "A fresh recording normally fixes it; if it happens for many users, check the portal's video "
     "transcoding."),
    ("-5002", U, "lips",
     "Lip reading failed", "唇语失败", "唇语失败",
     "The lip-reading step failed: the mouth movements could not be matched to the requested digits "
     "(mouth hidden, face turned, poor light, or the digits not read)."),
    ("-5005", U, "video_retake",
     "Insufficient parsing for selfie",
     "自拍照解析照片不足", "自拍照解析照片不足，视频里检测到的人脸较少",
     "Too few video frames contained a usable face (seed 004), so no reliable selfie could be taken "
     "from the video. Usually the face was out of frame for much of the recording or the light was "
     "poor."),
    ("-5007", U, "no_sound",
     "No sound in the video", "视频没有声音", "视频没有声音",
     "The video has no audio track or only silence: the microphone was blocked or muted. The digits "
     "cannot be checked without sound."),
    ("-5008", U, "digits",
     "Voice recognition failed", "声音识别失败", "语音识别失败，视频里的人读错数字",
     "Speech recognition did not hear the requested digits: per seed 004 the person read the wrong "
     "digits (or too unclearly to be recognised). A retake reading slowly usually fixes it; many "
     "failures in a row with a fluent voice may deserve a look at the video."),
    ("-5009", U, "face_visible",
     "Facial detection of video failed. No mouth or face",
     "视频人脸检测失败,没有嘴或者脸", "视频人脸检测失败，没有嘴或者脸",
     "No face, or no visible mouth, was found in the video: face out of frame or mouth covered."),
    ("-5010", U, "lips",
     "Failed to capture lip movements", "唇动失败", "唇动检测失败，视频里的人嘴巴未张开或者张开幅度小",
     "Lip movement was not detected: per seed 004 the person did not open the mouth, or opened it "
     "too little, while reading."),
    ("-5011", F, "review",
     "Liveness detection failed (all other errors relating to liveness detection are classified into this type of error)",
     "活体检测失败(活体其他错误都归类到里面)", "活体检测失败(活体其他错误都归类到里面)",
     "The catch-all liveness failure: the vendor judged the video not to show a live person but gave no "
     "specific reason. It can be a spoof (replayed or edited video) or simply a very poor recording, "
     "so a reviewer should watch the video before asking for a retake or rejecting."),
    ("-5012", U, "quiet_place",
     "Too much noise in the video", "视频中噪声太大", "视频中噪声太大",
     "Background noise drowned the voice, so the digits could not be recognised."),
    ("-5013", U, "speak_louder",
     "The sound in the video is too low", "视频里的声音太小", "视频里的声音太小",
     "The voice was too quiet to recognise the digits (whispering, microphone far away or covered)."),
    ("-5014", C, "operator",
     "Invalid level parameter in liveness detection",
     "活体检测 level 参数无效", "活体检测 level 参数无效",
     "The liveness 'level' parameter sent by the portal is invalid: a configuration problem."),
    ("-5015", U, "video_resolution",
     "Video resolution is too low. The minimum resolution is 320*480",
     "视频像素太低,最小320 * 480", "视频像素太低，最小 270 * 480",
     "The video's resolution is below the vendor's minimum. The seeds disagree on that minimum: seeds "
     "000 and 002 say 320x480, seed 004 says 270x480. Usually an old or low-end camera; if it happens "
     "often, check the capture page's recording resolution."),
    ("-5016", F, "review",
     "", "", "视频里的人不是活体（翻拍等攻击）",
     "The vendor judged that the person in the video is not live: a replay attack such as filming a "
     "screen or a printed photo (seed 004). Treat as possible fraud; a reviewer should compare the "
     "video with the card photo before deciding."),
    ("-5801", C, "operator",
     "ID card number or name is missing in the request",
     "请求缺少身份证号码或身份证姓名", "请求缺少身份证号码或身份证姓名",
     "The ID-card lookup was called without the ID number or name: an integration bug."),
    ("-5802", T, "retry_later",
     "Service is unavailable due to server internal error",
     "服务器内部错误,服务暂时不可用", "服务器内部错误，服务暂时不可用",
     "The vendor's ID-card lookup service was temporarily unavailable. Retried automatically."),
    ("-5803", U, "id_details",
     "ID card number is inconsistent with name",
     "身份证姓名与身份证号码不一致", "身份证姓名与身份证号码不一致",
     "The authority database says the name does not belong to that ID number. Most often a typo; if the "
     "user insists the details are correct, or it repeats with different names, review the case by hand."),
    ("-5804", U, "id_details",
     "Invalid ID card number",
     "身份证号码无效", "身份证号码无效（因户口变动，极少数正常用户也会返回这个结果，此类用户无法使用本服务）",
     "The ID number is not valid in the authority database. Per seed 004, a very small number of "
     "genuine people get this after a change of household registration and can never pass this "
     "lookup: if the user insists the number is right, verify them manually instead."),
    ("-5805", C, "operator",
     "No image or failed to download the image from URL",
     "用户未输入图像或者 url 下载失败", "用户未输入图像或者 url 下载失败",
     "The vendor got no image (or could not download the image URL). The portal sends image bytes, so "
     "this means the request was built wrongly: an integration problem."),
    ("-5806", U, "id_details",
     "Incorrect format of ID card number or name",
     "身份证号码或者身份证姓名格式错误", "",
     "The ID number or name is malformed (wrong length, invalid characters)."),
    ("-5807", T, "retry_later",
     "Invalid ID card information", "查询身份证信息错误", "",
     "The seeds disagree: seed 000 (English) says 'invalid ID card information', seed 002 (Chinese, "
     "the original) says the ID-card information query failed. Treated as a failed lookup and retried "
     "automatically; if it persists, ask the user to check the details."),
]

# English for codes that only seed 004 (Chinese) documents: our translation, marked as such.
YOUTU_EN_TRANSLATIONS: dict[str, str] = {
    "24": "No permission: the service has not been applied for (translated from seed 004)",
    "-4011": "Photo decoding failed (translated from seed 004)",
    "-4012": "Face detection on the photo failed (translated from seed 004)",
    "-5016": "The person in the video is not live (replay or similar attack) (translated from seed 004)",
}

_PUNCT = str.maketrans("，；（）：", ",;():")


def _same_wording(a: str, b: str) -> bool:
    """True when two seed texts differ only in punctuation width or spacing."""
    return re.sub(r"\s+", "", a.translate(_PUNCT)) == re.sub(r"\s+", "", b.translate(_PUNCT))


def _youtu_entries() -> list[CatalogueEntry]:
    out = []
    for code, cat, user, en000, zh002, zh004, reviewer in YOUTU_TABLE:
        sources = tuple(s for s, text in ((S000, en000), (S002, zh002), (S004, zh004)) if text)
        alt = ()
        if zh002 and zh004 and not _same_wording(zh002, zh004):
            alt = (f"{S002}: {zh002}",)
        en = en000 or YOUTU_EN_TRANSLATIONS[code]
        out.append(_entry("youtu", code, cat, user, en, zh004 or zh002, reviewer, sources, alt))
    return out


# =============================================================================================
# tencent_cloud: Tencent Cloud API 3.0 string codes
#
# Columns: code, category, user message, English wording, Chinese wording, sources, reviewer.
# Seed 001 (DetectLiveFace) is English only; its Chinese wording is Tencent's own (IAI docs /
# SDK). LivenessCompare answers its FailedOperation.* codes in the Result field (HTTP 200) and
# the rest as Response.Error.Code.
# =============================================================================================
_IAI_LIBRARY = (
    "A face-library (group / person) management error of the Face Recognition API, listed on the "
    "DetectLiveFace page. Liveness checks never manage groups or persons, so the person being "
    "checked cannot cause it: the portal called the wrong action or the vendor answered "
    "unexpectedly. Alert an operator."
)
_ACCOUNT = (
    "A Tencent Cloud account or billing problem (service not activated, in arrears, frozen or "
    "suspended). No check can succeed until an operator fixes the account in the console."
)
_CREDENTIALS = (
    "The TC3-HMAC-SHA256 request signature or the API key was rejected. This concerns the "
    "portal's SecretId/SecretKey, the signing code or the server clock, never the person."
)
_BAD_REQUEST = (
    "The portal sent a request the API does not accept (wrong or missing parameter, action, "
    "version or region). An integration or configuration bug; the user cannot fix it."
)
_SEED1 = (S001, IAI_ZH)

TENCENT_CLOUD_TABLE: list[tuple[str, Category, str, str, str, tuple[str, ...], str]] = [
    # --- seed 001: DetectLiveFace (iai.tencentcloudapi.com, 2020-03-03) ----------------------
    ("FailedOperation.ConflictOperation", T, "retry_later",
     "The operations conflict. Do not operate on the same person simultaneously.",
     "操作冲突，请勿同时操作相同的Person。", _SEED1,
     "Two concurrent operations touched the same face-library person. Not expected from a liveness "
     "check; a later retry resolves a genuine conflict."),
    ("FailedOperation.DuplicatedGroupDescription", C, "operator",
     "The custom description field must be unique in the group.",
     "同一人员库中自定义描述字段不可重复。", _SEED1, _IAI_LIBRARY),
    ("FailedOperation.FaceSizeTooSmall", U, "closer",
     "The face frame size is smaller than the MinFaceSize value, and the face is filtered out.",
     "人脸框大小小于MinFaceSize设置，人脸被过滤。", _SEED1,
     "A face was found but it is too small in the picture to be analysed."),
    ("FailedOperation.GroupInDeletedState", C, "operator",
     "The current group is being deleted. Please wait.",
     "当前组正处于删除状态，请等待。", _SEED1, _IAI_LIBRARY),
    ("FailedOperation.GroupPersonMapExist", C, "operator",
     "The ID of the corresponding person is already in the group.",
     "组中已包含对应的人员Id。", _SEED1, _IAI_LIBRARY),
    ("FailedOperation.GroupPersonMapNotExist", C, "operator",
     "The ID of the corresponding person is not in the group.",
     "组中不包含对应的人员Id。", _SEED1, _IAI_LIBRARY),
    ("IsLiveness.False", F, "review",
     "DetectLiveFace (FaceModelVersion 3.0) answered IsLiveness=false.", "活体检测未通过。",
     ("seed 001 (IsLiveness field)", "liveness/providers/tencent_iai.py"),
     "Tencent's 3.0 model judged the photo not to be of a live person (a photo of a photo or screen, "
     "a mask). Model 3.0 returns no score, only this verdict: look at the selfie."),
    ("FailedOperation.ImageDecodeFailed", U, "selfie_file",
     "Image decoding failed.", "图片解码失败。", _SEED1,
     "The image could not be decoded (corrupt, truncated, or a format other than PNG/JPG/BMP). A new "
     "photo fixes it; if many users hit it, check the portal's image normalisation."),
    ("FailedOperation.ImageDownloadError", T, "retry_later",
     "An error occurred while downloading the image.", "图片下载错误。", _SEED1,
     "The vendor could not download the image from the Url given. Only happens in Url mode; usually a "
     "network or storage hiccup, retried automatically. Persistent errors mean the URL is not "
     "reachable from Tencent Cloud (configuration)."),
    ("FailedOperation.ImageFacedetectFailed", U, "face_not_found",
     "Face detection failed.", "人脸检测失败。", _SEED1,
     "No face could be detected in the photo: face out of frame, too dark, covered, or not a selfie."),
    ("FailedOperation.ImageResolutionExceed", C, "operator",
     "The image resolution is too high.", "图片分辨率过大。", _SEED1,
     "The image exceeds the size limit (long side 4000 px for JPG, 2000 px for other formats). The "
     "portal should downscale before sending: check the normalisation limits."),
    ("FailedOperation.ImageResolutionTooSmall", U, "selfie_retake",
     "The image short edge resolution is smaller than 64.", "图片短边分辨率小于64。", _SEED1,
     "The photo is tiny (short side under 64 px), far too small to analyse. The user must take a real "
     "camera photo."),
    ("FailedOperation.ImageSizeExceed", C, "operator",
     "The size of the Base64-encoded image cannot exceed 5 MB.",
     "base64编码后的图片数据大小不超过5M。", _SEED1,
     "The Base64-encoded image is over 5 MB. The portal should compress before sending: check the "
     "media normalisation limits."),
    ("FailedOperation.RequestLimitExceeded", T, "retry_later",
     "The request frequency exceeds the limit.", "请求频率超过限制。", _SEED1 + (FACEID_ALL,),
     "The vendor's rate limit was hit. Retried automatically after a pause; frequent occurrences mean "
     "the account's QPS quota is too low."),
    ("FailedOperation.RequestTimeout", T, "retry_later",
     "The backend service timed out.", "后端服务超时。", _SEED1,
     "The vendor's backend timed out while processing. Retried automatically."),
    ("FailedOperation.SearchFacesExceed", C, "operator",
     "The number of faces searched for exceeds the limit.", "检索人脸个数超过限制。", _SEED1,
     _IAI_LIBRARY),
    ("FailedOperation.ServerError", T, "retry_later",
     "The algorithm service is exceptional. Please retry.", "算法服务异常，请重试。", _SEED1,
     "The vendor's algorithm service failed; the vendor itself says to retry. Retried automatically."),
    ("InternalError", T, "retry_later",
     "Internal error.", "内部错误。", _SEED1 + (FACEID_ALL, COMMON),
     "An internal error at the vendor. Nothing known to be wrong with the submission; retried "
     "automatically."),
    ("InvalidParameter.InvalidParameter", C, "operator",
     "Invalid parameter.", "参数不合法。", _SEED1, _BAD_REQUEST),
    ("InvalidParameterValue.AccountFaceNumExceed", C, "operator",
     "The number of faces in the account exceeds the limit.", "账号脸数量超出限制。", _SEED1,
     _IAI_LIBRARY),
    ("InvalidParameterValue.DeleteFaceNumExceed", C, "operator",
     "The number of faces to be deleted exceeds the limit. Every person must have at least one face image.",
     "删除人脸数量超出限制。每个人员至少需要包含一张人脸。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.FaceModelVersionIllegal", C, "operator",
     "The algorithm model version is invalid.", "算法模型版本不合法。", _SEED1,
     "FaceModelVersion must be \"2.0\" or \"3.0\"; the configured value was rejected. Fix the setting."),
    ("InvalidParameterValue.GroupExDescriptionsExceed", C, "operator",
     "The array length of the group's custom description fields exceeds the limit. Up to 5 fields can be created.",
     "人员库自定义描述字段数组长度超过限制。最多可以创建5个。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.GroupExDescriptionsNameIdentical", C, "operator",
     "The name of the group's custom description field must be unique.",
     "人员库自定义描述字段名称不可重复。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.GroupExDescriptionsNameIllegal", C, "operator",
     "The name of the group's custom description field contains invalid characters. It can contain only letters, -, _, and digits.",
     "人员库自定义描述字段名称包含非法字符。人员库自定义描述字段名称只支持中英文、-、_、数字。", _SEED1,
     _IAI_LIBRARY),
    ("InvalidParameterValue.GroupExDescriptionsNameTooLong", C, "operator",
     "The name of the group's custom description field exceeds the length limit.",
     "人员库自定义描述字段名称长度超出限制。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.GroupFaceNumExceed", C, "operator",
     "The number of faces in the group exceeds the limit.", "人员库人脸数量超出限制。", _SEED1,
     _IAI_LIBRARY),
    ("InvalidParameterValue.GroupIdAlreadyExist", C, "operator",
     "The group ID already exists. It must be unique.", "人员库ID已经存在。人员库ID不可重复。", _SEED1,
     _IAI_LIBRARY),
    ("InvalidParameterValue.GroupIdIllegal", C, "operator",
     "The group ID contains invalid characters. It can contain only letters, digits, and special symbols (-%@#&_).",
     "人员库ID包含非法字符。人员库ID只支持英文、数字、-%@#&_。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.GroupIdNotExist", C, "operator",
     "The group ID does not exist.", "人员库ID不存在。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.GroupIdTooLong", C, "operator",
     "The group ID exceeds the length limit.", "人员库ID超出长度限制。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.GroupIdsExceed", C, "operator",
     "The list of groups passed in exceeds the limit.", "传入的人员库列表超过限制。", _SEED1,
     _IAI_LIBRARY),
    ("InvalidParameterValue.GroupNameAlreadyExist", C, "operator",
     "The group name already exists. It must be unique.", "人员库名称已经存在。人员库名称不可重复。",
     _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.GroupNameIllegal", C, "operator",
     "The group name contains invalid characters. It can contain only letters, -, _, and digits.",
     "人员库名称包含非法字符。人员库名称只支持中英文、-、_、数字。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.GroupNameTooLong", C, "operator",
     "The group name exceeds the length limit.", "人员库名称超出长度限制。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.GroupNumExceed", C, "operator",
     "The number of groups exceeds the limit. If you need more, please contact us.",
     "人员库数量超出限制。如需增加，请联系我们。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.GroupNumPerPersonExceed", C, "operator",
     "The number of groups exceeds the limit. One person can be added to up to 100 groups.",
     "人员库数量超出限制。单个人员最多可被添加至100个人员库。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.GroupTagIllegal", C, "operator",
     "The group remarks field contains invalid characters. It can contain only letters, -, _, and digits.",
     "人员库备注包含非法字符。人员库备注只支持中英文、-、_、数字。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.GroupTagTooLong", C, "operator",
     "The group remarks field exceeds the length limit.", "人员库备注超出长度限制。", _SEED1,
     _IAI_LIBRARY),
    ("InvalidParameterValue.ImageEmpty", C, "operator",
     "Empty image.", "图片为空。", _SEED1,
     "The vendor received an empty image. Uploads are validated before any vendor call, so an empty "
     "image reaching the vendor is a portal bug (request building or media storage)."),
    ("InvalidParameterValue.LimitExceed", C, "operator",
     "The number of returned results exceeds the limit.", "返回数量超出限制。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.NoFaceInGroups", C, "operator",
     "There are no faces in the specified group.", "指定分组中没有人脸。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.NoFaceInPhoto", U, "face_not_found",
     "There are no faces in the image.", "图片中没有人脸。", _SEED1,
     "The photo contains no detectable face: face out of frame, too dark, or covered."),
    ("InvalidParameterValue.OffsetExceed", C, "operator",
     "The starting number is too large. Please check the length of the array to be requested.",
     "起始序号过大。请检查需要请求的数组长度。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.PersonExDescriptionInfosExceed", C, "operator",
     "The array length of the person's custom description fields exceeds the limit. Up to 5 fields are allowed.",
     "人员自定义描述字段数组长度超过限制。最多5个。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.PersonExDescriptionsNameIdentical", C, "operator",
     "The name of the person's custom description field must be unique.",
     "人员自定义描述字段名称不可重复。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.PersonExDescriptionsNameIllegal", C, "operator",
     "The name of the person's custom description field contains invalid characters. It can contain only letters, -, _, and digits.",
     "人员自定义描述字段名称包含非法字符。人员自定义描述字段名称只支持中英文、-、_、数字。", _SEED1,
     _IAI_LIBRARY),
    ("InvalidParameterValue.PersonExDescriptionsNameTooLong", C, "operator",
     "The name of the person's custom description field exceeds the length limit.",
     "人员自定义描述字段名称长度超出限制。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.PersonExistInGroup", C, "operator",
     "The ID of the corresponding person is already in the group.", "组中已包含对应的人员Id。", _SEED1,
     _IAI_LIBRARY),
    ("InvalidParameterValue.PersonFaceNumExceed", C, "operator",
     "The number of face images for the person exceeds the limit. One person can have up to 5 face images.",
     "人员人脸数量超出限制。单个人员最多可以包含五张人脸。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.PersonGenderIllegal", C, "operator",
     "An error occurred while setting person gender. 0: empty; 1: male; 2: female.",
     "人员性别设置出错。0代表未填写，1代表男性，2代表女性。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.PersonIdAlreadyExist", C, "operator",
     "The person ID already exists. It must be unique.", "人员ID已经存在。人员ID不可重复。", _SEED1,
     _IAI_LIBRARY),
    ("InvalidParameterValue.PersonIdIllegal", C, "operator",
     "The person ID contains invalid characters. It can contain only letters, digits, and -%@#&_.",
     "人员ID包含非法字符。人员ID只支持英文、数字、-%@#&_。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.PersonIdNotExist", C, "operator",
     "The person ID does not exist.", "人员ID不存在。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.PersonIdTooLong", C, "operator",
     "The person ID field exceeds the length limit.", "人员ID超出长度限制。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.PersonNameIllegal", C, "operator",
     "The person name contains invalid characters. It can contain only letters, -, _, and digits.",
     "人员名称包含非法字符。人员名称只支持中英文、-、_、数字。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.PersonNameTooLong", C, "operator",
     "The person name exceeds the length limit.", "人员名称超出长度限制。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.SearchPersonsExceed", C, "operator",
     "The number of persons searched for exceeds the limit.", "搜索的人员数目超过限制。", _SEED1,
     _IAI_LIBRARY),
    ("InvalidParameterValue.UploadFaceNumExceed", C, "operator",
     "Up to four faces can be uploaded at a time.", "一次最多上传四张人脸。", _SEED1, _IAI_LIBRARY),
    ("InvalidParameterValue.UrlIllegal", C, "operator",
     "Invalid URL format.", "URL格式不合法。", _SEED1,
     "The image Url sent by the portal is malformed: a configuration or integration bug."),
    ("LimitExceeded.ErrorFaceNumExceed", U, "one_person",
     "The number of faces exceeds the limit.", "人脸个数超过限制。", _SEED1,
     "The picture contains more faces than the API accepts: someone else is in the frame (or a face on "
     "a poster or screen behind the user)."),
    ("MissingParameter.ErrorParameterEmpty", C, "operator",
     "A required parameter is empty.", "必选参数为空。", _SEED1, _BAD_REQUEST),
    ("ResourceUnavailable.Delivering", C, "operator",
     "The resource is being shipped.", "资源正在发货中。", _SEED1,
     "The service or resource package is still being provisioned for the account. " + _ACCOUNT),
    ("ResourceUnavailable.Freeze", C, "operator",
     "The account is frozen.", "账号已被冻结。", _SEED1, _ACCOUNT),
    ("ResourceUnavailable.InArrears", C, "operator",
     "The account is in arrears.", "账号已欠费。", _SEED1, _ACCOUNT),
    ("ResourceUnavailable.NotExist", C, "operator",
     "The billing status is unknown. Please check whether the service has been activated in the console.",
     "计费状态未知，请确认是否已在控制台开通服务。", _SEED1, _ACCOUNT),
    ("ResourceUnavailable.Recover", C, "operator",
     "The resource has been repossessed.", "资源已被回收。", _SEED1, _ACCOUNT),
    ("ResourceUnavailable.StopUsing", C, "operator",
     "The service has been suspended for the account.", "账号已停服。", _SEED1, _ACCOUNT),
    ("ResourceUnavailable.UnknownStatus", C, "operator",
     "The billing status is unknown.", "计费状态未知。", _SEED1, _ACCOUNT),
    ("ResourcesSoldOut.ChargeStatusException", C, "operator",
     "The billing status is exceptional.", "计费状态异常。", _SEED1, _ACCOUNT),
    ("UnsupportedOperation.UnknowMethod", C, "operator",
     "Unknown method name.", "未知方法名。", _SEED1, _BAD_REQUEST),

    # --- FaceID LivenessCompare (faceid.tencentcloudapi.com, 2018-03-01): Result strings -----
    ("FailedOperation.ActionCloseEye", U, "action",
     "No motions of eye closing are detected.", "未检测到闭眼动作。", (FACEID,),
     "Action mode only: the requested blink was not seen."),
    ("FailedOperation.ActionFaceClose", U, "centre_face",
     "The face is too close to the screen.", "脸离屏幕太近。", (FACEID,),
     "The face was too close to the camera (partly out of frame)."),
    ("FailedOperation.ActionFaceFar", U, "centre_face",
     "The face is too far from the screen.", "脸离屏幕太远。", (FACEID,),
     "The face was too far from the camera to be analysed."),
    ("FailedOperation.ActionFaceLeft", U, "centre_face",
     "The face is too far left from the screen.", "脸离屏幕太左。", (FACEID,),
     "The face was off-centre to the left, partly out of frame."),
    ("FailedOperation.ActionFaceRight", U, "centre_face",
     "The face is too far right from the screen.", "脸离屏幕太右。", (FACEID,),
     "The face was off-centre to the right, partly out of frame."),
    ("FailedOperation.ActionFirstAction", U, "action",
     "No movement is detected.", "未检测到动作配合。", (FACEID,),
     "The person did not perform the requested action (action mode), or performed it out of view."),
    ("FailedOperation.ActionLightDark", U, "light_dark",
     "The lighting is too dim.", "光线太暗。", (FACEID,),
     "The video is too dark to analyse."),
    ("FailedOperation.ActionLightStrong", U, "light_strong",
     "The lighting is too strong.", "光线太强。", (FACEID,),
     "The video is overexposed (strong sun or lamp)."),
    ("FailedOperation.ActionNodetectFace", U, "face_not_found",
     "Failed to detect a full face.", "未能检测到完整人脸。", (FACEID,),
     "No complete face was visible in the video."),
    ("FailedOperation.ActionOpenMouth", U, "action",
     "No motions of mouth opening are detected.", "未检测到张嘴动作。", (FACEID,),
     "Action mode only: the requested mouth opening was not seen."),
    ("FailedOperation.CompareFail", U, "compare_retake",
     "Comparison failed.", "比对失败。", (FACEID,),
     "The face comparison between the video and the reference (card) photo could not be carried out, "
     "usually because one of the faces was unusable. Unlike CompareLowSimilarity it is not a "
     "'different person' verdict."),
    ("FailedOperation.CompareLowSimilarity", F, "review",
     "The comparison similarity did not reach the passing standard.", "比对相似度未达到通过标准。",
     (FACEID,),
     "Liveness passed but the face in the video is not similar enough to the reference (card) photo: "
     "possibly a different person. Compare the best frame with the card photo by eye before deciding; "
     "an old or poor card photo can also cause it."),
    ("FailedOperation.CompareSystemError", T, "retry_later",
     "Error calling the comparison engine API.", "调用比对引擎接口出错。", (FACEID,),
     "The vendor's comparison engine failed internally. Retried automatically."),
    ("FailedOperation.DownLoadError", T, "retry_later",
     "File download failed.", "文件下载失败。", (FACEID,),
     "The vendor could not download a media URL. Retried automatically; persistent failures mean the "
     "URL is unreachable from Tencent Cloud (configuration)."),
    ("FailedOperation.DownLoadTimeoutError", T, "retry_later",
     "File download timed out.", "文件下载超时。", (FACEID,),
     "Downloading a media URL timed out at the vendor. Retried automatically."),
    ("FailedOperation.LifePhotoDetectFaces", U, "card_retake",
     "Multiple faces are detected.", "检测到多张人脸。", (FACEID,),
     "The reference photo (the card photo sent as ImageBase64) shows more than one face."),
    ("FailedOperation.LifePhotoDetectFake", F, "review",
     "Real person comparison failed.", "实人比对没通过。", (FACEID,),
     "The vendor's real-person comparison rejected the submission. The vendor gives no detail; treat "
     "as possible fraud and review the video and the card photo."),
    ("FailedOperation.LifePhotoDetectNoFaces", U, "card_no_face",
     "Failed to detect a full face.", "未能检测到完整人脸。", (FACEID,),
     "No complete face was found in the reference (card) photo."),
    ("FailedOperation.LifePhotoPoorQuality", U, "card_retake",
     "The resolution of the image passed in is too low. Please upload a new one.",
     "传入图片分辨率太低，请重新上传。", (FACEID,),
     "The reference (card) photo's resolution is too low."),
    ("FailedOperation.LifePhotoSizeError", U, "card_retake",
     "The image passed in is too large or too small.", "传入图片过大或过小。", (FACEID,),
     "The reference (card) photo is outside the accepted size range (at most 3 MB after Base64 "
     "encoding). If the photo was large, check the portal's image normalisation."),
    ("FailedOperation.LipFaceIncomplete", U, "face_visible",
     "The face is not fully exposed.", "脸部未完整露出。", (FACEID,),
     "Part of the face (often the mouth or chin) was outside the frame or covered while reading."),
    ("FailedOperation.LipMoveSmall", U, "lips",
     "The lip movement range is too small.", "嘴唇动作幅度过小。", (FACEID,),
     "The lips barely moved while the digits were read: mumbling, or audio not matching the face."),
    ("FailedOperation.LipNetFailed", T, "retry_later",
     "Failed to pull the video. Please try again.", "视频拉取失败，请重试。", (FACEID,),
     "The vendor could not fetch the video; it asks for a retry. Retried automatically."),
    ("FailedOperation.LipSizeError", U, "video_short",
     "The video is empty or its size is inappropriate. The recording duration should be about 6 seconds.",
     "视频为空，或大小不合适，请控制录制时长在6s左右。", (FACEID,),
     "The video is empty or its length/size is outside what the vendor accepts (about 6 s is "
     "expected)."),
    ("FailedOperation.LipVideoInvalid", U, "video_file",
     "The video format is incorrect.", "视频格式有误。", (FACEID,),
     "The video is not in an accepted format (MP4, AVI, FLV). If it happens for many users, check the "
     "portal's transcoding."),
    ("FailedOperation.LipVideoQuaility", U, "video_resolution",
     "The video definition is too low.", "视频像素太低。", (FACEID,),
     "The video resolution is too low to analyse."),
    ("FailedOperation.LipVoiceDetect", U, "no_sound",
     "No sound is detected.", "未检测到声音。", (FACEID,),
     "The video has no audible voice: microphone blocked or muted."),
    ("FailedOperation.LipVoiceLow", U, "speak_louder",
     "The volume of the video is too low.", "视频声音太小。", (FACEID,),
     "The voice is too quiet to recognise the digits."),
    ("FailedOperation.LipVoiceRecognize", U, "digits",
     "Speech recognition failed.", "声音识别失败。", (FACEID,),
     "The digits heard did not match the ones requested (wrong digits or unclear speech)."),
    ("FailedOperation.LivessBestFrameError", U, "video_retake",
     "Face detection failed. Unable to extract the photo for comparison.",
     "人脸检测失败，无法提取比对照。", (FACEID,),
     "No frame of the video had a face good enough to compare with the card photo."),
    ("FailedOperation.LivessDetectFail", F, "review",
     "Liveness detection failed.", "活体检测没通过。", (FACEID,),
     "The vendor judged the video not to show a live person, without a more specific reason. Could be "
     "a spoof or a very poor recording: a reviewer should watch it."),
    ("FailedOperation.LivessDetectFake", F, "review",
     "Suspected spoofed recording.", "疑似非真人录制。", (FACEID,),
     "The vendor suspects the video was not recorded from a real person (replayed screen, mask, "
     "edited video). Possible fraud: review."),
    ("FailedOperation.LivessSystemError", T, "retry_later",
     "Error calling the liveness engine API.", "调用活体引擎接口出错。", (FACEID,),
     "The vendor's liveness engine failed internally. Retried automatically."),
    ("FailedOperation.LivessUnknownError", F, "review",
     "Video-based real person detection failed.", "视频实人检测没通过。", (FACEID,),
     "The video did not pass real-person detection and the vendor gives no reason. Review the video."),
    ("FailedOperation.SilentDetectFail", F, "review",
     "Real person detection failed.", "实人检测失败。", (FACEID,),
     "Silent liveness rejected the video without a specific reason. Review the video."),
    ("FailedOperation.SilentEyeLiveFail", U, "eyes_open",
     "Eye detection failed.", "眼睛检测失败。", (FACEID,),
     "The eyes could not be analysed (closed, covered by tinted glasses, or glare)."),
    ("FailedOperation.SilentFaceDetectFail", U, "face_not_found",
     "No face is detected in the video.", "视频未检测到人脸。", (FACEID,),
     "No face was found in the video."),
    ("FailedOperation.SilentFaceQualityFail", U, "video_retake",
     "Low face quality.", "视频中人脸质量低。", (FACEID,),
     "The face in the video is too blurred, dark or small to analyse."),
    ("FailedOperation.SilentFaceWithMaskFail", U, "uncover_face",
     "A face mask is detected.", "检测到带口罩。", (FACEID,),
     "The person wore a face mask."),
    ("FailedOperation.SilentMouthLiveFail", U, "face_visible",
     "Mouth detection failed.", "嘴巴检测失败。", (FACEID,),
     "The mouth could not be analysed (covered, out of frame)."),
    ("FailedOperation.SilentMultiFaceFail", U, "one_person",
     "Multiple faces are detected in the video.", "视频检测中有多个人脸。", (FACEID,),
     "More than one face appeared in the video."),
    ("FailedOperation.SilentPictureLiveFail", F, "review",
     "The video might be spoofed.", "疑似翻拍。", (FACEID,),
     "The vendor suspects a recapture: the video was filmed from a screen or a photo. Possible fraud."),
    ("FailedOperation.SilentThreshold", F, "review",
     "Real person detection did not reach the passing standard.", "实人检测未达到通过标准。", (FACEID,),
     "The liveness score was below the vendor's pass mark. Often a spoof, sometimes just a poor "
     "recording: review the video before asking for a retake."),
    ("FailedOperation.SilentTooShort", U, "video_short",
     "The video recording is too short; record a video longer than 2 seconds (translated).",
     "视频录制时间过短，请录制2秒以上的视频。", (FACEID,),
     "The video is shorter than 2 seconds."),
    ("FailedOperation.UnKnown", T, "retry_later",
     "Unknown internal error.", "内部未知错误。", (FACEID,),
     "An unspecified internal error at the vendor. Retried automatically."),
    ("FailedOperation.VideoDecodeFailed", U, "video_file",
     "Video decoding error (translated).", "视频解码异常", (FACEID_ALL,),
     "The vendor could not decode the video (corrupt or unusual codec)."),
    ("FailedOperation.VideoDurationExceeded", U, "video_long",
     "The video is too long; this API supports videos of at most 20 s (translated).",
     "视频时长过长，当前接口最大支持的视频时长为20s。", (FACEID_ALL,),
     "The video is longer than the vendor accepts (20 s)."),
    ("FailedOperation.CompressVideoError", T, "retry_later",
     "The video compression failed. Please try again or reduce the size of the input video.",
     "", (FACEID_ALL,),
     "The vendor failed to compress the video. Retried automatically; if it persists, the portal "
     "should send smaller videos."),
    ("FailedOperation.CompareLibServiceUnavailable", T, "retry_later",
     "The comparison library source is under maintenance and temporarily unavailable (translated).",
     "比对库源维护中，暂时不可用", (FACEID_ALL,),
     "The authority database the vendor compares against is in maintenance. Retried automatically."),
    ("FailedOperation.IdPhotoSystemNoanswer", T, "retry_later",
     "The self-built library or the certification centre failed to return a photo; try again later (translated).",
     "客户库自建库或认证中心返照失败，请稍后再试。", (FACEID_ALL,),
     "The ID-photo source did not answer. Retried automatically."),
    ("FailedOperation.DbError", T, "retry_later",
     "Database error (translated).", "数据库异常。", (FACEID_ALL,),
     "A database error at the vendor. Retried automatically."),
    ("FailedOperation.FileSaveError", T, "retry_later",
     "Failed to store the file; try again later (translated).", "文件存储失败，请稍后重试。", (FACEID_ALL,),
     "The vendor could not store the uploaded media. Retried automatically."),
    ("UnauthorizedOperation.Arrears", C, "operator",
     "The account has overdue payments.", "账号已欠费。", (FACEID,), _ACCOUNT),
    ("UnauthorizedOperation.NonAuthorize", C, "operator",
     "Identity verification has not been completed for the account.", "账号未实名。", (FACEID,),
     "The Tencent Cloud account has not completed real-name verification. " + _ACCOUNT),
    ("UnauthorizedOperation.Nonactivated", C, "operator",
     "The service has not been activated.", "未开通服务。", (FACEID,), _ACCOUNT),

    # --- Tencent Cloud API 3.0 common error codes (every product) ----------------------------
    ("ActionOffline", C, "operator",
     "This API has been deprecated.", "接口已下线。", (COMMON,),
     "The vendor has taken this API action offline. The portal must switch to the successor API."),
    ("AuthFailure.InvalidAuthorization", C, "operator",
     "Authorization in the request header is invalid.", "请求头部的 Authorization 不符合腾讯云标准。",
     (FACEID, COMMON), _CREDENTIALS),
    ("AuthFailure.InvalidSecretId", C, "operator",
     "Invalid key (not a TencentCloud API key type).", "密钥非法（不是云 API 密钥类型）。", (COMMON,),
     _CREDENTIALS),
    ("AuthFailure.MFAFailure", C, "operator",
     "MFA failed.", "MFA 错误。", (COMMON,), _CREDENTIALS),
    ("AuthFailure.SecretIdNotFound", C, "operator",
     "Key does not exist. Check if the key has been deleted or disabled in the console.",
     "密钥不存在。请在控制台检查密钥是否已被删除或者禁用。", (COMMON,), _CREDENTIALS),
    ("AuthFailure.SignatureExpire", C, "operator",
     "Signature expired. Timestamp and server time cannot differ by more than five minutes.",
     "签名过期。Timestamp 和服务器时间相差不得超过五分钟。", (COMMON,),
     "The request timestamp is more than five minutes away from Tencent's clock: the portal server's "
     "clock is wrong (check NTP). " + _CREDENTIALS),
    ("AuthFailure.SignatureFailure", C, "operator",
     "Invalid signature. Signature calculation error.", "签名错误。签名计算错误。", (COMMON,),
     _CREDENTIALS),
    ("AuthFailure.TokenFailure", C, "operator",
     "Token error.", "token 错误。", (COMMON,),
     "The temporary security token is invalid or expired. " + _CREDENTIALS),
    ("AuthFailure.UnauthorizedOperation", C, "operator",
     "The request is not authorized. For more information, see the CAM documentation.",
     "请求未授权。请参考 CAM 文档对鉴权的说明。", (COMMON,),
     "The API key's CAM policy does not allow this action. An operator must grant the permission."),
    ("FailedOperation", C, "operator",
     "Operation failed.", "操作失败。", (COMMON,),
     "A generic failure without a sub-code. The vendor's Message has the detail; an operator should "
     "read it."),
    ("InvalidAction", C, "operator",
     "The API does not exist.", "接口不存在。", (COMMON,), _BAD_REQUEST),
    ("InvalidParameter", C, "operator",
     "Invalid parameter.", "参数错误（包括参数格式、类型等错误）。", (FACEID, COMMON), _BAD_REQUEST),
    ("InvalidParameterValue", C, "operator",
     "Incorrect parameter value.", "参数取值错误。", (FACEID, COMMON), _BAD_REQUEST),
    ("InvalidRequest", C, "operator",
     "The multipart format of the request body is incorrect.", "请求 body 的 multipart 格式错误。",
     (COMMON,), _BAD_REQUEST),
    ("IpInBlacklist", C, "operator",
     "The IP address is in the blocklist.", "IP地址在黑名单中。", (COMMON,),
     "The portal's outgoing IP address is blocked for this account. An operator must fix the IP "
     "lists."),
    ("IpNotInWhitelist", C, "operator",
     "The IP address is not in the allowlist.", "IP地址不在白名单中。", (COMMON,),
     "The portal's outgoing IP address is not on the account's allowlist. An operator must add it."),
    ("LimitExceeded", C, "operator",
     "Quota limit exceeded.", "超过配额限制。", (COMMON, IAI_ZH),
     "An account quota (not the per-second rate) is exhausted. An operator must raise it or buy more "
     "resources."),
    ("MissingParameter", C, "operator",
     "A parameter is missing.", "缺少参数。", (COMMON,), _BAD_REQUEST),
    ("NoSuchProduct", C, "operator",
     "The product does not exist.", "产品不存在", (COMMON,), _BAD_REQUEST),
    ("NoSuchVersion", C, "operator",
     "The API version does not exist.", "接口版本不存在。", (COMMON,), _BAD_REQUEST),
    ("RequestLimitExceeded", T, "retry_later",
     "The number of requests exceeds the frequency limit.", "请求的次数超过了频率限制。",
     (COMMON, FACEID_ALL, SDK),
     "The per-second request limit was hit. Retried automatically after a pause; frequent occurrences "
     "mean the account's rate limit is too low for the traffic."),
    ("RequestLimitExceeded.GlobalRegionUinLimitExceeded", T, "retry_later",
     "The root account exceeded the frequency limit.", "主账号超过频率限制。", (COMMON, SDK),
     "The account-wide rate limit was hit (all regions). Retried automatically."),
    ("RequestLimitExceeded.IPLimitExceeded", T, "retry_later",
     "The IP exceeded the frequency limit.", "IP限频。", (COMMON,),
     "The rate limit for the portal's IP address was hit. Retried automatically."),
    ("RequestLimitExceeded.UinLimitExceeded", T, "retry_later",
     "The root account exceeded the frequency limit.", "主账号限频。", (COMMON, SDK),
     "The root account's rate limit was hit. Retried automatically."),
    ("RequestSizeLimitExceeded", C, "operator",
     "The request size exceeds the limit.", "请求包超过限制大小。", (COMMON,),
     "The request body was larger than the API accepts. The portal should compress the media more: "
     "check the normalisation limits."),
    ("ResourceInUse", T, "retry_later",
     "The resource is in use.", "资源被占用。", (COMMON,),
     "A resource was busy at the vendor. Retried automatically."),
    ("ResourceInsufficient", T, "retry_later",
     "Insufficient resources.", "资源不足。", (COMMON,),
     "The vendor ran short of resources for the moment. Retried automatically."),
    ("ResourceNotFound", C, "operator",
     "The resource does not exist.", "资源不存在。", (COMMON,), _BAD_REQUEST),
    ("ResourceUnavailable", C, "operator",
     "The resource is unavailable.", "资源不可用。", (COMMON,), _ACCOUNT),
    ("ResponseSizeLimitExceeded", C, "operator",
     "The response size exceeds the limit.", "返回包超过限制大小。", (COMMON,),
     "The answer would be too large (for example too many best frames requested). Lower the "
     "requested output in the configuration."),
    ("ServiceUnavailable", T, "retry_later",
     "The service is unavailable now.", "当前服务暂时不可用。", (COMMON,),
     "The vendor service is temporarily down. Retried automatically."),
    ("UnauthorizedOperation", C, "operator",
     "Unauthorized operation.", "未授权操作。", (FACEID, COMMON),
     "The account or key is not authorised for this action. An operator must check the service "
     "activation and CAM permissions."),
    ("UnknownParameter", C, "operator",
     "Unknown parameter.", "未知参数错误，用户多传未定义的参数会导致错误。", (COMMON,), _BAD_REQUEST),
    ("UnsupportedOperation", C, "operator",
     "Unsupported operation.", "操作不支持。", (FACEID, COMMON), _BAD_REQUEST),
    ("UnsupportedProtocol", C, "operator",
     "Unsupported HTTP(S) request method; only GET and POST are supported.",
     "http(s) 请求协议错误，只支持 GET 和 POST 请求。", (COMMON,), _BAD_REQUEST),
    ("UnsupportedRegion", C, "operator",
     "The API does not support the requested region.", "接口不支持所传地域。", (COMMON,),
     "The configured Region is not served by this API. Fix the region setting."),

    # --- exception codes of the official Python SDK (raised before/without a vendor answer) -----
    ("ClientNetworkError", T, "retry_later",
     "Network error while sending the request.", "", (SDK,),
     "The SDK could not reach the vendor (DNS, connection refused or reset, timeout). Retried "
     "automatically."),
    ("ServerNetworkError", T, "retry_later",
     "The server answered with a non-200 HTTP status.", "", (SDK,),
     "The vendor's gateway answered with an HTTP error instead of an API answer. Retried "
     "automatically; persistent errors mean an outage or a wrong endpoint."),
    ("ClientParamsError", C, "operator",
     "The SDK rejected the request parameters.", "", (SDK_PLAIN,),
     "The SDK refused to build the request (bad parameter types or values): a portal bug."),
    ("InvalidCredential", C, "operator",
     "The secret id or secret key is empty or contains spaces.", "", (SDK_PLAIN,),
     "The configured Tencent Cloud SecretId/SecretKey is missing or malformed. Fix the settings."),
]


# =============================================================================================
# senseid: SenseTime SenseID silent_image_verification (seed 003; English only)
#
# Columns: code, category, user message, vendor wording (en), sources, reviewer.
# The numeric codes' wording is "<field value>: <description>" as in the seed's table.
# =============================================================================================
SENSEID_TABLE: list[tuple[str, Category, str, str, tuple[str, ...], str]] = [
    ("1200", C, "operator",
     "invalid argument: Invalid input parameter", (S003,),
     "The request was rejected as invalid: missing or wrongly encrypted field, or a wrong body "
     "encoding. Check the AES key/IV and the body encoding settings. Not the user's doing."),
    ("2003", U, "card_retake",
     "invalid image size: The image size (height and width in pixel) does not meet the requirements",
     (S003,),
     "The photo compared with the video (normally the ID card photo) has pixel dimensions outside the "
     "accepted range. A new photo fixes it; if many users hit it, check the portal's resizing."),
    ("2004", U, "card_retake",
     "invalid content length: The image file size does not meet the requirements", (S003,),
     "The photo's file size is outside the accepted range (too small or too large)."),
    ("2005", U, "card_retake",
     "invalid image type or corrupted: The image type does not meet the requirements", (S003,),
     "The photo is in an unsupported format or corrupt."),
    ("4000", U, "card_no_face",
     "detection failed: Feature extraction failed, no face detected in the image", (S003,),
     "No face was found in the photo compared with the video (normally the ID card photo)."),
    ("4004", U, "card_retake",
     "face occlusion: The face is detected, but the eyes, nose, or mouth are partially occluded",
     (S003,),
     "Only with check_quality: the face in the photo is partly covered (glare, a finger, a sticker on "
     "the card)."),
    ("4007", F, "review",
     "liveness silent check failed: Silent liveness detection failed", (S003,),
     "Silent liveness rejected the video. liveness_status (when return_status is on) tells why: "
     "'hack' = spoof, 'short_time' = video under 2 s. Without it, treat as possible fraud and watch "
     "the video."),
    ("hack", F, "review",
     "Silent liveness detection failed, reason: face spoofing (for example, photos taken by the mobile phone)",
     (S003,),
     "SenseID detected face spoofing, e.g. a photo or screen filmed with a phone. Possible fraud: "
     "review the video and the card photo."),
    ("short_time", U, "video_short",
     "Silent liveness detection failed, reason: video time less than 2s", (S003,),
     "The video was shorter than 2 seconds, too short for silent liveness."),
    # HTTP statuses as documented by seed 003 for this API
    ("400", C, "operator",
     "BAD_REQUEST", (S003,),
     "SenseID rejected the HTTP request as malformed: check the body encoding setting (multipart vs "
     "JSON) and the field names."),
    ("404", C, "operator",
     "NOT_FOUND", (S003,),
     "The configured SenseID base URL or path is wrong."),
    ("411", C, "operator",
     "LENGTH_REQUIRED", (S003,),
     "The request had no Content-Length (chunked upload). A client bug: send a sized body."),
    ("413", C, "operator",
     "PAYLOAD_TOO_LARGE", (S003,),
     "The request body exceeded the deployment's size limit. Compress media more or raise the "
     "server's limit."),
    ("500", T, "retry_later",
     "INTERNAL_ERROR", (S003,),
     "The SenseID deployment failed internally. Retried automatically; persistent errors mean the "
     "customer's deployment is down."),
]


# =============================================================================================
# http: transport problems common to every vendor (no vendor wording; ours)
# =============================================================================================
HTTP_TABLE: list[tuple[str, Category, str, str, str]] = [
    ("timeout", T, "retry_later", "The vendor did not answer within the configured timeout.",
     "The call timed out. The vendor may still have processed (and billed) it. Retried "
     "automatically."),
    ("connection", T, "retry_later", "Could not connect to the vendor (DNS, refused, reset).",
     "No connection to the vendor could be made or it dropped mid-request. Retried automatically; "
     "persistent failures mean an outage or a wrong host setting."),
    ("tls", C, "operator", "TLS handshake or certificate verification failed.",
     "The vendor's certificate could not be verified, or TLS failed. Check the endpoint, the CA "
     "bundle and any intercepting proxy; retrying does not help."),
    ("malformed", T, "retry_later", "The answer was not in the vendor's documented format.",
     "The body was not the expected JSON (often a proxy or gateway error page). Retried "
     "automatically; if it persists the endpoint setting probably points at the wrong service."),
    ("400", C, "operator", "400 Bad Request", "The vendor rejected the request as malformed: an "
     "integration or configuration problem."),
    ("401", C, "operator", "401 Unauthorized", "Credentials were missing or rejected. Check the "
     "configured keys."),
    ("403", C, "operator", "403 Forbidden", "The account or key may not use this endpoint, or the "
     "portal's IP is blocked."),
    ("404", C, "operator", "404 Not Found", "Wrong endpoint URL or path in the configuration."),
    ("405", C, "operator", "405 Method Not Allowed", "Wrong HTTP method for this endpoint: a client "
     "bug."),
    ("408", T, "retry_later", "408 Request Timeout", "The vendor timed out waiting for the request "
     "body (slow upload). Retried automatically."),
    ("411", C, "operator", "411 Length Required", "The request had no Content-Length: a client bug."),
    ("413", C, "operator", "413 Payload Too Large", "The request was larger than the vendor accepts. "
     "The portal's media limits must be lowered."),
    ("415", C, "operator", "415 Unsupported Media Type", "Wrong Content-Type for this endpoint: a "
     "client bug."),
    ("429", T, "retry_later", "429 Too Many Requests", "Rate limited at HTTP level. Retried "
     "automatically after a pause."),
    ("500", T, "retry_later", "500 Internal Server Error", "The vendor failed internally. Retried "
     "automatically."),
    ("501", C, "operator", "501 Not Implemented", "The vendor does not implement this request: wrong "
     "endpoint or method."),
    ("502", T, "retry_later", "502 Bad Gateway", "A gateway in front of the vendor got no valid "
     "answer. Retried automatically."),
    ("503", T, "retry_later", "503 Service Unavailable", "The vendor is overloaded or in "
     "maintenance. Retried automatically."),
    ("504", T, "retry_later", "504 Gateway Timeout", "A gateway in front of the vendor timed out. "
     "Retried automatically."),
]


# =============================================================================================
# local: the embedded engine (liveness/engine/codes.py). Wording in both languages is ours.
# =============================================================================================
LOCAL_TABLE: list[tuple[str, Category, str, str, str, str]] = [
    ("LOCAL_UNDECODABLE_IMAGE", U, "selfie_file",
     "The image could not be decoded.", "图片无法解码。",
     "The uploaded image could not be read (corrupt or unsupported). Not a liveness judgement."),
    ("LOCAL_UNDECODABLE_VIDEO", U, "video_file",
     "The video could not be decoded.", "视频无法解码。",
     "The uploaded video could not be read (corrupt, unsupported codec, or cut short). Not a "
     "liveness judgement; if many users hit it, check the video decoder."),
    ("LOCAL_NO_FACE", U, "face_not_found",
     "No face was found.", "未检测到人脸。",
     "The face detector found no face in the image or video frames."),
    ("LOCAL_MULTIPLE_FACES", U, "one_person",
     "More than one face was found.", "检测到多张人脸。",
     "Several faces were found, so the engine cannot tell whose liveness to judge."),
    ("LOCAL_FACE_TOO_SMALL", U, "closer",
     "The face is too small.", "人脸太小。",
     "The face occupies too few pixels for reliable analysis; the camera was too far."),
    ("LOCAL_POSE", U, "pose",
     "The head is turned or tilted too far.", "头部偏转或倾斜过大。",
     "The face was not frontal enough (head turned, tilted up or down)."),
    ("LOCAL_BLURRY", U, "blurry",
     "The image is blurred.", "图像模糊。",
     "The face region is too blurred (motion or focus)."),
    ("LOCAL_EXPOSURE", U, "light",
     "The face is under- or overexposed.", "人脸曝光不足或过度。",
     "The face is too dark or too bright (backlight, strong lamp)."),
    ("LOCAL_ASPECT", U, "upright",
     "The image shape is far from portrait 3:4.", "图片宽高比与 3:4 竖幅相差过大。",
     "The picture is far from the 3:4 portrait shape the scoring expects (e.g. landscape), so the "
     "score would be meaningless."),
    ("LOCAL_SCREEN_REPLAY", F, "review",
     "Signs of a screen replay were found.", "发现屏幕翻拍的迹象。",
     "The engine saw cues of a screen being filmed (moire patterns, pixel grid, screen glare). "
     "Possible presentation attack: review the media."),
    ("LOCAL_PRINT_ATTACK", F, "review",
     "Signs of a printed photo were found.", "发现打印照片的迹象。",
     "The engine saw cues of a printed photo (paper texture, flat colours, no depth). Possible "
     "presentation attack: review the media."),
    ("LOCAL_FRAME_BORDER", F, "review",
     "A frame or border was found around the face.", "人脸周围发现边框。",
     "A rectangular border (phone, tablet or photo edge) surrounds the face: typical of a device or "
     "photo held in front of the camera. Review the media."),
    ("LOCAL_VIDEO_TOO_SHORT", U, "video_short",
     "The video is too short.", "视频太短。",
     "The video is too short to contain all the digits and enough frames for analysis."),
    ("LOCAL_VIDEO_RESOLUTION_TOO_LOW", U, "video_resolution",
     "The video resolution is too low.", "视频分辨率太低。",
     "The video's resolution is below the engine's minimum."),
    ("LOCAL_NO_AUDIO", U, "no_sound",
     "The video has no audio.", "视频没有声音。",
     "There is no audio track or only silence, so the digits cannot be checked."),
    ("LOCAL_AUDIO_TOO_QUIET", U, "speak_louder",
     "The voice is too quiet.", "声音太小。",
     "The voice level is too low to recognise the digits."),
    ("LOCAL_WRONG_DIGITS", U, "digits",
     "The digits heard do not match the challenge.", "识别出的数字与要求不符。",
     "Speech recognition heard digits other than the challenge (wrong digits, unclear speech or a "
     "stale challenge)."),
    ("LOCAL_NO_SPEECH", U, "quiet_place",
     "No speech was heard in the video.", "视频中没有听到说话声。",
     "The audio carries only noise or silence: the digits were not read aloud, or background noise "
     "covered the voice. A retake in a quieter place, reading the digits clearly, usually fixes it."),
    ("LOCAL_NO_LIP_MOVEMENT", U, "lips",
     "No lip movement was detected.", "未检测到嘴唇动作。",
     "The mouth barely moved while speech was heard. Usually mumbling; if the voice is clear but the "
     "lips never move, it may be a dubbed video, so look at it."),
    ("LOCAL_LIPS_OUT_OF_SYNC", U, "lips",
     "Lip movement does not match the speech.", "嘴唇动作与语音不同步。",
     "Lip motion and the speech are out of step. Often a slow device or reading off-camera; repeated "
     "on retakes it may indicate dubbed audio, so look at the video."),
    ("LOCAL_FACE_LOST", U, "video_steady",
     "The face left the frame during the video.", "录制过程中人脸离开画面。",
     "The face was not tracked through enough of the video."),
    ("LOCAL_FACE_CHANGED", F, "review",
     "The face changed during the video.", "视频中人脸发生变化。",
     "The tracked face does not look like the same person throughout the video: possible face "
     "swap or splice. Review the video."),
    ("LOCAL_CARD_NO_FACE", U, "card_no_face",
     "No face was found on the ID card photo.", "证件照片中未检测到人脸。",
     "The card photo contains no detectable portrait (wrong side, glare, too small)."),
    ("LOCAL_DIFFERENT_PERSON", F, "review",
     "The face does not match the ID card photo.", "人脸与证件照片不匹配。",
     "The face similarity to the card photo is below the threshold: possibly a different person. "
     "Compare the best frame with the card photo by eye; an old card photo can also cause it."),
]


# =============================================================================================
# internal: the portal's own pipeline (no vendor involved)
# =============================================================================================
PIPELINE = "liveness/services.py (the portal's pipeline)"
INTERNAL_TABLE: list[tuple[str, Category, str, str, str]] = [
    ("provider_crashed", C, "operator", "The provider module raised an unexpected error.",
     "A bug or library failure in the portal's provider code, not a vendor answer. The check was not "
     "retried (it would fail the same way); an operator should read the logs. Decide the case by hand "
     "or ask for a retake once fixed."),
    ("time_limit", T, "retry_later", "The check ran past the worker's time limit.",
     "The provider call took longer than CELERY_TASK_SOFT_TIME_LIMIT. Retried automatically; repeated "
     "time-outs mean the vendor or the local engine is overloaded."),
    ("database_unavailable", T, "retry_later", "The portal's database could not be read before the vendor call.",
     "The worker lost its database connection while loading the submission, before any request was sent "
     "to the vendor. Retried automatically on the fixed schedule; repeated failures mean PostgreSQL is "
     "down or refusing connections."),
    ("abandoned", T, "retry_later", "Every attempt was interrupted by a stopped worker.",
     "Workers died during each attempt (deploys, crashes, out of memory). The vendor may have been "
     "reached; see the attempt rows. Decide by hand or ask for a retake."),
]


def _build() -> dict[tuple[str, str], CatalogueEntry]:
    all_entries: list[CatalogueEntry] = list(_youtu_entries())
    for code, cat, user, en, zh, sources, reviewer in TENCENT_CLOUD_TABLE:
        all_entries.append(_entry("tencent_cloud", code, cat, user, en, zh, reviewer, sources))
    for code, cat, user, en, sources, reviewer in SENSEID_TABLE:
        all_entries.append(_entry("senseid", code, cat, user, en, "", reviewer, sources))
    for code, cat, user, en, reviewer in HTTP_TABLE:
        all_entries.append(_entry("http", code, cat, user, en, "", reviewer, (HTTP,)))
    for code, cat, user, en, reviewer in INTERNAL_TABLE:
        all_entries.append(_entry("internal", code, cat, user, en, "", reviewer, (PIPELINE,)))
    for code, cat, user, en, zh, reviewer in LOCAL_TABLE:
        all_entries.append(_entry("local", code, cat, user, en, zh, reviewer, (ENGINE,)))
    index: dict[tuple[str, str], CatalogueEntry] = {}
    for e in all_entries:
        key = (e.vendor, e.code)
        if key in index:  # a data error: fail at import, not silently
            raise ValueError(f"duplicate catalogue entry {key}")
        index[key] = e
    return index


_INDEX = _build()
_FOLDED = {(v, c.casefold()): e for (v, c), e in _INDEX.items()}


def _norm(vendor: str | None, code: str | int | None) -> tuple[str, str]:
    return (str(vendor or "").strip().lower(), "" if code is None else str(code).strip())


def _unknown(vendor: str, code: str) -> CatalogueEntry:
    user_en, user_zh = USER_MESSAGES["unknown"]
    return CatalogueEntry(
        vendor=vendor,
        code=code,
        vendor_message_en="",
        vendor_message_zh="",
        reviewer_explanation=(
            f"Code {code!r} of vendor {vendor!r} is not in the error catalogue, so its meaning is "
            "unknown. It is treated as a configuration problem (no automatic retry): check the "
            "vendor's message and raw answer, then add the code to liveness/providers/catalogue.py."
        ),
        user_message_en=user_en,
        user_message_zh=user_zh,
        category=Category.CONFIGURATION,
        retry=False,
        sources=(),
    )


def lookup(vendor: str, code: str | int) -> CatalogueEntry:
    """The entry for ``(vendor, code)``; never raises.

    ``code`` may be an int (``-5008``) or a string. Matching is exact, then case-insensitive.
    A Tencent Cloud sub-code not in the catalogue (``RequestLimitExceeded.Foo``) falls back to its
    documented parent (``RequestLimitExceeded``), keeping the asked code and saying so. Anything
    else unknown gives a synthetic CONFIGURATION entry with ``retry=False``.
    """
    v, c = _norm(vendor, code)
    entry = _INDEX.get((v, c)) or _FOLDED.get((v, c.casefold()))
    if entry is not None:
        return entry
    if v == "tencent_cloud" and "." in c:
        parent = _INDEX.get((v, c.rsplit(".", 1)[0]))
        if parent is not None:
            return dataclasses.replace(
                parent,
                code=c,
                reviewer_explanation=(
                    f"Code {c!r} is not in the catalogue; explained by its parent code "
                    f"{parent.code!r}: {parent.reviewer_explanation}"
                ),
                sources=parent.sources + (f"inferred from parent code {parent.code}",),
                alt_messages=(),
            )
    return _unknown(v, c)


def entries(vendor: str | None = None) -> list[CatalogueEntry]:
    """All entries in table order, or those of one vendor family (``[]`` for an unknown one)."""
    if vendor is None:
        return list(_INDEX.values())
    v = str(vendor).strip().lower()
    return [e for e in _INDEX.values() if e.vendor == v]


def is_transient(vendor: str, code: str | int) -> bool:
    """Whether the pipeline may retry this failure automatically."""
    return lookup(vendor, code).retry


def is_known(vendor: str, code: str | int) -> bool:
    """Whether ``(vendor, code)`` has its own entry (exact or case-insensitive match)."""
    v, c = _norm(vendor, code)
    return (v, c) in _INDEX or (v, c.casefold()) in _FOLDED


def is_success(vendor: str, code: str | int) -> bool:
    """Whether ``code`` is the vendor's "no error" value (``0``, ``1000``, ``ok``, ``Success``)."""
    v, c = _norm(vendor, code)
    return c in SUCCESS_CODES.get(v, frozenset())
