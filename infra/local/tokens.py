"""A stand-in for the Cognito user pool: signs users in and issues RS256 ID tokens shaped like
Cognito's, and verifies them the way the API's Cognito authorizer does (signature against the
pool's key, issuer, audience, token_use, expiry), handing the same claims to the handlers."""

from __future__ import annotations

import hmac
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


class InvalidToken(Exception):
    """What the authorizer answers with 401."""


class NewPasswordRequired(Exception):
    """Signed in with a temporary password: Cognito's NEW_PASSWORD_REQUIRED challenge."""

    def __init__(self, session: str) -> None:
        super().__init__("NEW_PASSWORD_REQUIRED")
        self.session = session


@dataclass(frozen=True)
class User:
    username: str
    password: str
    groups: tuple[str, ...]
    customer_id: str | None = None
    subject: str = ""
    #: the address the user signs in with now, when it is not the username they were made with
    email: str | None = None

    @property
    def sub(self) -> str:
        return self.subject or str(uuid.uuid5(uuid.NAMESPACE_URL, f"opencounter-local/{self.username}"))


class TokenIssuer:
    def __init__(self, region: str, pool_id: str, client_id: str, lifetime_s: int = 3600,
                 directory: Any = None) -> None:
        """`directory` finds users this issuer was not given (the user pool): `find(name, password)`
        and `choose_password(name, session, new_password)`."""
        self.directory = directory
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
        self.client_id = client_id
        self.lifetime_s = lifetime_s
        self.key_id = uuid.uuid4().hex
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._users: dict[str, User] = {}

    def add_user(self, user: User) -> None:
        self._users[user.username.lower()] = user

    def users(self) -> list[User]:
        return list(self._users.values())

    def user_for(self, username: str, password: str) -> User:
        """The user these credentials sign in (NewPasswordRequired on a temporary password)."""
        user = self._users.get(username.strip().lower())
        if user is None and self.directory is not None:
            user = self.directory.find(username.strip().lower(), password)
        elif user is not None and not hmac.compare_digest(user.password.encode(), password.encode()):
            user = None
        if user is None:
            raise InvalidToken("Incorrect username or password.")
        return user

    def sign_in(self, username: str, password: str) -> dict[str, Any]:
        """USER_PASSWORD_AUTH: the AuthenticationResult Cognito's InitiateAuth returns."""
        user = self.user_for(username, password)
        return {"IdToken": self.id_token(user), "ExpiresIn": self.lifetime_s, "TokenType": "Bearer"}

    def choose_password_user(self, username: str, session: str, new_password: str) -> User:
        """Answer NEW_PASSWORD_REQUIRED: set the password; the user it then signs in."""
        if self.directory is None:
            raise InvalidToken("Invalid session for the user.")
        self.directory.choose_password(username.strip().lower(), session, new_password)
        return self.user_for(username, new_password)

    def choose_password(self, username: str, session: str, new_password: str) -> dict[str, Any]:
        """Answer NEW_PASSWORD_REQUIRED: set the password, then sign in with it."""
        user = self.choose_password_user(username, session, new_password)
        return {"IdToken": self.id_token(user), "ExpiresIn": self.lifetime_s, "TokenType": "Bearer"}

    def id_token(self, user: User, *, lifetime_s: int | None = None) -> str:
        now = int(time.time())
        claims = {
            "sub": user.sub, "iss": self.issuer, "aud": self.client_id, "token_use": "id",
            "cognito:username": user.username, "cognito:groups": list(user.groups),
            "email": user.email or (user.username if "@" in user.username else f"{user.username}@example.nl"),
            "email_verified": True, "auth_time": now, "iat": now,
            "exp": now + (self.lifetime_s if lifetime_s is None else lifetime_s), "jti": str(uuid.uuid4()),
        }
        if user.customer_id:
            claims["custom:customer_id"] = user.customer_id
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.key_id})

    def jwks(self) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.key_id, "alg": "RS256", "use": "sig"}]}

    def authorize(self, header: str | None) -> dict[str, str]:
        """The claims a REST API Cognito authorizer passes on (every value a string)."""
        if not header:
            raise InvalidToken("Unauthorized")
        token = header.removeprefix("Bearer ").strip()
        try:
            if jwt.get_unverified_header(token).get("kid") != self.key_id:
                raise InvalidToken("Unauthorized")
            claims = jwt.decode(token, self._key.public_key(), algorithms=["RS256"], audience=self.client_id,
                                issuer=self.issuer, options={"require": ["exp", "iat", "sub", "token_use"]})
        except jwt.ExpiredSignatureError as error:
            raise InvalidToken("The incoming token has expired") from error
        except jwt.PyJWTError as error:
            raise InvalidToken("Unauthorized") from error
        if claims.get("token_use") != "id":
            raise InvalidToken("Unauthorized")
        return {key: ",".join(value) if isinstance(value, list) else
                str(value).lower() if isinstance(value, bool) else str(value) for key, value in claims.items()}
