"""The providers' secrets (Stripe's keys, Meta's and X's app secrets and tokens): kept in AWS
Secrets Manager, one JSON secret per provider, never in a function's environment. A function is
given only the ARN of the secrets it needs (STRIPE_SECRET_ARN, META_SECRET_ARN, X_SECRET_ARN)
and permission to read those.

Values are read through Powertools Parameters and kept for POWERTOOLS_PARAMETERS_MAX_AGE seconds
(the template sets 300): a secret rotated in Secrets Manager is in use everywhere within that
time, without a deploy.

Fail closed: a secret that cannot be read, is not a JSON object, or lacks the value asked for
is a MissingSetting (the API answers 503 not_configured), never an empty string that a
signature check would accept."""

from __future__ import annotations

import threading
from typing import Any

from opencounter.core.aws import aws_client
from opencounter.core.settings import MissingSetting, settings

#: the values each provider's secret holds (docs/deploy.md tells an operator how to fill them)
SECRETS: dict[str, tuple[str, ...]] = {
    "stripe": ("secret_key", "identity_webhook_secret", "payments_webhook_secret"),
    "meta": ("app_secret", "verify_token", "access_token"),
    "x": ("consumer_secret", "access_token"),
}

_lock = threading.Lock()
_provider: Any = None


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
    if _provider is not None:
        _provider.clear_cache()


def _values(provider: str) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError, TransformParameterError

    arn = settings().required(f"{provider}_secret_arn")
    try:
        values = _secrets_provider().get(arn, transform="json")
    except (GetParameterError, TransformParameterError) as error:
        raise MissingSetting(f"the {provider} secret cannot be read: {type(error).__name__}") from None
    if not isinstance(values, dict):
        raise MissingSetting(f"the {provider} secret is not a JSON object")
    return values


def _secrets_provider() -> Any:
    """One Powertools provider per process (its cache is the process's), on the shared client."""
    global _provider
    with _lock:
        if _provider is None:
            # deferred on purpose: Powertools' parameters utility, only for functions that read secrets
            from aws_lambda_powertools.utilities.parameters import SecretsProvider

            _provider = SecretsProvider(boto3_client=aws_client("secretsmanager"))
        return _provider
