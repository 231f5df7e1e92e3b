"""Where the Sync API lives, apart from the client, so settings can name it without importing the HTTP stack."""

DEFAULT_BASE_URL = "https://api.sync.so"
