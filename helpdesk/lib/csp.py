"""Content-Security-Policy helpers (the policy: CONTENT_SECURITY_POLICY, settings)."""

import base64
import hashlib


def source_hash(source: str) -> str:
    """The CSP source expression that allows exactly this inline script or style."""
    digest = hashlib.sha256(source.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"
