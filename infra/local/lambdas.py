"""Lambda, in this process: each function of the template is imported from its code directory
and called like a warm Lambda (the shared layer loaded once), with a context that counts down the
function's timeout. A handler that raises is what Lambda reports as an Unhandled function error.

As in Lambda, an execution environment serves one request at a time: a request that finds every
environment of its function busy gets a new one (the function's module imported again, a cold
start), so requests served side by side never share a handler's module state (the resolver's
current event, above all); an environment is kept, warm, for the next request."""

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
    #: the handlers of the environments not serving a request now
    _idle: list[Callable] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: one environment starts at a time: its module sets up the process's one logger of the function
    _starting: threading.Lock = field(default_factory=threading.Lock)
    #: execution environments started so far
    environments: int = 0

    def _environment(self) -> Callable:
        """The handler of an idle execution environment, or of a new one."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
            self.environments += 1
        with self._starting:
            module_name, attribute = self.handler_path.rsplit(".", 1)
            spec = importlib.util.spec_from_file_location(
                f"opencounter_function_{self.name}", self.code_dir / f"{module_name}.py")
            module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
            spec.loader.exec_module(module)  # type: ignore[union-attr]
            return getattr(module, attribute)

    def invoke(self, event: Any) -> Any:
        handler = self._environment()
        context = LambdaContext(self.name, self.arn, self.memory, self.timeout)
        try:
            return handler(event, context)
        except Exception as error:
            raise FunctionCrashed(self.name, error) from error
        finally:
            with self._lock:
                self._idle.append(handler)
            if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() == "true":
                _discard_metrics()


def _discard_metrics() -> None:
    """With metrics off nothing flushes them, and all in-process functions share Powertools' one
    metric set: left alone it fills up and prints itself every 100 values."""
    Metrics().clear_metrics()
