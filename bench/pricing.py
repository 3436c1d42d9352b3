"""What AWS charges in eu-west-1 (Europe, Ireland), on demand, for the units infra/local/metering.py
counts, and a month of a realistic customer put together from the flows bench/cost.py measures.
Every price, the date it was read and where: docs/cost.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

READ_ON = "2026-12-05"
REGION = "eu-west-1"


@dataclass(frozen=True)
class Price:
    usd: float
    per: float  # units the price is for
    unit: str
    service: str
    source: str

    def of(self, amount: float) -> float:
        return amount / self.per * self.usd


LAMBDA = "https://aws.amazon.com/lambda/pricing/"
APIGW = "https://aws.amazon.com/api-gateway/pricing/"
DYNAMODB = "https://aws.amazon.com/dynamodb/pricing/on-demand/"
EVENTBRIDGE = "https://aws.amazon.com/eventbridge/pricing/"
SFN = "https://aws.amazon.com/step-functions/pricing/"
SQS = "https://aws.amazon.com/sqs/pricing/"
CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/"
SECRETS = "https://aws.amazon.com/secrets-manager/pricing/"
SES = "https://aws.amazon.com/ses/pricing/"
SMS = "https://aws.amazon.com/end-user-messaging/pricing/"
S3 = "https://aws.amazon.com/s3/pricing/"
COGNITO = "https://aws.amazon.com/cognito/pricing/"
XRAY = "https://aws.amazon.com/xray/pricing/"

#: unit (as the meter names it, or a derived one) -> its eu-west-1 on-demand price
PRICES: dict[str, Price] = {
    "lambda.requests": Price(0.20, 1e6, "requests", "Lambda", LAMBDA),
    "lambda.gb_s": Price(0.0000133334, 1, "GB-second, arm64, first 7.5 billion GB-s a month", "Lambda", LAMBDA),
    "apigateway.requests": Price(3.50, 1e6, "REST API requests, first 333 million a month", "API Gateway", APIGW),
    "dynamodb.wru": Price(0.7068, 1e6, "write request units, on demand (after the 2024-11 reduction)", "DynamoDB",
                          DYNAMODB),
    "dynamodb.rru": Price(0.1415, 1e6, "read request units, on demand (after the 2024-11 reduction)", "DynamoDB",
                          DYNAMODB),
    "dynamodb.storage_gb_month": Price(0.283, 1, "GB-month stored, Standard table class", "DynamoDB", DYNAMODB),
    "dynamodb.pitr_gb_month": Price(0.22, 1, "GB-month of continuous backups (PITR)", "DynamoDB", DYNAMODB),
    "eventbridge.events": Price(1.00, 1e6, "custom events put (64 KB chunks)", "EventBridge", EVENTBRIDGE),
    "eventbridge.archive_gb": Price(0.10, 1, "GB of events archived", "EventBridge", EVENTBRIDGE),
    "sfn.transitions": Price(0.025, 1e3, "Standard state transitions", "Step Functions", SFN),
    "sqs.requests": Price(0.40, 1e6, "standard queue requests (64 KB chunks)", "SQS", SQS),
    "logs.ingested_gb": Price(0.57, 1, "GB ingested, Standard log class", "CloudWatch Logs", CLOUDWATCH),
    "logs.stored_gb_month": Price(0.03, 1, "GB-month archived (compressed)", "CloudWatch Logs", CLOUDWATCH),
    "secretsmanager.calls": Price(0.05, 1e4, "API calls", "Secrets Manager", SECRETS),
    # outside the goal's services, reported apart
    "ses.messages": Price(0.10, 1e3, "e-mails sent", "SES", SES),
    "ses.received": Price(0.10, 1e3, "e-mails received", "SES", SES),
    "s3.put_requests": Price(0.005, 1e3, "PUT requests", "S3", S3),
    "s3.get_requests": Price(0.0004, 1e3, "GET requests", "S3", S3),
    "sns.sms": Price(0.0958, 1, "text message to a Dutch mobile number (carrier-dependent)", "SMS", SMS),
    "xray.traces": Price(5.00, 1e6, "traces recorded", "X-Ray", XRAY),
}
#: the services the goal covers (the rest is reported as other AWS and identity)
GOAL_SERVICES = ("Lambda", "API Gateway", "DynamoDB", "EventBridge", "Step Functions", "SQS", "CloudWatch Logs",
                 "Secrets Manager")
GOAL_USD_PER_1000 = 1.00
GB = 1024 ** 3

#: Cognito user pools: (MAUs up to, USD per MAU) beyond the free MAUs; Lite is tiered
COGNITO_TIERS: dict[str, tuple[int, list[tuple[float, float]]]] = {
    "essentials": (10_000, [(float("inf"), 0.015)]),
    "lite": (10_000, [(100_000, 0.0055), (1_000_000, 0.0046), (10_000_000, 0.00325), (float("inf"), 0.0025)]),
    "plus": (0, [(float("inf"), 0.02)]),
}


def cognito_usd(maus: float, tier: str) -> float:
    """A month of a user pool with `maus` monthly active users on a feature plan."""
    free, bands = COGNITO_TIERS[tier]
    usd, below = 0.0, float(free)
    for upto, rate in bands:
        if maus > below:
            usd += (min(maus, upto) - below) * rate
        below = max(below, upto)
    return usd


def priced(units: dict[str, float]) -> dict[str, float]:
    """USD per service of a set of units (units without a price are left out: they are free, such as
    a Cognito call, or priced elsewhere, such as bytes logged)."""
    by_service: dict[str, float] = {}
    for name, amount in units.items():
        price = PRICES.get(name)
        if price is not None and amount:
            by_service[price.service] = by_service.get(price.service, 0.0) + price.of(amount)
    return by_service


def billable(units: dict[str, float]) -> dict[str, float]:
    """The meter's units with the derived ones added: bytes logged as GB ingested."""
    logged = sum(units.get(k, 0) for k in ("logs.function_bytes", "logs.platform_bytes", "logs.access_bytes"))
    return {**units, "logs.ingested_gb": logged / GB, "eventbridge.archive_gb": units.get("eventbridge.bytes", 0) / GB}


# ------------------------------------------------------------------ a month of a customer

#: how long a customer stays: a sign-up is spread over it
TENURE_MONTHS = 36
#: the customers who sign in at least once in a month (Cognito counts them as monthly active users)
MONTHLY_ACTIVE_SHARE = 0.5
#: products a customer holds, by kind (1.5 in all, as ADR 14 assumes): fibre reports no usage
PRODUCTS = {"mobile": 0.7, "energy": 0.4, "internet": 0.4}
#: how the network reports usage: one record per unit per day (mediation sends a day's total)
USAGE_RECORDS_PER_MONTH = {"mobile": 3 * 30, "energy": 30, "internet": 0}
#: a chat page open reads the contact every second (web/js/chat.js): minutes a chat stays open
CHAT_OPEN_S = 300
#: contacts per customer per month (about one a year), by channel; phone calls go through Amazon
#: Connect, not priced here
CONTACTS = {"contact_chat": 0.04, "contact_email": 0.025, "contact_whatsapp": 0.025}

#: visits (ADR 20): an engineer connects a fibre line, an installer places a smart meter, once, when
#: the product starts; of the 0.8 products a customer holds that need one, spread over the tenure:
#: a customer plans a visit about once in four years, against three overviews a month. A quarter of
#: the visits are moved once; the visits page is opened twice more before the visit, to check the
#: time (the overview shows the next visit and reads the appointments every time)
VISITS = (PRODUCTS["energy"] + PRODUCTS["internet"]) / TENURE_MONTHS
VISITS_MOVED = 0.25
VISIT_PAGE_READS = 2

#: flow -> occurrences per customer per month
CUSTOMER_MONTH: dict[str, float] = {
    "signup": 1 / TENURE_MONTHS,
    "login": MONTHLY_ACTIVE_SHARE * 4,  # an active customer signs in 4 times a month
    "overview": MONTHLY_ACTIVE_SHARE * 6,  # the overview after each sign-in, and twice more
    "change_record": 0.1,
    "usage_month_mobile": PRODUCTS["mobile"],
    "usage_month_energy": PRODUCTS["energy"],
    "billing_run": 1,
    "invoice_issued": 1,  # the invoice's consequences: its notification, the timeline
    "payment": 1,
    **CONTACTS,
    "chat_page_read": CONTACTS["contact_chat"] * CHAT_OPEN_S,
    "appointment_plan": VISITS,  # the page, two fortnights of free windows, POST, the page again
    "appointment_move": VISITS * VISITS_MOVED,
    "appointments_read": VISITS * VISIT_PAGE_READS,
}

#: what a month of the whole system costs whatever the number of customers, besides the flows
FIXED_MONTH = {
    "channel_figures_minute": 30 * 24 * 60,  # ChannelFiguresFunction, every minute
}
#: Lambda's SQS pollers long-poll an idle queue: about 5 pollers x 3 polls a minute, two queues
IDLE_SQS_REQUESTS_MONTH = 2 * 5 * 3 * 60 * 24 * 30
SECRETS = 3  # StripeSecret, MetaSecret, XSecret: USD 0.40 a month each
SECRET_MONTH_USD = 0.40
#: a Query of the customer's whole partition grows with the customer: the month a customer is, on
#: average, into the tenure (the read figures are measured at this age)
AVERAGE_AGE_MONTHS = TENURE_MONTHS // 2
#: the billing run at scale (ADR 14): a page of 100 products (billing/run.py PAGE_SIZE; some 67
#: customers at 1.5 products each) is one BillingSliceFunction invocation and three SQS requests
#: (the page sent, received, deleted); the workflow's transitions are the same for any number of
#: customers (nothing per customer at millions), where the bench's run of a dozen customers divides
#: its constant part by a dozen
BILLING_CUSTOMERS_PER_PAGE = 100 / sum(PRODUCTS.values())
BILLING_AT_SCALE = {"sfn.transitions": 0.0, "lambda.requests": 1 / BILLING_CUSTOMERS_PER_PAGE,
                    "sqs.requests": 3 / BILLING_CUSTOMERS_PER_PAGE}
#: X-Ray's default sampling rule: the first request each second, then 5 %
XRAY_SAMPLED = 0.05


def month_of_customer(per_flow: dict[str, dict[str, float]], *, log_compression: float,
                      stored_bytes_per_customer: float) -> dict[str, Any]:
    """A month of one customer: units and USD per service and per flow, from each flow's units
    per occurrence (`per_flow`) and CUSTOMER_MONTH; storage from the bytes a customer keeps."""
    units: dict[str, float] = {}
    by_flow: dict[str, dict[str, float]] = {}
    for flow, times in CUSTOMER_MONTH.items():
        flow_units = billable(per_flow[flow])
        by_flow[flow] = {service: usd * times for service, usd in priced(flow_units).items()}
        for name, amount in flow_units.items():
            units[name] = units.get(name, 0.0) + amount * times
    # kept: the table's items and their index entries (PITR backs up the same bytes), a month of logs
    stored_gb = stored_bytes_per_customer / GB
    logs_gb = units["logs.ingested_gb"] * log_compression + units.get("logs.events", 0) * 26 / GB
    storage = {"dynamodb.storage_gb_month": stored_gb, "dynamodb.pitr_gb_month": stored_gb,
               "logs.stored_gb_month": logs_gb}
    units.update(storage)
    by_flow["storage"] = priced(storage)
    by_service = priced(units)
    return {"units": units, "usd_by_service": by_service, "usd_by_flow": by_flow}


def fixed_month(per_flow: dict[str, dict[str, float]]) -> dict[str, float]:
    """USD a month that does not depend on the number of customers."""
    usd: dict[str, float] = {}
    for flow, times in FIXED_MONTH.items():
        for service, amount in priced(billable(per_flow[flow])).items():
            usd[service] = usd.get(service, 0.0) + amount * times
    usd["SQS"] = usd.get("SQS", 0.0) + PRICES["sqs.requests"].of(IDLE_SQS_REQUESTS_MONTH)
    usd["Secrets Manager"] = usd.get("Secrets Manager", 0.0) + SECRETS * SECRET_MONTH_USD
    return usd
