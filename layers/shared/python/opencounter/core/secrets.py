"""The providers' secrets (Stripe's keys, Meta's and X's app secrets and tokens): kept in AWS
Secrets Manager, one JSON secret per provider, never in a function's environment. A function is
given only the ARN of the secrets it needs (STRIPE_SECRET_ARN, META_SECRET_ARN, X_SECRET_ARN,
FIELD_SERVICE_SECRET_ARN)
and permission to read those.

Values are read with GetSecretValue and kept for SECRETS_MAX_AGE_SECONDS (the template sets 300):
a secret rotated in Secrets Manager is in use everywhere within that time, without a deploy.
Not through Powertools Parameters: its import brings boto3 and every provider it has, about 20 ms
of a webhook's cold start, for a cache kept here in a dozen lines (docs/adr/0015-cold-starts-under-the-goal.md).

Fail closed: a secret that cannot be read, is not a JSON object, or lacks the value asked for
is a MissingSetting (the API answers 503 not_configured), never an empty string that a
signature check would accept."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from opencounter.core.aws import aws_client
from opencounter.core.settings import MissingSetting, settings

#: the values each provider's secret holds (docs/deploy.md tells an operator how to fill them)
SECRETS: dict[str, tuple[str, ...]] = {
    "stripe": ("secret_key", "identity_webhook_secret", "payments_webhook_secret"),
    "meta": ("app_secret", "verify_token", "access_token"),
    "x": ("consumer_secret", "access_token"),
    "field_service": ("webhook_secret", "api_token"),
}

_lock = threading.Lock()
#: secret ARN -> (monotonic time it may be kept until, its values)
_kept: dict[str, tuple[float, dict[str, Any]]] = {}


def secret(provider: str, name: str) -> str:
    """The value `name` of `provider`'s secret; MissingSetting when it is not there to use."""
    if name not in SECRETS[provider]:
        raise KeyError(f"the {provider} secret holds no {name}")
    value = _values(provider).get(name)
    if not isinstance(value, str) or not value.strip():
        raise MissingSetting(f"{name} of the {provider} secret is empty")
    return value


def forget() -> None:
    """Drop the values kept in this process (the next read asks Secrets Manager again)."""
    with _lock:
        _kept.clear()


def _values(provider: str) -> dict[str, Any]:
    arn = settings().required(f"{provider}_secret_arn")
    with _lock:
        kept = _kept.get(arn)
    if kept is not None and time.monotonic() < kept[0]:
        return kept[1]
    try:
        raw = aws_client("secretsmanager").get_secret_value(SecretId=arn).get("SecretString")
    except (ClientError, BotoCoreError) as error:
        raise MissingSetting(f"the {provider} secret cannot be read: {type(error).__name__}") from None
    try:
        values = json.loads(raw or "")
    except ValueError:
        values = None
    if not isinstance(values, dict):
        raise MissingSetting(f"the {provider} secret is not a JSON object")
    with _lock:
        _kept[arn] = (time.monotonic() + settings().secrets_max_age_seconds, values)
    return values
