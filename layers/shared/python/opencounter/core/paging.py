"""Pages of a Query: the cursor a caller gets for the next page holds only the sort keys the
Query stopped at; the partition always comes from the caller's own identity again, so a cursor
can never reach another customer's items."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable

from opencounter.core.errors import InvalidInput

Key = dict[str, dict[str, str]]


def cursor_out(last_key: Key | None, *names: str) -> str | None:
    """The cursor of the next page (None at the end): the named keys of where the Query stopped."""
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps([last_key[name]["S"] for name in names]).encode()).decode()


def cursor_in(cursor: str | None, names: tuple[str, ...], complete: Callable[[dict[str, str]], Key]) -> Key | None:
    """Where the next page starts: the named keys read back from the cursor, completed by the
    caller with the partition. InvalidInput when it is not a cursor this API gave out."""
    if not cursor:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError) as error:
        raise InvalidInput("cursor: not a cursor this API gave out", field="cursor", reason="cursor_invalid") from error
    if not isinstance(values, list) or len(values) != len(names) or not all(isinstance(v, str) for v in values):
        raise InvalidInput("cursor: not a cursor this API gave out", field="cursor", reason="cursor_invalid")
    return complete(dict(zip(names, values, strict=True)))
