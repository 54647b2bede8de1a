"""YouTu legacy face API error table (seeds 000 = English, 002 and 004 = Chinese): vendor family ``youtu``.

The integer ``code`` of the envelope and ``live_status`` / ``compare_status`` of livedetectfour, as
strings. :data:`ERRORS` is the table and its transient rule (a code is retried exactly when its row is
``T``; an unknown code is permanent). The client (:mod:`.client`), the catalogue and the sandbox all
read it; see :mod:`liveness.vendors.errors`.
"""
from __future__ import annotations

import re

from ..errors import C, Category, F, T, U, ErrorTable, make_entry  # noqa: F401  (row shorthands)

S000, S002, S004 = "seed 000", "seed 002", "seed 004"


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


def _youtu_entries() -> list:
    out = []
    for code, cat, user, en000, zh002, zh004, reviewer in YOUTU_TABLE:
        sources = tuple(s for s, text in ((S000, en000), (S002, zh002), (S004, zh004)) if text)
        alt: tuple[str, ...] = ()
        if zh002 and zh004 and not _same_wording(zh002, zh004):
            alt = (f"{S002}: {zh002}",)
        en = en000 or YOUTU_EN_TRANSLATIONS[code]
        out.append(make_entry("youtu", code, cat, user, en, zh004 or zh002, reviewer, sources, alt))
    return out


#: The youtu family's table and transient rule.
ERRORS = ErrorTable("youtu", tuple(_youtu_entries()), success_codes=frozenset({"0"}))


def vendor_wording(code: str | int) -> str:
    """What YouTu itself says for ``code``: seed 000's English where seed 000 documents the code, else the
    Chinese of seed 004/002 (never our translation). Raises KeyError for a code the table lacks."""
    entry = ERRORS.entry(code)
    if entry is None:
        raise KeyError(f"{code!r} is not in the youtu error table")
    return entry.vendor_message_en if S000 in entry.sources else entry.vendor_message_zh

