"""Where a person's data could be left behind in the local cloud, looked through whole: every item
of the table, every object of every bucket, every login of the user pool, every execution of
every workflow (Step Functions keeps their histories 90 days, out of our reach), the stores of
the providers' stand-ins that our erasure asks to forget (Stripe, the field service) or that hold
what we sent them, and the functions' logs captured while it ran. `found(...)` says where each
needle is, as "store: place (what)".

What reached the person themselves is theirs, not ours to erase: the mail and text messages AWS
delivered (SES, SNS, Cognito's own mails), and the messages WhatsApp, Messenger and X delivered
(`delivered(...)` lists those apart; docs/adr/0025-erasure.md says how long each provider keeps
them)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from infra.local.template import ACCOUNT


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)


def places(running: Any, since: datetime | None = None, logs: list[str] | None = None) -> Iterator[tuple[str, str]]:
    """(where, what is there as text) for everything kept that is ours, or ours to have forgotten."""
    cloud = running.cloud
    dynamodb, table = cloud.client("dynamodb"), cloud.resolver.physical["Table"]
    for page in dynamodb.get_paginator("scan").paginate(TableName=table):
        for item in page.get("Items", []):
            yield f"table: {item['PK']['S']} / {item['SK']['S']}", _text(item)
    s3 = cloud.client("s3")
    for bucket in (b["Name"] for b in s3.list_buckets().get("Buckets", [])):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for listed in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket, Key=listed["Key"])["Body"].read()
                yield f"s3: {bucket}/{listed['Key']}", f"{listed['Key']} {body.decode('utf-8', 'replace')}"
    idp, pool = cloud.client("cognito-idp"), cloud.resolver.physical["UserPool"]
    for page in idp.get_paginator("list_users").paginate(UserPoolId=pool):
        for user in page.get("Users", []):
            yield f"user pool: {user['Username']}", _text(user)
    sfn = cloud.client("stepfunctions")
    for arn in cloud.state_machines.values():
        for execution in sfn.list_executions(stateMachineArn=arn)["executions"]:
            if since is not None and execution["startDate"].timestamp() < since.timestamp():
                continue
            history = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
            yield f"workflow: {execution['name']}", _text(history)
    stripe = running.stripe
    for name in ("sessions", "intents", "charges", "refunds", "disputes", "events"):
        for key, thing in getattr(stripe, name).items():
            yield f"stripe: {name}/{key}", _text(thing)
    for name, store in (("reports", stripe.identity.reports), ("payment_methods", stripe.payments.payment_methods)):
        for key, thing in store.items():
            yield f"stripe: {name}/{key}", _text(thing)
    for key, (body, result) in list(stripe._idempotent.items()):
        yield f"stripe: request log {key}", body + (result[1].decode("utf-8", "replace") if result else "")
    field = running.field
    for job_id, job in field.jobs.items():
        yield f"field service: job {job_id}", _text(job)
    yield "field service: calls", _text(field.calls)
    yield "field service: webhook deliveries", _text(field.deliveries)
    yield "channels sandbox: deliveries", _text(running.channels.sandbox.deliveries)
    for number, line in enumerate(logs or []):
        yield f"logs: line {number}", line


def found(running: Any, needles: dict[str, str], *, since: datetime | None = None,
          logs: list[str] | None = None) -> list[str]:
    """Every place a needle is (case aside): "where (what)"; empty when none is anywhere."""
    wanted = {what: needle.lower() for what, needle in needles.items() if needle}
    hits = []
    for where, text in places(running, since, logs):
        lowered = text.lower()
        hits += [f"{where} ({what})" for what, needle in wanted.items() if needle in lowered]
    return hits


def delivered(running: Any, needles: dict[str, str]) -> list[str]:
    """What reached the person (or went to them) through a provider, where a needle is in it: theirs
    to keep, or the provider's for its own retention; not in our stores."""
    region, hits = running.cloud.region, []
    places: list[tuple[str, str]] = [
        ("ses", _text({"to": m.destinations, "subject": m.subject, "body": m.body,
                       "html": getattr(m, "html", None)}))
        for m in ses_backends[ACCOUNT][region].sent_messages if hasattr(m, "destinations")]
    places += [("sns", f"{number} {text}") for number, text in sns_backends[ACCOUNT][region].sms_messages.values()]
    places += [("cognito mail", _text(m)) for m in running.cloud.mail._kept]
    places += [(f"{m['channel']} (sent)", _text(m)) for m in running.providers.sent]
    wanted = {what: needle.lower() for what, needle in needles.items() if needle}
    for where, text in places:
        hits += [f"{where} ({what})" for what, needle in wanted.items() if needle in text.lower()]
    return hits


@contextlib.contextmanager
def captured_logs() -> Iterator[list[str]]:
    """Every line the functions log while this runs, as CloudWatch would receive it (Powertools
    writes JSON to its stream handler; at INFO, the functions' level in AWS), kept in the list
    this yields; nothing is printed meanwhile."""
    lines: list[str] = []
    original = logging.StreamHandler.emit
    level = os.environ.get("POWERTOOLS_LOG_LEVEL")
    lowered = []

    def emit(handler: logging.StreamHandler, record: logging.LogRecord) -> None:  # type: ignore[type-arg]
        try:
            lines.append(handler.format(record))
        except Exception:  # a record that cannot be formatted is not a line Lambda would have written either
            lines.append(record.getMessage())

    for logger in list(logging.root.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger) and any(type(h) is logging.StreamHandler for h in logger.handlers):
            lowered.append((logger, logger.level))
            logger.setLevel(logging.INFO)
    os.environ["POWERTOOLS_LOG_LEVEL"] = "INFO"
    logging.StreamHandler.emit = emit  # type: ignore[method-assign]
    try:
        yield lines
    finally:
        logging.StreamHandler.emit = original  # type: ignore[method-assign]
        for logger, was in lowered:
            logger.setLevel(was)
        if level is None:
            os.environ.pop("POWERTOOLS_LOG_LEVEL", None)
        else:
            os.environ["POWERTOOLS_LOG_LEVEL"] = level
