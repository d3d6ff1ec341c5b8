"""Settings for the verify_page benchmark: the product's own, with the per-address rate limit
lifted (every simulated client comes from 127.0.0.1; the limit would answer 429 instead)."""

from testamur.settings import *  # noqa: F403

RATE_LIMITS = {"verify": (10**9, 60)}
# The same site plus one trivial view, to measure the page against in the same run.
ROOT_URLCONF = "bench.verify_urls"
