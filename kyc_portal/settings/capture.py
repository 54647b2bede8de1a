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
