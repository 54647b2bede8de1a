"""What the end user is told about a failed check: (English, Simplified Chinese), by message key.

Every error-table row names one of these keys; the table entry carries the two texts. No jargon,
no scores, no blame. (Pure data; shared by every vendor family.)
"""
from __future__ import annotations

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
