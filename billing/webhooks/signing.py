"""Lago's webhook signature: base64 of the HMAC-SHA256 of the raw body, keyed by the organization's HMAC key."""

import base64
import hashlib
import hmac


def hmac_signature(*, body: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def hmac_signature_valid(*, body: bytes, key: str, signature: str) -> bool:
    """What a receiver checks; constant-time."""
    return hmac.compare_digest(hmac_signature(body=body, key=key), signature)
