"""The CloudFormation custom resource protocol: CloudFormation invokes the function with a
request (Create, Update or Delete) and waits for the answer at a pre-signed S3 URL. The answer
is always sent, success or failure: a custom resource that never answers holds the stack for
an hour before CloudFormation gives up."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

#: what the handler does with a request: (request type, resource properties) -> data to return
Handle = Callable[[str, dict[str, Any]], dict[str, Any]]
ANSWER_TIMEOUT_S = 10


def custom_resource(logger: Logger, handle: Handle) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """A Lambda handler for a custom resource that runs `handle` and answers CloudFormation."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        answer = {"PhysicalResourceId": event.get("PhysicalResourceId") or event["LogicalResourceId"],
                  "StackId": event["StackId"], "RequestId": event["RequestId"],
                  "LogicalResourceId": event["LogicalResourceId"]}
        try:
            data = handle(event["RequestType"], event.get("ResourceProperties", {}))
            answer.update(Status="SUCCESS", Data=data)
        except Exception as error:  # every failure is told to CloudFormation, which rolls back
            logger.exception("custom resource failed")
            answer.update(Status="FAILED", Reason=f"{type(error).__name__}: {error}"[:1000])
        body = json.dumps(answer).encode()
        request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                         headers={"Content-Type": "", "Content-Length": str(len(body))})
        with urllib.request.urlopen(request, timeout=ANSWER_TIMEOUT_S):  # the URL CloudFormation gave
            pass
        return answer

    return handler
