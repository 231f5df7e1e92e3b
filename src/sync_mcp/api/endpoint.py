"""Where the Sync API lives, apart from the client, so settings can name it without importing the HTTP stack."""

DEFAULT_BASE_URL = "https://api.sync.so"

API_LONG_POLL_MAX_SECONDS = 10
"""The API's own long-poll cap for `GET /v2/generate/{id}?wait=true` (reference §3.3)."""
