"""Answering a workflow that waits on a task token: an answer nobody waits for any more (the wait
timed out, the execution ended) is no failure; any other refusal is."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from opencounter.core import workflows


class States:
    """Step Functions as SendTaskSuccess meets it: answers `refusal` (an error code), or takes the output."""

    exceptions = type("Exceptions", (), {"ClientError": ClientError})

    def __init__(self, refusal: str | None = None) -> None:
        self.refusal, self.sent = refusal, []

    def send_task_success(self, taskToken: str, output: str) -> None:  # noqa: N803 (boto3's names)
        if self.refusal:
            raise ClientError({"Error": {"Code": self.refusal, "Message": "no"}}, "SendTaskSuccess")
        self.sent.append((taskToken, json.loads(output)))


def _answer(monkeypatch: pytest.MonkeyPatch, states: States) -> Any:
    monkeypatch.setattr(workflows, "aws_client", lambda service: {"stepfunctions": states}[service])
    return workflows.answer_task("token-1", {"outcome": "verify"})


def test_the_waiting_task_gets_the_output(monkeypatch):
    states = States()
    assert _answer(monkeypatch, states) is True
    assert states.sent == [("token-1", {"outcome": "verify"})]


@pytest.mark.parametrize("code", ["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"])
def test_a_task_nobody_waits_on_any_more_is_told_so(monkeypatch, code):
    assert _answer(monkeypatch, States(code)) is False


def test_any_other_refusal_is_raised(monkeypatch):
    with pytest.raises(ClientError):
        _answer(monkeypatch, States("AccessDeniedException"))
