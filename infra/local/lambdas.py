"""Lambda, in this process: each function of the template is imported from its code directory
and called like a warm Lambda (one module per function, the shared layer loaded once), with a
context that counts down the function's timeout. A handler that raises is what Lambda reports
as an Unhandled function error."""

from __future__ import annotations

import importlib.util
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Metrics


class FunctionCrashed(Exception):
    """The handler raised: what Lambda reports as an Unhandled function error."""

    def __init__(self, function: str, error: BaseException) -> None:
        super().__init__(f"{function}: {type(error).__name__}: {error}")
        self.error = error
        self.payload = {"errorMessage": str(error), "errorType": type(error).__name__,
                        "stackTrace": traceback.format_exception(error)}


@dataclass
class LambdaContext:
    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class Function:
    """One AWS::Serverless::Function, run in this process like a warm Lambda."""

    name: str
    code_dir: Path
    handler_path: str
    environment: dict[str, str]
    memory: int
    timeout: int
    arn: str = ""
    #: asynchronous invocations: Lambda's retries after the first try, and the on-failure queue
    async_retries: int = 2
    on_failure_arn: str | None = None
    _handler: Callable | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self) -> Callable:
        with self._lock:
            if self._handler is None:
                module_name, attribute = self.handler_path.rsplit(".", 1)
                spec = importlib.util.spec_from_file_location(
                    f"opencounter_function_{self.name}", self.code_dir / f"{module_name}.py")
                module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
                spec.loader.exec_module(module)  # type: ignore[union-attr]
                self._handler = getattr(module, attribute)
            return self._handler

    def invoke(self, event: Any) -> Any:
        context = LambdaContext(self.name, self.arn, self.memory, self.timeout)
        try:
            return self.handler()(event, context)
        except Exception as error:
            raise FunctionCrashed(self.name, error) from error
        finally:
            if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() == "true":
                _discard_metrics()


def _discard_metrics() -> None:
    """With metrics off nothing flushes them, and all in-process functions share Powertools' one
    metric set: left alone it fills up and prints itself every 100 values."""
    Metrics().clear_metrics()
