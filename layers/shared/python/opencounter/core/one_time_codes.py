"""One-time codes that prove someone holds an address (the e-mail a contract is signed from,
the phone number contacts come from): six digits, stored only as a digest bound to what they
prove, short-lived, and void after a few wrong tries."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from opencounter.core.clock import utcnow
from opencounter.core.errors import Conflict, InvalidInput

LIFETIME_MINUTES = 10
LIFETIME = timedelta(minutes=LIFETIME_MINUTES)
ATTEMPTS = 5


def new_code() -> str:
    return f"{secrets.randbelow(10 ** 6):06d}"


def digest(scope: str, code: str) -> str:
    """The digest of a code for one purpose: the same digits prove nothing elsewhere."""
    return hashlib.sha256(f"{scope}:{code.strip()}".encode()).hexdigest()


def check(record: Any, scope: str, code: str) -> None:
    """Raise unless `code` is the one `record` (an item with digest, attempts and expires_at)
    holds; a wrong code counts as a try, atomically."""
    if record.expires_at and record.expires_at < utcnow():
        raise Conflict("code: the code has expired; ask for a new one", field="code", reason="code_expired")
    if int(record.attempts) >= ATTEMPTS:
        raise Conflict("code: too many wrong codes; ask for a new one", field="code", reason="code_attempts_used_up")
    if not hmac.compare_digest(record.digest, digest(scope, code)):
        record.update(actions=[type(record).attempts.add(1)])
        left = ATTEMPTS - int(record.attempts)
        raise InvalidInput(f"code: not the code we sent ({left} {'try' if left == 1 else 'tries'} left)",
                           field="code", reason="code_wrong", tries_left=left)
