"""Answering a workflow that waits on a task token (a `.waitForTaskToken` task): the one way work
done elsewhere (a person's decision, the last slice of a billing run) hands the waiting
execution its result."""

from __future__ import annotations

import json
from typing import Any

from opencounter.core.aws import aws_client

#: what Step Functions answers when nobody waits on the token any more
NOT_WAITING = ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist")


def answer_task(token: str, output: dict[str, Any]) -> bool:
    """Give the task waiting on `token` its output. False when nobody waits on it any more (the
    wait timed out, or the execution ended): a second answer, or one too late, changes nothing."""
    states = aws_client("stepfunctions")
    try:
        states.send_task_success(taskToken=token, output=json.dumps(output))
    except states.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") not in NOT_WAITING:
            raise
        return False
    return True
