"""The contract terms: versioned files, each identified by its SHA-256 fingerprint, so the
evidence of a signature says exactly which text was accepted."""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

from opencounter.core.errors import NotFound
from opencounter.core.validation import CONTRACTS

TERMS = CONTRACTS / "terms"


@cache
def terms(version: str | None = None) -> dict[str, Any]:
    """The terms of one version (the newest when none is given): version, sha256 and text."""
    files = sorted(TERMS.glob("*.md"))
    chosen = files[-1] if version is None else TERMS / f"{version}.md"
    if not chosen.is_file() or chosen.parent != TERMS:
        raise NotFound(f"no terms of version {version!r}", reason="terms_not_found")
    raw = chosen.read_bytes()
    return {"version": chosen.stem, "sha256": hashlib.sha256(raw).hexdigest(), "text": raw.decode()}
