"""Logins: the Cognito user pool. A customer's login carries their customer id and the
customers group, which is what the API's authorizer hands to the handlers."""

from __future__ import annotations

from typing import Any

from opencounter.core.aws import aws_client
from opencounter.core.settings import settings


def _client() -> Any:
    return aws_client("cognito-idp")


def _pool() -> str:
    return settings().required("user_pool_id")


def create_login(email: str, customer_id: str) -> str:
    """Create the customer's login (Cognito e-mails the invitation); idempotent. Returns
    "created" or "existed"."""
    idp, pool = _client(), _pool()
    try:
        idp.admin_create_user(UserPoolId=pool, Username=email, DesiredDeliveryMediums=["EMAIL"], UserAttributes=[
            {"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"},
            {"Name": "custom:customer_id", "Value": customer_id}])
        outcome = "created"
    except idp.exceptions.UsernameExistsException:
        found = idp.admin_get_user(UserPoolId=pool, Username=email)
        attributes = {a["Name"]: a["Value"] for a in found["UserAttributes"]}
        if attributes.get("custom:customer_id") != customer_id:
            raise RuntimeError(f"a login for {email} exists for another customer") from None
        outcome = "existed"
    idp.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName="customers")
    return outcome


def change_login_email(old: str, new: str, customer_id: str) -> str:
    """The customer signs in with `new` from now on (proven: the code mailed to it came back).
    Idempotent: "changed", "changed_before" (a retry), or "no_login" (none made yet)."""
    idp, pool = _client(), _pool()
    try:
        idp.admin_update_user_attributes(UserPoolId=pool, Username=old, UserAttributes=[
            {"Name": "email", "Value": new}, {"Name": "email_verified", "Value": "true"}])
        return "changed"
    except idp.exceptions.UserNotFoundException:
        pass
    try:
        found = idp.admin_get_user(UserPoolId=pool, Username=new)
    except idp.exceptions.UserNotFoundException:
        return "no_login"
    if {a["Name"]: a["Value"] for a in found["UserAttributes"]}.get("custom:customer_id") != customer_id:
        raise RuntimeError(f"a login for {new} exists for another customer")
    return "changed_before"


def disable_login(email: str) -> None:
    """Stop the login from signing in (kept, not deleted: the record of it stays); idempotent."""
    idp = _client()
    try:
        idp.admin_disable_user(UserPoolId=_pool(), Username=email)
    except idp.exceptions.UserNotFoundException:
        pass


def login_enabled(email: str) -> bool:
    idp = _client()
    try:
        return bool(idp.admin_get_user(UserPoolId=_pool(), Username=email).get("Enabled", True))
    except idp.exceptions.UserNotFoundException:
        return False


def delete_login(email: str) -> str:
    """Close the login for good (the customer's erasure): disabled first, so no sign-in slips in
    while it goes, then deleted with everything Cognito keeps of it (its attributes, its
    devices, its refresh tokens). "deleted", or "absent" when there is none (deleted before: a
    retried step)."""
    idp, pool = _client(), _pool()
    try:
        idp.admin_disable_user(UserPoolId=pool, Username=email)
        idp.admin_delete_user(UserPoolId=pool, Username=email)
    except idp.exceptions.UserNotFoundException:
        return "absent"
    return "deleted"


def login_exists(email: str) -> bool:
    """Whether the user pool has a login for `email` (enabled or not)."""
    idp = _client()
    try:
        idp.admin_get_user(UserPoolId=_pool(), Username=email)
    except idp.exceptions.UserNotFoundException:
        return False
    return True
