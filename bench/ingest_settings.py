"""Settings of bench/ingest.py's web server: the product's settings, plus one URL (see ingest_urls)."""
from kyc_portal.settings import *

ROOT_URLCONF = "bench.ingest_urls"
