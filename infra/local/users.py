"""The user pool as the local sign-in sees it: the logins the application and the demo data made
in the (moto) Cognito user pool, signed in the way Cognito signs them in.

Cognito pools that sign in by e-mail (UsernameAttributes: email) find a user by their current
address only: a changed address signs in, the old one no longer does. moto also finds a user by
the username they were created with, so this directory refuses a sign-in by anything but the
user's current e-mail. A forgotten password gets a six-digit code by e-mail, as Cognito sends it;
moto's own forgot-password accepts any code, so the code is kept and checked here."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from infra.local.tokens import InvalidToken, NewPasswordRequired, User

RESET_CODE_LIFETIME_S = 3600


class UserPoolDirectory:
    """Finds, creates and re-passwords the pool's users."""

    def __init__(self, idp: Any, pool_id: str, client_id: str, mail: Any) -> None:
        """`mail(to, subject, body)` delivers what Cognito would e-mail."""
        self.idp, self.pool_id, self.client_id, self.mail = idp, pool_id, client_id, mail
        self._reset_codes: dict[str, tuple[str, float]] = {}

    def _user(self, username: str) -> dict[str, Any] | None:
        """The pool's user whose current e-mail is `username`, with its attributes as a dict."""
        try:
            found = self.idp.admin_get_user(UserPoolId=self.pool_id, Username=username)
        except self.idp.exceptions.UserNotFoundException:
            return None
        attributes = {a["Name"]: a["Value"] for a in found["UserAttributes"]}
        if attributes.get("email", "").lower() != username.lower():
            return None  # found by the address it was created with, which it no longer has
        return {**found, "attributes": attributes}

    def find(self, username: str, password: str) -> User | None:
        found = self._user(username)
        if found is None or not found.get("Enabled", True):
            return None
        try:
            answer = self.idp.admin_initiate_auth(UserPoolId=self.pool_id, ClientId=self.client_id,
                                                  AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                                  AuthParameters={"USERNAME": username, "PASSWORD": password})
        except (self.idp.exceptions.NotAuthorizedException, self.idp.exceptions.UserNotFoundException):
            return None
        if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            raise NewPasswordRequired(answer["Session"])
        return self._as_user(username, password, found)

    def _as_user(self, username: str, password: str, found: dict[str, Any]) -> User:
        attributes = found["attributes"]
        memberships = self.idp.admin_list_groups_for_user(UserPoolId=self.pool_id, Username=username)["Groups"]
        return User(found["Username"], password, tuple(g["GroupName"] for g in memberships),
                    attributes.get("custom:customer_id"), attributes.get("sub", ""), email=attributes.get("email"))

    def choose_password(self, username: str, session: str, new_password: str) -> None:
        try:
            self.idp.admin_respond_to_auth_challenge(
                UserPoolId=self.pool_id, ClientId=self.client_id, ChallengeName="NEW_PASSWORD_REQUIRED",
                Session=session, ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password})
        except self.idp.exceptions.ClientError as error:
            raise InvalidToken(error.response["Error"]["Message"]) from None

    def add(self, user: User) -> None:
        """A user with a permanent password and their groups (demo users, staff)."""
        attributes = [{"Name": "email", "Value": user.username}, {"Name": "email_verified", "Value": "true"}]
        if user.customer_id:
            attributes.append({"Name": "custom:customer_id", "Value": user.customer_id})
        self.idp.admin_create_user(UserPoolId=self.pool_id, Username=user.username, MessageAction="SUPPRESS",
                                   UserAttributes=attributes)
        self.idp.admin_set_user_password(UserPoolId=self.pool_id, Username=user.username, Password=user.password,
                                         Permanent=True)
        for group in user.groups:
            self.idp.admin_add_user_to_group(UserPoolId=self.pool_id, Username=user.username, GroupName=group)

    def reset_password(self, username: str) -> None:
        """Mail a code that sets a new password; nothing tells whether the address is known."""
        if self._user(username) is None:
            return
        code = f"{secrets.randbelow(10 ** 6):06d}"
        self._reset_codes[username.lower()] = (hashlib.sha256(code.encode()).hexdigest(),
                                               time.time() + RESET_CODE_LIFETIME_S)
        self.mail(username, "Your OpenCounter verification code",
                  f"Your code to choose a new password is {code}. It is valid for an hour.\n")

    def confirm_password(self, username: str, code: str, new_password: str) -> None:
        kept = self._reset_codes.get(username.lower())
        if kept is None or kept[1] < time.time() or \
                not hmac.compare_digest(kept[0], hashlib.sha256(code.encode()).hexdigest()):
            raise InvalidToken("Invalid verification code provided, please try again.")
        found = self._user(username)
        if found is None:
            raise InvalidToken("Invalid verification code provided, please try again.")
        try:
            self.idp.admin_set_user_password(UserPoolId=self.pool_id, Username=found["Username"],
                                             Password=new_password, Permanent=True)
        except self.idp.exceptions.ClientError as error:
            raise InvalidToken(error.response["Error"]["Message"]) from None
        del self._reset_codes[username.lower()]
