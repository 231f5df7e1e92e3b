"""Settings of one sandbox instance (timings, limits, the key it accepts, the URL it is reachable at)."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_API_KEY = "sk-sandbox-local"
"""The key the sandbox accepts unless told otherwise. Not a secret: it only opens the local emulator."""
DEFAULT_WEBHOOK_SECRET = "whsec_sandbox-local"
"""The organisation webhook secret the sandbox signs deliveries with unless told otherwise."""


@dataclass
class SandboxConfig:
    api_key: str = field(default=DEFAULT_API_KEY, repr=False)
    extra_api_keys: tuple[str, ...] = field(default=(), repr=False)
    """Further keys accepted, as other members' keys of the same organisation (to tell several users apart)."""
    webhook_secret: str = field(default=DEFAULT_WEBHOOK_SECRET, repr=False)
    """The organisation's webhook signing secret (`GET /v2/organizations/webhook/secret`, reference §12)."""
    pending_seconds: float = 1.0
    """How long a new generation stays PENDING."""
    processing_seconds: float = 2.0
    """How long it then stays PROCESSING before reaching its terminal status."""
    processing_per_output_second: float = 0.0
    """Further PROCESSING time per second of output, so a longer video takes longer and its progress moves more
    slowly ([INF] the real API takes longer for longer outputs: reference §4.3, typical processing times).
    0 (the default for tests): every job takes `processing_seconds`."""
    concurrency_limit: int = 15
    """In-flight (PENDING + PROCESSING) generations allowed; the Scale plan's number (reference §14.2)."""
    public_base_url: str | None = None
    """Where clients reach the sandbox (set by the runner once the port is known); used in output URLs.
    When unset, the base URL of the incoming request is used."""
    signed_url_ttl_seconds: int = 7 * 24 * 3600
    """Validity of output URLs (the API requests 7-day signed URLs, reference §3.8)."""
    plan: str = "scale"
    """The organisation's plan (free, hobbyist, creator, growth, scale, enterprise); batch needs scale or
    enterprise (reference §9)."""
    voice_clone_slots: int = 30
    """Cloned voices the plan allows at once ([INF] plan-bound, reference §7; Hobbyist has 3)."""
    available_models: tuple[str, ...] | None = None
    """Model ids `GET /v2/models` lists for this organisation (None: every model of the capability table)."""
    output_size_bytes: int = 0
    """Size of each output file in bytes; 0 = just the labelled placeholder (a few hundred bytes). A larger
    size pads the placeholder, so multi-MiB streamed downloads can be exercised."""
    dialogue_edit_enabled: bool = False
    """Whether the organisation has the early-access dialogue-edit rollout; without it a create carrying
    `dialogueEdit` is refused with 422 `dialogue_edit_retime_required` (reference §3.1)."""
    tts_jobs_enabled: bool = True
    """Whether asynchronous TTS (`POST /v2/tts/jobs`) is enabled for the organisation; without it, 503 (§8)."""
    speech_job_seconds: float = 1.0
    """How long an asynchronous TTS job stays PENDING before it completes."""
    healthy: bool = True
    """What `GET /health` reports (503 when False)."""
