"""The local cloud: template.yaml running in moto's in-memory AWS, with our functions in-process.

Deploying the template is infra/local/deployment, running a function infra/local/lambdas, the
deliveries between resources (rules, streams, queues) infra/local/delivery, and looking inside
infra/local/inspection; Step Functions is moto's interpreter (execute_state_machine), which runs
the ASL for real. This module starts and stops it all, and knows when it has settled.

`synchronous=True` (tests) runs every consequence of a request before the request returns;
otherwise (make run) deliveries happen on background workers, as they would in AWS.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws
from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeTimedOut
from moto.stepfunctions.parser.models import stepfunctions_parser_backends

from infra.local import inspection, patches
from infra.local.delivery import Delivery
from infra.local.deployment import Deployment, deploy, run_custom_resources
from infra.local.inspection import Mailbox
from infra.local.lambdas import Function, FunctionCrashed, FunctionLogs
from infra.local.template import ACCOUNT, TEMPLATE, Resolver, load_template

#: an execution waiting longer than this is parked: settle() does not wait for it
PARKED_AFTER_S = 5.0
MOTO_ENV = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_SESSION_TOKEN": "local"}


class LocalCloud:
    """Deploys template.yaml in moto and runs it. Use as a context manager or start()/stop()."""

    def __init__(self, *, synchronous: bool, template: Path = TEMPLATE, region: str = "eu-west-1",
                 parameters: dict[str, str] | None = None, environment: dict[str, str] | None = None,
                 secrets: dict[str, dict[str, str]] | None = None, workers: int = 4,
                 retry_pause: float = 1.0) -> None:
        """`environment` overrides the template's function variables (e.g. a quieter log level);
        `secrets` fills the template's secrets (logical id -> values), as an operator does;
        `retry_pause` is the share of a Step Functions Retry interval really waited."""
        self.synchronous = synchronous
        self.region = region
        self.resolver = Resolver(load_template(template), region, "opencounter-local", dict(parameters or {}))
        self.environment = dict(environment or {})
        self.secrets = dict(secrets or {})
        self.deployed = Deployment()
        #: function name -> a fault run before its handler (or after it, when the fault has
        #: `after_work = True`); a fault that raises is a crash of that invocation
        self.faults: dict[str, Callable[[Any], None]] = {}
        self.delivery = Delivery(self.deployed, self.client, self.invoke, self._submit, synchronous=synchronous)
        self.mail = Mailbox(region)
        #: SQS's clock, which later() moves on
        self.queue_clock = patches.QueueClock()
        #: how much of a Step Functions Retry interval is waited
        self.retry_pause = patches.RetryPause(retry_pause)
        self._work: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._busy = 0
        self._busy_lock = threading.Condition()
        self._stream_lock = threading.Lock()
        self._settle_lock = threading.RLock()
        #: who settles now (a thread id) and whether a request made meanwhile asked for more; a
        #: request the settling thread waits on (a provider calling back into the API from a
        #: workflow step) must leave its consequences to that settle rather than wait for it
        self._settle_state = threading.Lock()
        self._settler: int | None = None
        self._more = False
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._workers = workers
        self._exit = contextlib.ExitStack()
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self._wake_times: dict[str, float] = {}
        #: execution -> the task token it waits to have answered (moto's record of it)
        self._awaited: dict[str, Any] = {}

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> LocalCloud:
        for name, value in {**MOTO_ENV, "AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}.items():
            os.environ[name] = value
        os.environ.pop("AWS_ENDPOINT_URL", None)
        self._exit.enter_context(mock_aws(config={"stepfunctions": {"execute_state_machine": True}}))
        self._exit.enter_context(patches.applied(self))
        FunctionLogs.from_environment()  # the functions' lines kept in a folder, when one is named
        self.deployed = self.delivery.deployed = deploy(self.resolver, self.client, self.environment, self.secrets)
        if not self.synchronous:
            for index in range(self._workers):
                self._spawn(self._work_loop, f"delivery-{index}")
            self._spawn(self._stream_loop, "stream-poller")
        run_custom_resources(self.resolver, self.invoke)  # the reference data, as a deploy loads it
        self.settle()
        return self

    def stop(self) -> None:
        self._stop.set()
        for _ in self._threads:
            self._work.put(None)
        for thread in self._threads:
            thread.join(timeout=5)
        self._exit.close()
        self._clients.clear()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def client(self, service: str) -> Any:
        """A client of the in-memory AWS, made once and shared (boto3 clients are thread-safe)."""
        with self._clients_lock:
            if service not in self._clients:
                # botocore now sends stream calls to account-based endpoints, which moto does not route
                endpoint = f"https://streams.dynamodb.{self.region}.amazonaws.com" \
                    if service == "dynamodbstreams" else None
                self._clients[service] = boto3.client(service, region_name=self.region, endpoint_url=endpoint)
            return self._clients[service]

    @property
    def functions(self) -> dict[str, Function]:
        return self.deployed.functions

    @property
    def state_machines(self) -> dict[str, str]:
        return self.deployed.state_machines

    # ------------------------------------------------------------ Lambda

    def function(self, name_or_arn: str) -> Function:
        name = name_or_arn.split(":function:")[-1].split(":")[0]
        return self.deployed.functions[name]

    def invoke(self, name: str, event: Any) -> Any:
        """Run a function's handler now, in this thread (as a synchronous Lambda invocation)."""
        function = self.function(name)
        fault = self.faults.get(function.name)
        after = getattr(fault, "after_work", False)
        if fault is not None and not after:
            try:
                fault(event)
            except Exception as error:
                raise FunctionCrashed(function.name, error) from error
        result = function.invoke(event)
        if fault is not None and after:  # the work is done, then the process dies before answering
            try:
                fault(event)
            except Exception as error:
                raise FunctionCrashed(function.name, error) from error
        return result

    def invoke_async(self, name: str, event: Any) -> None:
        self._submit(lambda: self.delivery.invoke_async(name, event))

    def route_event(self, bus: str, event: dict[str, Any]) -> None:
        """Called for every event moto accepted on a bus: deliver it to each matching rule target."""
        self.delivery.route_event(bus, event)

    # ------------------------------------------------------------ looking inside

    def write_mark(self, table: str = "Table") -> str | None:
        """The table's last write so far: `writes_since(mark)` lists every write after it."""
        self.settle()
        return inspection.last_write(self.delivery, self.resolver.get_att(table, "StreamArn"))

    def writes_since(self, mark: str | None, table: str = "Table") -> list[dict[str, Any]]:
        """Every insert, modify and remove since `mark`, as stream records (keys and images)."""
        return inspection.writes_after(self.delivery, self.resolver.get_att(table, "StreamArn"), mark)

    def deliver_mail(self, to: str, subject: str, body: str, source: str = "no-reply@verificationemail.com") -> None:
        """Mail that AWS services other than SES send themselves (Cognito's invitations)."""
        self.mail.deliver(to, subject, body, source)

    def mailbox(self, to: str) -> list[dict[str, str]]:
        """What SES, SNS and Cognito delivered to this address or phone number, oldest first."""
        return self.mail.messages(to)

    def _poll(self) -> bool:
        # a poll is work under way until it returns: a queue's batch it took is invisible on the
        # queue while its function runs, so a settle in another thread must wait for it, not see
        # an empty queue and an idle cloud
        with self._busy_lock:
            self._busy += 1
        try:
            with self._stream_lock:
                moved = self.delivery.poll_streams()
            return moved | self.delivery.poll_queues()
        finally:
            with self._busy_lock:
                self._busy -= 1
                self._busy_lock.notify_all()

    # ------------------------------------------------------------ running consequences

    def _submit(self, job: Callable[[], None]) -> None:
        with self._busy_lock:
            self._busy += 1
        self._work.put(job)

    def _run_one(self, job: Callable[[], None]) -> None:
        try:
            job()
        except Exception:  # a delivery's own failure must not stop the cloud
            traceback.print_exc()
        finally:
            with self._busy_lock:
                self._busy -= 1
                self._busy_lock.notify_all()

    def _work_loop(self) -> None:
        while (job := self._work.get()) is not None:
            self._run_one(job)

    def _stream_loop(self) -> None:
        while not self._stop.wait(0.02):
            try:
                while self._poll():
                    pass
            except Exception:
                traceback.print_exc()

    def later(self, seconds: float) -> None:
        """Let `seconds` pass for the queues and the workflows, as if the time had gone by: a
        message waiting out its visibility timeout comes back and is handed over again, settled
        each time. The clock moves in steps no longer than the shortest visibility timeout of a
        queue a function reads, so a message failing again waits its whole timeout again. A
        workflow's task waiting for its token whose timeout (TimeoutSeconds or TimeoutSecondsPath)
        runs out within `seconds` times out first, as it would have by then (States.Timeout, for
        its Catch); a task scheduled meanwhile starts its timeout when this call ends."""
        self.settle()
        self._time_out_tasks(time.time() + seconds)
        step = min((sub.visibility_timeout_s for sub in self.deployed.queues if sub.visibility_timeout_s),
                   default=seconds)
        left = seconds
        while left > 0:
            moved = min(step, left)
            self.queue_clock.offset_s += moved
            left -= moved
            self.settle()

    def _time_out_tasks(self, by: float) -> None:
        """Time out every task waiting for its token whose timeout ends by `by` (a Unix time)."""
        sfn = self.client("stepfunctions")
        for arn in self.deployed.state_machines.values():
            for execution_arn in running_executions(self.region, arn):
                history = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000,
                                                    reverseOrder=True)["events"]
                token = awaited_token(self.region, execution_arn, history)
                ends = task_timeout_ends(history)
                if token is not None and ends is not None and ends <= by:
                    time_out(token)

    def _busy_executions(self) -> int:
        """Executions still working. One parked in a Wait state for longer than PARKED_AFTER_S is
        waiting for its time (a move date, a verification window): a future consequence, not one
        still under way. Shorter waits are waited out. One waiting for a task token nobody has
        answered yet waits for others (a queue's consumers, which settling runs, or a person):
        parked too, until the token is answered."""
        busy = 0
        for name, arn in self.deployed.state_machines.items():
            for execution_arn in running_executions(self.region, arn):
                if self._wakes_in(name, execution_arn) <= PARKED_AFTER_S:
                    busy += 1
        return busy

    def _wakes_in(self, machine: str, execution_arn: str) -> float:
        """Seconds until a parked execution wakes up (infinite while its task token is not
        answered); 0 when it is not parked."""
        token = self._awaited.get(execution_arn)
        if token is not None:
            if token.get_outcome() is None:
                return math.inf
            del self._awaited[execution_arn]  # answered: the execution works on
        wake = self._wake_times.get(execution_arn)
        if wake is None or wake <= time.time():
            history = self.client("stepfunctions").get_execution_history(executionArn=execution_arn)["events"]
            last = max(history, key=lambda e: e["id"]) if history else None
            if last and last["type"] == "TaskSubmitted":
                token = awaited_token(self.region, execution_arn, history)
                if token is not None:
                    self._awaited[execution_arn] = token
                    return math.inf
            if not last or last["type"] != "WaitStateEntered":
                return 0.0
            wake = _wake_time(self.deployed.definitions[machine], last)
            self._wake_times[execution_arn] = wake
        return wake - time.time()

    def settle(self, timeout: float = 60.0, *, unless_settling: bool = False) -> None:
        """Wait until every consequence of what happened so far has happened: stream records
        delivered, events routed, executions finished. In synchronous mode this does the work.
        A queued message waiting out its visibility timeout after a failure is, like an execution
        parked in a Wait state, a consequence in the future (later() brings it about).
        `unless_settling`: when another thread is settling, leave this to it (it goes on until
        what this caller did is settled too) instead of waiting for it; the API does so after a
        request, which that very settle may be waiting on."""
        me = threading.get_ident()
        while True:
            with self._settle_state:
                if unless_settling and self._settler not in (None, me):
                    self._more = True
                    return
                if self._settle_lock.acquire(blocking=False):
                    previous, self._settler = self._settler, me
                    break
            if not unless_settling:
                self._settle_lock.acquire()  # wait for the settle under way, then settle again
                with self._settle_state:
                    previous, self._settler = self._settler, me
                break
            time.sleep(0.005)  # taken by a thread about to say it settles: look again
        deadline, done = time.monotonic() + timeout, False
        try:
            while not done:
                self._settle(deadline)
                with self._settle_state:  # no request left more to it: stop settling in the same step
                    done, self._more = not self._more, False
                    if done:
                        self._settler = previous
                        self._settle_lock.release()
        except BaseException:
            with self._settle_state:
                self._settler = previous
                self._settle_lock.release()
            raise

    def _settle(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            # executions are counted before the streams are read: one that finishes meanwhile
            # may have written records this round's read missed, so it earns another round
            busy_before = self._busy_executions()
            if self.synchronous:
                progressed = self._poll()
                while not self._work.empty():
                    job = self._work.get()
                    if job is not None:
                        self._run_one(job)
                        progressed = True
            else:
                progressed = self._poll()
                with self._busy_lock:
                    if self._busy:
                        self._busy_lock.wait(0.05)
                        progressed = True
            if busy_before or self._busy_executions():
                time.sleep(0.02)  # polling harder only takes time from the flows' own thread
                continue
            if not progressed:
                return
        raise TimeoutError("the local cloud did not settle in time")


def running_executions(region: str, state_machine_arn: str) -> list[str]:
    """The ARNs of a state machine's executions still running (what ListExecutions with the status
    filter RUNNING lists), read off moto's backend in this process. settle() asks every round;
    through the API (a request made, parsed and answered per state machine) that was most of what
    settling after a request cost. Guarded by test_moto_internals."""
    machine = stepfunctions_parser_backends[ACCOUNT][region].describe_state_machine(state_machine_arn)
    return [execution.execution_arn for execution in list(machine.executions) if execution.status == "RUNNING"]


def awaited_token(region: str, execution_arn: str, history: list[dict[str, Any]]) -> Any:
    """The task token the task an execution submitted last (a `.waitForTaskToken` task) still
    waits to be answered (SendTaskSuccess or SendTaskFailure), or None. The token is among the
    task's parameters; moto's interpreter keeps, per token, what became of it: its
    `get_outcome()` is None until it is answered (guarded by test_moto_internals)."""
    scheduled = max((e for e in history if e["type"] == "TaskScheduled"), key=lambda e: e["id"], default=None)
    if scheduled is None:
        return None
    execution = stepfunctions_parser_backends[ACCOUNT][region].describe_execution(execution_arn)
    tokens = execution.exec_worker.env.callback_pool_manager
    for value in _strings(json.loads(scheduled["taskScheduledEventDetails"]["parameters"])):
        token = tokens.get(value)
        if token is not None:
            return token if token.get_outcome() is None else None
    return None


def task_timeout_ends(history: list[dict[str, Any]]) -> float | None:
    """When the timeout of the task an execution scheduled last ends (a Unix time), or None when
    it has none: its TaskScheduled event carries the seconds, TimeoutSecondsPath resolved."""
    scheduled = max((e for e in history if e["type"] == "TaskScheduled"), key=lambda e: e["id"], default=None)
    seconds = scheduled and scheduled["taskScheduledEventDetails"].get("timeoutInSeconds")
    return None if not scheduled or seconds is None else scheduled["timestamp"].timestamp() + seconds


def time_out(token: Any) -> None:
    """The timeout of a task waiting for this token (awaited_token's) has passed: its wait ends as
    moto's own timer ends it, with the outcome timed out, and the task fails with States.Timeout
    (guarded by test_moto_internals)."""
    token.notify(CallbackOutcomeTimedOut(callback_id=token.callback_id))


def _strings(document: Any) -> Iterator[str]:
    if isinstance(document, str):
        yield document
    elif isinstance(document, dict):
        for value in document.values():
            yield from _strings(value)
    elif isinstance(document, list):
        for value in document:
            yield from _strings(value)


def _json_path(document: Any, path: str) -> Any:
    for part in path.removeprefix("$").strip(".").split("."):
        if part:
            document = document[part]
    return document


def _wake_time(definition: dict[str, Any], entered: dict[str, Any]) -> float:
    """When a Wait state entered as `entered` (a history event) ends, as a Unix time."""
    details = entered["stateEnteredEventDetails"]
    state = definition.get("States", {}).get(details["name"])
    if not state:  # a Wait inside a Parallel or Map branch: do not guess, treat it as working
        return time.time()
    document = json.loads(details.get("input") or "{}")
    started = entered["timestamp"].timestamp()
    if "Seconds" in state:
        return started + float(state["Seconds"])
    if "SecondsPath" in state:
        return started + float(_json_path(document, state["SecondsPath"]))
    stamp = state.get("Timestamp") or _json_path(document, state["TimestampPath"])
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
