"""Resume codes: what a customer reads out on the phone or types in the app to continue a
sign-up or a request on another channel. Stored only as digests: the table never holds a
usable code."""

from __future__ import annotations

import hashlib
import secrets

#: no 0/O or 1/I/L: read out over the phone without doubt
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 8


def new_code(*, grouped: bool = False) -> str:
    """Eight characters of ALPHABET; grouped, as ABCD-EFGH."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{code[:4]}-{code[4:]}" if grouped else code


def code_digest(code: str) -> str:
    """The digest a code is stored and found by: case, spaces and the dash do not count."""
    normalised = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalised.encode()).hexdigest()
