"""Deployment settings: read once per process (a Lambda's cold start) from the environment the
template gives each function, into one frozen object. This module is the only reader of the
environment in the shared layer.

A function gets only the variables it needs; a setting its code path needs and the template did
not give it is refused by `required`, never replaced by a guess."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cache

DEFAULT_REGION = "eu-west-1"


class MissingSetting(RuntimeError):
    """A setting this code path cannot work without is not set for the function."""


class NotForProduction(MissingSetting):
    """A sandbox (an adapter answering from test data, a stand-in's address, a test-mode key)
    asked to work in the production stage, where it would let everyone through: it refuses."""


#: the stage whose customers are real: no sandbox may answer there
PRODUCTION = "prod"


@dataclass(frozen=True)
class Settings:
    """Every variable of the template's functions (TABLE_NAME is `table_name`, and so on)."""

    region: str = DEFAULT_REGION
    #: dev or prod (the template's Stage); empty counts as production: a sandbox needs to be let in
    stage: str = ""
    table_name: str = ""
    event_bus_name: str = ""
    #: the portal's origin: the only one whose pages may read the API's answers (CORS)
    portal_origin: str = ""
    user_pool_id: str = ""
    sender_address: str = ""
    #: the SES configuration set every mail is sent with: it publishes what came of each (delivered,
    #: bounced, opened, clicked) to the default event bus
    ses_configuration_set: str = ""
    service_address: str = ""
    inbound_mail_bucket: str = ""
    inbound_mail_prefix: str = "mail/"
    #: the private bucket disputes' evidence files are uploaded to (pre-signed) and kept in
    evidence_bucket: str = ""
    #: empty in AWS (S3's own regional address); the local cloud points the pre-signed links at its stand-in
    evidence_upload_base: str = ""
    #: the private bucket customers' copies of their data are written to and downloaded from (pre-signed)
    exports_bucket: str = ""
    signup_verification_arn: str = ""
    verification_wait_seconds: float = 3600.0
    stripe_api_base: str = ""
    #: the providers' secrets are in Secrets Manager (core.secrets): a function gets their ARNs
    stripe_secret_arn: str = ""
    meta_secret_arn: str = ""
    x_secret_arn: str = ""
    #: the field service's (and its carriers') secret: the webhook's signing secret and the API token
    field_service_secret_arn: str = ""
    #: the field service's job API; the local cloud points it at its stand-in (refused in production)
    field_service_api_base: str = ""
    #: the workflow that follows each appointment through its day (reminder, the check afterwards)
    appointment_workflow_arn: str = ""
    #: the erasure workflow (a customer's data erased, GDPR art. 17), and how long it waits before its last
    #: sweep for what was still on its way when it erased (a late event's timeline entry)
    erasure_workflow_arn: str = ""
    erasure_sweep_after_seconds: int = 86400
    #: seconds a provider's secret is kept in a warm function: a rotation is in use within this time
    secrets_max_age_seconds: float = 300.0
    payment_checkout_url: str = ""
    meta_api_base: str = ""
    whatsapp_phone_number_id: str = ""
    x_api_base: str = ""
    #: the queue the billing run hands its slices to, and how many slices it cuts each billing shard into
    billing_slice_queue_url: str = ""
    billing_slices_per_shard: int = 16
    #: the queue a mailing's pages of customers are sent from
    mailing_queue_url: str = ""
    #: the queue the daily reminder run's pages of due reminder steps are taken from
    reminder_queue_url: str = ""
    #: the queue an outage's pages of addresses are told from
    outage_queue_url: str = ""
    #: days the functions' and the API's logs are kept (the template's LogRetentionDays), for the
    #: privacy officer's retention settings; 0: not told
    log_retention_days: int = 0
    #: the queue the pages of an idea's followers to be told are sent from
    idea_follower_queue_url: str = ""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        values: dict[str, object] = {}
        for setting in fields(cls):
            raw = environ.get(setting.name.upper())
            if raw is None or raw == "":
                continue
            values[setting.name] = float(raw) if setting.type == "float" else int(raw) if setting.type == "int" else raw
        values["region"] = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        return cls(**values)  # type: ignore[arg-type]

    @property
    def production(self) -> bool:
        return self.stage in ("", PRODUCTION)

    def sandbox(self, what: str) -> None:
        """Refuse (NotForProduction) unless this is a stage where test data may answer."""
        if self.production:
            raise NotForProduction(f"{what} is a sandbox; it does not run in production (STAGE={self.stage or '?'})")

    def required(self, name: str) -> str:
        """The value of setting `name`; MissingSetting when the function was given none."""
        value = str(getattr(self, name))
        if not value:
            raise MissingSetting(f"{name.upper()} is not set for this function")
        return value


@cache
def settings() -> Settings:
    """This process's settings, read at first use (a warm function keeps them)."""
    return Settings.from_environment()


def trace_header() -> str | None:
    """The X-Ray trace header of the invocation under way: Lambda sets it per invocation, so it
    is read each time, not kept."""
    return os.environ.get("_X_AMZN_TRACE_ID")
