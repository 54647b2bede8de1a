"""What a person's uploads may be, how long a capture link lives, and how often one address or case
may try (the capture pages and the public start page)."""
from __future__ import annotations

from .env import integer

_MIB = 1024 * 1024
KYC_MAX_IMAGE_BYTES = integer("KYC_MAX_IMAGE_BYTES", 8 * _MIB, low=1024, high=100 * _MIB, unit="bytes",
                              doc="largest selfie or card photo accepted")
KYC_MAX_VIDEO_BYTES = integer("KYC_MAX_VIDEO_BYTES", 20 * _MIB, low=1024, high=500 * _MIB, unit="bytes",
                              doc="largest digit video accepted")
KYC_MAX_IMAGE_PIXELS = integer("KYC_MAX_IMAGE_PIXELS", 40_000_000, low=10_000, high=200_000_000, unit="pixels",
                               doc="largest photo accepted, in pixels (decompression-bomb guard)")
# What the product never records is refused at upload, from the headers where possible (issue 17):
# the capture page records 4-s clips at 640x480; the limits leave a wide margin for partner apps.
KYC_MIN_IMAGE_SIDE = integer("KYC_MIN_IMAGE_SIDE", 200, low=1, high=4000, unit="pixels",
                             doc="smallest short side of a selfie or card photo (no face is usable below it)")
KYC_MAX_IMAGE_PIXELS_PER_BYTE = integer(
    "KYC_MAX_IMAGE_PIXELS_PER_BYTE", 2000, low=10, high=1_000_000, unit="pixels per byte",
    doc="declared pixels per byte of file above which a photo is refused before decoding (a tiny file "
        "declaring a huge picture); a flat-colour PNG is about 1000, a camera photo under 50")
KYC_MAX_VIDEO_SECONDS = integer("KYC_MAX_VIDEO_SECONDS", 30, low=1, high=3600, unit="seconds",
                                doc="longest digit video accepted (the capture page records 4 s)")
KYC_MAX_VIDEO_FRAMES = integer("KYC_MAX_VIDEO_FRAMES", 1800, low=1, high=1_000_000, unit="frames",
                               doc="most video frames accepted in one digit video (30 s at 60 fps)")
KYC_MAX_VIDEO_PIXEL_FRAMES = integer(
    "KYC_MAX_VIDEO_PIXEL_FRAMES", 1_000_000_000, low=1_000_000, high=100_000_000_000, unit="pixels",
    doc="most width x height x frames accepted in one digit video (the work of decoding it)")
DATA_UPLOAD_MAX_MEMORY_SIZE = KYC_MAX_VIDEO_BYTES + KYC_MAX_IMAGE_BYTES + _MIB
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * _MIB

# How long a capture link (signed, naming one case) stays valid, in seconds.
KYC_CAPTURE_LINK_MAX_AGE = integer("KYC_CAPTURE_LINK_MAX_AGE", 24 * 3600, low=60, high=90 * 86400, unit="seconds",
                                   doc="how long a capture link stays valid")

# Capture pages: this many failed submissions within the window block new uploads for the case
# (the person is told to wait that many minutes).
KYC_CAPTURE_MAX_FAILURES = integer("KYC_CAPTURE_MAX_FAILURES", 5, low=1,
                                   doc="failed submissions of one case within the window before uploads pause")
KYC_CAPTURE_FAILURE_WINDOW_MINUTES = integer("KYC_CAPTURE_FAILURE_WINDOW_MINUTES", 10, low=1, unit="minutes",
                                             doc="the window (and the pause) of KYC_CAPTURE_MAX_FAILURES")

# Public start page: at most this many cases opened per client address (KYC_TRUSTED_PROXY_COUNT) within
# the window (seconds, from the address's first); more get a 429 page with Retry-After. Counted in CACHES.
KYC_SELF_SERVICE_CASE_LIMIT = integer("KYC_SELF_SERVICE_CASE_LIMIT", 20, low=1,
                                      doc="cases the public start page opens for one client address within the window")
KYC_SELF_SERVICE_CASE_WINDOW = integer("KYC_SELF_SERVICE_CASE_WINDOW", 3600, low=1, high=86400, unit="seconds",
                                       doc="the window of KYC_SELF_SERVICE_CASE_LIMIT, from the address's first case")

# Digits issued for one case, whichever door asks (partner API, capture link): each is a vendor call
# (YouTu livegetfour) while a person waits. Past this many the case gets 429 too_many_challenges.
KYC_CHALLENGES_PER_CASE = integer("KYC_CHALLENGES_PER_CASE", 20, low=1, high=1000,
                                  doc="digit challenges one case may be issued (each a vendor call); more get 429")
# Digits one capture link (one signed token, whoever holds it) may ask for, apart from the case's limit
# above: a leaked link cannot use up the case's challenges. Past it the page gets 429 too_many_link_challenges.
KYC_CHALLENGES_PER_LINK = integer("KYC_CHALLENGES_PER_LINK", 10, low=1, high=1000,
                                  doc="digit challenges one capture link may ask for (apart from the case's "
                                      "limit); more get 429")
