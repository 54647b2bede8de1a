"""What the end user is told about a failed check, by message key: English here, marked for
translation; every other language (Simplified Chinese) lives in locale/<lang>/LC_MESSAGES/django.po,
the one source of user-facing text. Read through ``CatalogueEntry.user_message(language)``.

Every error-table row names one of these keys. No jargon,
no scores, no blame. (Pure data; shared by every vendor family.)
"""
from __future__ import annotations



def _(message: str) -> str:
    """Marks ``message`` for makemessages (xgettext's ``_`` keyword) and returns it unchanged.
    Not Django's gettext_noop: that reads settings.USE_I18N, and this module is imported while
    the settings themselves load (through the vendor registry)."""
    return message

# ---------------------------------------------------------------------------------------------
# What the end user is told (English; translations in the .po). No jargon, no scores, no blame.
# ---------------------------------------------------------------------------------------------
USER_MESSAGES: dict[str, str] = {
    # outcomes that need nothing from the user
    "retry_later": _(
        "Our verification service is briefly busy. We will try again automatically; you don't need to do anything.",
    ),
    "operator": _(
        "We could not finish your check because of a problem on our side. Our team has been notified; please try again later. You don't need to record anything again.",
    ),
    "review": _(
        "We need to check your submission by hand. We will let you know the result; you don't need to do anything now.",
    ),
    # selfie / face in frame
    "selfie_retake": _(
        "Please take a new selfie: face the camera in bright, even light, with your whole face visible.",
    ),
    "selfie_file": _(
        "We could not open your photo. Please take a new one, or upload a JPG or PNG picture.",
    ),
    "face_not_found": _(
        "We could not see your face. Make sure your whole face is in the middle of the frame and well lit, then try again.",
    ),
    "face_visible": _(
        "Keep your whole face, including your mouth and eyes, visible in the frame, then try again.",
    ),
    "uncover_face": _(
        "Part of your face is covered. Remove any mask, sunglasses or hat, move hair away from your face, and try again.",
    ),
    "eyes_open": _(
        "Keep your eyes open and look at the camera. Take off sunglasses or tinted glasses, then try again.",
    ),
    "one_person": _(
        "More than one face was found. Make sure only you are in the picture, then try again.",
    ),
    "closer": _(
        "Your face is too small in the picture. Hold the camera closer so your face fills most of the frame.",
    ),
    "centre_face": _(
        "Keep your face in the centre of the frame, about an arm's length from the camera, then try again.",
    ),
    "pose": _(
        "Look straight at the camera with your head level, then try again.",
    ),
    "blurry": _(
        "The picture is blurry. Wipe the camera lens, hold the phone still, and try again.",
    ),
    "light": _(
        "The lighting is not good enough. Move somewhere with bright, even light in front of you (not behind you), then try again.",
    ),
    "light_dark": _(
        "It is too dark. Move somewhere brighter, with light in front of you, then try again.",
    ),
    "light_strong": _(
        "The light is too strong. Move out of direct sunlight or away from bright lamps, then try again.",
    ),
    "upright": _(
        "Hold the phone upright (portrait) so your face fills the picture from forehead to chin, then try again.",
    ),
    "action": _(
        "Please follow the on-screen instructions (for example blink or open your mouth) while facing the camera, then try again.",
    ),
    "compare_retake": _(
        "We could not compare your video with your ID photo. Upload a clear photo of your ID card and record the video again.",
    ),
    # video
    "video_retake": _(
        "Please record the video again, keeping your whole face in the frame, in good light, the whole time.",
    ),
    "video_file": _(
        "We could not process your video. Please record it again on this page.",
    ),
    "video_short": _(
        "The video was too short. Record again and keep recording until you have read all the digits slowly, about 5 seconds.",
    ),
    "video_long": _(
        "The video was too long. Record again and stop as soon as you have read the digits.",
    ),
    "video_resolution": _(
        "The video quality was too low. Record again in better light, or use a device with a better front camera.",
    ),
    "video_steady": _(
        "Your face left the frame during the recording. Hold the phone steady, keep your face in view, and record again.",
    ),
    "digits": _(
        "The digits we heard did not match. Record again and read the digits shown on screen slowly and clearly, one by one.",
    ),
    "speak_louder": _(
        "We could not hear you well. Record again in a quiet place and read the digits aloud in a clear voice.",
    ),
    "no_sound": _(
        "Your video had no sound. Allow this page to use your microphone, then record again reading the digits aloud.",
    ),
    "quiet_place": _(
        "There was too much background noise. Move to a quiet place and record again.",
    ),
    "lips": _(
        "Record again facing the camera and read the digits aloud, opening your mouth clearly for each one.",
    ),
    # ID card / identity details
    "card_retake": _(
        "We could not use the photo of your ID card. Upload a sharp, well-lit photo of the side with your portrait, without glare or cut-off edges.",
    ),
    "card_no_face": _(
        "We could not find the portrait on your ID card photo. Upload a clear photo of the side of the card that shows your picture.",
    ),
    "id_details": _(
        "Please check the name and ID number you entered, correct them if needed, and try again.",
    ),
    # used for codes that are not in the catalogue
    "unknown": _(
        "We could not complete your check. Our team has been notified and will contact you if anything else is needed.",
    ),
}
