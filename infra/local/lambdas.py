"""Lambda, in this process: each function of the template is imported from its code directory
and called like a warm Lambda (the shared layer loaded once), with a context that counts down the
function's timeout. A handler that raises is what Lambda reports as an Unhandled function error.

As in Lambda, an execution environment serves one request at a time: a request that finds every
environment of its function busy gets a new one (the function's module imported again, a cold
start), so requests served side by side never share a handler's module state (the resolver's
current event, above all); an environment is kept, warm, for the next request.

What a function logs goes where the process's logging sends it; with OPENCOUNTER_FUNCTION_LOGS set
to a folder, it is kept there instead, as CloudWatch Logs keeps it (FunctionLogs): the tests scan
every line a run logged for personal data (tests/personal_data.py)."""

from __future__ import annotations

import builtins
import importlib.util
import json
import logging
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, TextIO

from aws_lambda_powertools import Metrics

#: the folder the functions' log lines are kept in when set (a file per process)
LOGS_FOLDER = "OPENCOUNTER_FUNCTION_LOGS"


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
            with FunctionLogs.serving(self.name, context.aws_request_id):
                try:
                    return handler(event, context)
                except Exception as error:
                    FunctionLogs.crashed(error)  # what Lambda itself logs of an unhandled error
                    raise
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


class FunctionLogs:
    """The log group of every function, locally: with LOGS_FOLDER set, each line a function writes
    while it serves an invocation in this process (every record a logging.StreamHandler emits,
    Powertools' JSON among them, whatever is printed, and the record Lambda itself writes of an
    unhandled error, its message included) is appended to <folder>/functions-<process>.jsonl as
    {"function", "request_id", "line"}. Records below WARNING go only there, as in AWS they reach
    the log group, not a terminal; warnings and errors reach the console too, where a failing
    test shows them. (The bench's meter counts what reaches a stream: it runs without this.)"""

    _local = threading.local()
    _lock = threading.Lock()
    _file: ClassVar[TextIO | None] = None
    _emit: ClassVar[Callable[..., None] | None] = None
    _print: ClassVar[Callable[..., None] | None] = None

    @classmethod
    def from_environment(cls) -> Path | None:
        """Start keeping the lines when LOGS_FOLDER is set (once per process): the file's path."""
        folder = os.environ.get(LOGS_FOLDER)
        if not folder:
            return None
        with cls._lock:
            if cls._file is None:
                worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
                path = Path(folder) / f"functions-{worker}-{os.getpid()}.jsonl"
                path.parent.mkdir(parents=True, exist_ok=True)
                cls._file = path.open("a", encoding="utf-8", buffering=1)
            cls.install()
            return Path(cls._file.name)

    @classmethod
    def install(cls) -> None:
        """Take over logging's stream handlers and print (once): while a thread serves an
        invocation, what they write is kept; otherwise it goes on as before."""
        if cls._emit is None:
            cls._emit, cls._print = logging.StreamHandler.emit, builtins.print
            logging.StreamHandler.emit = cls._emitted  # type: ignore[method-assign]
            builtins.print = cls._printed

    @classmethod
    @contextmanager
    def serving(cls, function: str, request_id: str) -> Iterator[None]:
        stack = cls._stack()
        stack.append((function, request_id))
        try:
            yield
        finally:
            stack.pop()

    @classmethod
    def _stack(cls) -> list[tuple[str, str]]:
        if not hasattr(cls._local, "stack"):
            cls._local.stack = []
        stack: list[tuple[str, str]] = cls._local.stack
        return stack

    @classmethod
    def keep(cls, text: str) -> bool:
        """Keep `text` as a line (or lines) of the function this thread serves; False when none."""
        stack = cls._stack()
        if cls._file is None or not stack:
            return False
        function, request_id = stack[-1]
        with cls._lock:
            for line in text.rstrip("\n").split("\n"):
                cls._file.write(json.dumps({"function": function, "request_id": request_id, "line": line},
                                           ensure_ascii=False) + "\n")
        return True

    @classmethod
    def crashed(cls, error: BaseException) -> None:
        """The record Lambda writes in the JSON log format when a handler raises."""
        cls.keep(json.dumps({"timestamp": datetime.now(UTC).isoformat(), "level": "ERROR",
                             "message": {"errorMessage": str(error), "errorType": type(error).__name__,
                                         "stackTrace": traceback.format_tb(error.__traceback__)}}))

    @staticmethod
    def _emitted(handler: logging.StreamHandler, record: logging.LogRecord) -> None:  # type: ignore[type-arg]
        kept = False
        # (pytest's own handlers, which take records for its reports, are no function's output)
        if FunctionLogs._file is not None and FunctionLogs._stack() \
                and not type(handler).__module__.startswith("_pytest"):
            try:
                kept = FunctionLogs.keep(handler.format(record))
            except Exception:  # a record that cannot be formatted is the handler's to report
                kept = False
        if not kept or record.levelno >= logging.WARNING:
            FunctionLogs._emit(handler, record)  # type: ignore[misc]

    @staticmethod
    def _printed(*args: Any, **kwargs: Any) -> None:
        target = kwargs.get("file")
        if target in (None, sys.stdout, sys.stderr):
            FunctionLogs.keep(kwargs.get("sep", " ").join(map(str, args)))
        FunctionLogs._print(*args, **kwargs)  # type: ignore[misc]
