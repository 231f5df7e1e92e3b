"""Sync API keys at rest: sealed with AES-256-GCM under a key derived from SYNC_MCP_SECRET_KEY.

Three keys are derived (HKDF-SHA256) from the one secret, each for one purpose: the sealing key, the key that
names live sign-in ids in the store, and the key of the keyed digest that names a user (the same Sync key gives
the same subject, without the store holding the key in a form anyone can read back). A sealed value is bound to
its grant id (associated data), so a sealed key copied into another grant does not open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MIN_SECRET_LENGTH = 32
NONCE_BYTES = 12


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"sync-mcp oauth", info=purpose).derive(secret)


class SealError(ValueError):
    """A sealed value that does not open with this secret (another secret, another grant, or altered)."""


class KeySealer:
    def __init__(self, secret: str) -> None:
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"the secret must be at least {MIN_SECRET_LENGTH} characters long")
        raw = secret.encode("utf-8")
        self._aead = AESGCM(_derive(raw, b"api-key sealing v1"))
        self._subject_key = _derive(raw, b"subject v1")
        self._name_key = _derive(raw, b"store names v1")

    def __repr__(self) -> str:
        return "KeySealer()"

    def seal(self, api_key: str, grant_id: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, api_key.encode("utf-8"), grant_id.encode("utf-8"))
        return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, grant_id: str) -> str:
        try:
            raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], grant_id.encode("utf-8"))
        except (InvalidTag, ValueError) as exc:
            raise SealError("the sealed key does not open with this secret") from exc
        return plain.decode("utf-8")

    def name(self, value: str) -> str:
        """A keyed digest of a live handle (a sign-in id) to store it under: the store's key names alone do not
        let anyone present the handle, nor test guesses of it without the secret."""
        return hmac.new(self._name_key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def subject(self, api_key: str) -> str:
        """A stable, opaque name for the user of a Sync key (the same key, the same subject)."""
        digest = hmac.new(self._subject_key, api_key.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"sync-key:{digest[:32]}"
