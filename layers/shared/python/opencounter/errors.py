"""Domain errors. Logic raises these; the HTTP layer (opencounter.http) maps each to one status."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a caller can be told about. `code` is stable for clients."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class InvalidInput(DomainError):
    """The request is malformed or breaks a business rule about its own content (400)."""

    code = "invalid_input"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class NotAuthenticated(DomainError):
    code = "not_authenticated"


class Forbidden(DomainError):
    """The caller is known but may not touch this object or route (403)."""

    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """The object changed since the caller read it, or the request clashes with its state (409)."""

    code = "conflict"
