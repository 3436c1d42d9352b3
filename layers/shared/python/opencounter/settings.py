"""Deployment settings, read from the environment the template gives every function."""

import os


def table_name() -> str:
    """The single DynamoDB table that holds the customer record."""
    return os.environ["TABLE_NAME"]


def event_bus_name() -> str:
    """The EventBridge bus every domain event goes to."""
    return os.environ["EVENT_BUS_NAME"]


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION", "eu-west-1")
