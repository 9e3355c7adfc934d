"""Stripe events signed locally the way Stripe signs them: `t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`."""

import hashlib
import hmac
import json
import secrets
import time


def stripe_event(event_type: str, intent: dict, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_{secrets.token_hex(8)}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": intent},
    }


def signed(event: dict, secret: str, *, at: int | None = None) -> tuple[bytes, str]:
    body = json.dumps(event).encode()
    timestamp = int(time.time()) if at is None else at
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={timestamp},v1={signature}"
