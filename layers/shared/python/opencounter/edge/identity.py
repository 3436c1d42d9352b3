"""Who is calling, read only from the claims the API's Cognito authorizer passed on."""

from __future__ import annotations

from dataclasses import dataclass

from opencounter.core.errors import Forbidden, NotAuthenticated

CUSTOMERS = "customers"
AGENTS = "agents"
ADMINS = "admins"
#: privacy officers: the data-subject requests, the access log, consents and retention (/privacy)
PRIVACY = "privacy"
STAFF = frozenset({AGENTS, ADMINS, PRIVACY})


@dataclass(frozen=True)
class Caller:
    """A signed-in person: a customer (with the customer id they own) or a member of staff."""

    subject: str
    username: str
    groups: frozenset[str]
    customer_id: str | None
    email: str | None = None

    @property
    def is_staff(self) -> bool:
        return bool(self.groups & STAFF)

    @property
    def role(self) -> str:
        """What the caller is to a customer, by role not by name: admin, agent, privacy (officer), customer."""
        for role, group in (("admin", ADMINS), ("agent", AGENTS), ("privacy", PRIVACY)):
            if group in self.groups:
                return role
        return "customer"

    @property
    def actor(self) -> dict:
        """How this caller is named on the timeline and in events (staff by their stable username,
        by the e-mail address colleagues know them by, and by their role: all a customer is shown
        of them, core.actors)."""
        if self.is_staff:
            return {"type": "agent", "id": self.username, "role": self.role,
                    **({"name": self.email} if self.email else {})}
        return {"type": "customer", "id": self.customer_id or self.subject}


def _groups(raw: object) -> frozenset[str]:
    # REST API authorizers pass list claims as one string ("a,b" or "[a b]"); tests may pass a list.
    if isinstance(raw, list):
        return frozenset(str(g) for g in raw)
    text = str(raw or "").strip().strip("[]")
    return frozenset(g for g in text.replace(",", " ").split() if g)


def caller_from_claims(claims: dict | None) -> Caller:
    """Build the Caller from authorizer claims; no claims means the route was reached unsigned."""
    if not claims or not claims.get("sub"):
        raise NotAuthenticated("sign in first", reason="not_signed_in")
    return Caller(
        subject=claims["sub"],
        username=claims.get("cognito:username") or claims["sub"],
        groups=_groups(claims.get("cognito:groups")),
        customer_id=claims.get("custom:customer_id") or None,
        email=claims.get("email") or None,
    )


def require_customer(caller: Caller) -> str:
    """The customer id a customer route acts on: always the caller's own, never one from the path."""
    if CUSTOMERS not in caller.groups or not caller.customer_id:
        raise Forbidden("this route is for customers", reason="customers_only")
    return caller.customer_id


def require_staff(caller: Caller) -> Caller:
    if not caller.is_staff:
        raise Forbidden("this route is for staff", reason="staff_only")
    return caller


def require_operations(caller: Caller) -> Caller:
    """Operations (the admins group): what reaches many customers at once, a mailing."""
    if ADMINS not in caller.groups:
        raise Forbidden("this is for operations", reason="operations_only")
    return caller


def require_privacy_officer(caller: Caller) -> Caller:
    if PRIVACY not in caller.groups:
        raise Forbidden("this route is for privacy officers", reason="privacy_officers_only")
    return caller
