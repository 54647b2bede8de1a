"""SenseTime SenseID error table (seed 003; English only): vendor family ``senseid``.

Numeric ``code`` values, ``liveness_status`` values and the HTTP statuses the seed documents.
:data:`ERRORS` is the table and its transient rule (a code is retried exactly when its row is ``T``;
an unknown code is permanent). The client (:mod:`.client`), the catalogue and the sandbox read it.
"""
from __future__ import annotations

from ..errors import C, Category, F, T, U, ErrorTable, make_entry  # noqa: F401  (row shorthands)

S003 = "seed 003"


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


#: The senseid family's table and transient rule.
ERRORS = ErrorTable(
    "senseid",
    tuple(make_entry("senseid", code, cat, user, en, "", reviewer, sources)
          for code, cat, user, en, sources, reviewer in SENSEID_TABLE),
    success_codes=frozenset({"1000", "ok"}),
)


def wire_message(code: str | int) -> str:
    """The ``message`` field SenseID answers with ``code``: the table's wording is seed 003's
    "<message field>: <description>", and the field is the part before the first ": ".
    Raises KeyError for a code the table lacks."""
    entry = ERRORS.entry(code)
    if entry is None:
        raise KeyError(f"{code!r} is not in the senseid error table")
    return entry.vendor_message_en.split(": ", 1)[0]

