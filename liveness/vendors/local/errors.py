"""The embedded engine's codes (``liveness.engine.codes``): vendor family ``local``. Wording in both languages is ours.

:data:`ERRORS` is the table (no engine verdict is transient: the engine runs in-process).
"""
from __future__ import annotations

from ..errors import C, Category, F, T, U, ErrorTable, make_entry  # noqa: F401  (row shorthands)

ENGINE = "liveness/engine/codes.py"


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
    ("LOCAL_NO_SPEECH", U, "quiet_place",
     "No speech was heard in the video.", "视频中没有听到说话声。",
     "The audio carries only noise or silence: the digits were not read aloud, or background noise "
     "covered the voice. A retake in a quieter place, reading the digits clearly, usually fixes it."),
    ("LOCAL_WRONG_DIGITS", U, "digits",
     "The digits heard do not match the challenge.", "识别出的数字与要求不符。",
     "Speech recognition heard digits other than the challenge (wrong digits, unclear speech or a "
     "stale challenge)."),
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


#: The local family's table.
ERRORS = ErrorTable(
    "local",
    tuple(make_entry("local", code, cat, user, en, zh, reviewer, (ENGINE,))
          for code, cat, user, en, zh, reviewer in LOCAL_TABLE),
    success_codes=frozenset({"0"}),
)
