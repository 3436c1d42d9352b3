"""Who did something, as a customer may see it: a staff member by their role (agent, admin,
privacy officer), never by their name or the address they sign in with; staff themselves see the
whole actor. Every answer to a customer that names an actor passes it through `seen_by_customer`."""

from __future__ import annotations

from typing import Any

#: the actor type of a staff member (edge.identity.Caller.actor)
STAFF = "agent"
#: a staff member's role when the actor was written before it carried one
ROLE_UNKNOWN = "agent"


def seen_by_customer(actor: dict[str, Any] | None) -> dict[str, Any] | None:
    """`actor` as a customer may see it: staff as {"type": "agent", "role"}; anyone else (the
    customer, an applicant, a system) without a name."""
    if actor is None:
        return None
    if actor.get("type") == STAFF:
        return {"type": STAFF, "role": actor.get("role") or ROLE_UNKNOWN}
    return {k: v for k, v in actor.items() if k != "name"}


def staff_seen_by_customer(who: str | None) -> str | None:
    """A step's or note's `by` (a staff member's username, or "customer", "system"...) as a customer
    may see it: a staff member as "agent"."""
    return who if who is None or who in ("customer", "system", "applicant") else STAFF
