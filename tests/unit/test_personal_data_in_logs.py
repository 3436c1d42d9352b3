"""No personal data in the logs, proven able to fail: the scan a test run ends with finds a demo
customer's e-mail address and phone number (in every way a number is written), a test customer's
data as the tests registered it, and an IBAN, and says where without repeating them; the local
cloud keeps every line a function writes (logged, printed, and what Lambda logs of an unhandled
error); and the functions' logger never writes an event or an error's message."""

from __future__ import annotations

import io
import json
import logging
import textwrap
import uuid
from pathlib import Path

import pytest

from infra.local.demo import CUSTOMERS
from infra.local.lambdas import LOGS_FOLDER, Function, FunctionCrashed, FunctionLogs
from opencounter.edge.observability import Logger, Scrubbed, scrubbed
from tests.personal_data import Person, Registry, demo_people, mask, phone_pattern, scan_folder, scan_lines

SANNE = next(c for c in CUSTOMERS if c["key"] == "sanne")["person"]


def _scan(*lines: str, people: list[Person] | None = None) -> list:
    return scan_lines([("functions-gw0-1.jsonl", n, "ContactsFunction", line) for n, line in enumerate(lines, 1)],
                      demo_people() if people is None else people)


# ---------------------------------------------------------------- the scan


def test_a_line_with_a_demo_customers_e_mail_and_phone_is_found_and_reported_masked():
    line = json.dumps({"level": "INFO", "message": "contact stored",
                       "sender": SANNE["email"], "callback_to": SANNE["phone"]})

    findings = _scan('{"level":"INFO","message":"contact stored","contact_id":"20261205T101500-ab12cd34"}', line)

    assert {(f.number, f.what, f.who) for f in findings} == {(2, "e-mail address", "demo customer sanne"),
                                                             (2, "phone number", "demo customer sanne")}
    report = "\n".join(map(str, findings))
    assert "functions-gw0-1.jsonl:2 [ContactsFunction]" in report
    # where it is, not what: the data itself is not repeated
    assert SANNE["email"] not in report and SANNE["phone"] not in report and "612345678" not in report
    assert "s***" in report


@pytest.mark.parametrize("written", ["+31612345678", "+31 6 12345678", "+31 (0)6 1234 5678", "0031612345678",
                                     "31612345678", "0612345678", "06-12345678", "06 12 34 56 78", "(06) 12345678",
                                     "tel:+31-6-1234-5678"])
def test_a_phone_number_is_found_however_it_is_written(written):
    assert phone_pattern(SANNE["phone"]).search(f"callback {written}.")  # type: ignore[union-attr]


@pytest.mark.parametrize("other", ["+31612345679", "0612345670", "106123456789", "2026120506123456789",
                                   "+31712345678"])
def test_another_number_or_the_digits_inside_a_longer_one_are_not_the_phone_number(other):
    assert not phone_pattern(SANNE["phone"]).search(f"value {other} here")  # type: ignore[union-attr]


def test_names_streets_postcodes_and_the_demos_message_texts_are_found_and_ordinary_lines_are_not():
    assert {f.what for f in _scan("moved: Oudegracht 112, 3511AX", "for Sanne de Vries",
                                  '"text": "Sinds maandag valt de verbinding rond 20:00 uur weg."')} == {
        "street", "postcode", "name", "message text"}
    ordinary = [
        '{"level":"ERROR","location":"not_configured:92","message":"not configured","service":"channel-webhooks",'
        '"function_request_id":"b3773208-abfe-4d9b-9081-fe50cf310266","missing":"STRIPE_SECRET_ARN is not set"}',
        '{"level":"INFO","message":"retention sweep done","swept":{"DisputeEvidence":{"forgotten":2}}}',
        '{"_aws":{"Timestamp":1796479662742,"CloudWatchMetrics":[]},"service":"channel-figures","ContactsWaiting":[0]}',
        "invoice OC-20261101-5A3F9C2B issued for customer 6f1c2a9e-1d2b-4c3d-9e8f-0a1b2c3d4e5f",
    ]
    assert _scan(*ordinary) == []


def test_an_iban_is_found_when_its_check_digits_hold():
    assert [f.what for f in _scan("paid from NL91ABNA0417164300", "paid from NL91 ABNA 0417 1643 00")] == ["IBAN"] * 2
    assert _scan("reference NL92ABNA0417164300") == []  # (the check digits do not hold)


def test_the_people_the_tests_make_up_are_registered_and_scanned_with_the_demo_customers(tmp_path, monkeypatch):
    monkeypatch.setenv(LOGS_FOLDER, str(tmp_path))
    key = uuid.uuid4().hex[:10]
    Registry.add(f"test customer {key}", emails=[f"customer-{key}@example.nl"], phones=["+31655512345"],
                 names=[f"Test Customer {key}"])
    Registry.body("what a test sent", {"contact": {"email": "new-address@example.nl"},
                                       "messages": [{"text": "Mijn router knippert de hele dag oranje"}]})
    (tmp_path / "functions-gw1-7.jsonl").write_text("\n".join(json.dumps({"function": f, "line": line}) for f, line in [
        ("ContactsFunction", f"sent to customer-{key}@EXAMPLE.nl"),
        ("CustomerNotifierFunction", "sms to 06 555 123 45"),
        ("ServiceDeskFunction", "text: Mijn router knippert de hele dag oranje"),
        ("CustomerProfileFunction", f"error for {SANNE['email'].replace('@', '%40')}"),
        ("ChannelFiguresFunction", "nothing of anyone")]) + "\n")

    scan = scan_folder(tmp_path)

    assert [(f.function, f.what) for f in scan.findings] == [
        ("ContactsFunction", "e-mail address"), ("CustomerNotifierFunction", "phone number"),
        ("ServiceDeskFunction", "message text"), ("CustomerProfileFunction", "e-mail address")]
    assert (scan.lines, scan.processes) == (5, 1)
    assert "personal data in the functions' logs: 4 findings" in scan.report()


def test_a_mask_keeps_the_first_character_of_each_piece_and_the_line_around_it():
    assert mask("to sanne@example.nl now", [(3, 19)]) == "to s******** now"
    assert len(mask("x" * 1000, [])) == 243


# ---------------------------------------------------------------- the local cloud keeps every line


HANDLER = '''
from opencounter.edge.observability import observability

logger, _ = observability("{service}")


@logger.inject_lambda_context
def lambda_handler(event, context):
    logger.info("working", extra={{"customer_id": "c-1"}})
    print("printed by the function")
    if event.get("fail"):
        raise ValueError("refused " + event["fail"])
    return {{"ok": True}}
'''


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """What FunctionLogs keeps, in memory for this test (whatever a local cloud of this process keeps)."""
    FunctionLogs.install()
    file = io.StringIO()
    monkeypatch.setattr(FunctionLogs, "_file", file)
    return file


def _function(tmp_path: Path) -> Function:
    service = f"unit-{uuid.uuid4().hex[:6]}"
    (tmp_path / "app.py").write_text(textwrap.dedent(HANDLER.format(service=service)))
    return Function(name="UnitFunction", code_dir=tmp_path, handler_path="app.lambda_handler", environment={},
                    memory=128, timeout=3)


def test_every_line_a_function_writes_is_kept_with_the_function_that_wrote_it(tmp_path, kept, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "INFO")
    function = _function(tmp_path)

    assert function.invoke({}) == {"ok": True}
    with pytest.raises(FunctionCrashed):
        function.invoke({"fail": "sanne@example.nl"})
    logging.getLogger("outside").warning("not a function's")

    records = [json.loads(line) for line in kept.getvalue().splitlines()]
    assert {r["function"] for r in records} == {"UnitFunction"}
    lines = [r["line"] for r in records]
    assert any(json.loads(line).get("message") == "working" for line in lines if line.startswith("{\"level"))
    assert lines.count("printed by the function") == 2
    # what Lambda logs of the unhandled error: its type, and no message of what was sent
    [crash] = [json.loads(line)["message"] for line in lines if "errorType" in line]
    assert crash["errorType"] == "ValueError" and "sanne@example.nl" not in json.dumps(crash)
    assert not any("not a function's" in line for line in lines)


# ---------------------------------------------------------------- the functions' logger


def _logger() -> tuple[Logger, io.StringIO]:
    stream = io.StringIO()
    return Logger(service=f"unit-{uuid.uuid4().hex[:6]}", stream=stream, level="INFO"), stream


class LambdaContext:
    function_name, memory_limit_in_mb, aws_request_id = "f", 128, "r-1"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:f"


def test_a_logged_error_says_its_type_where_and_its_code_never_its_message():
    logger, stream = _logger()
    sent = {"email": SANNE["email"], "phone": SANNE["phone"]}  # (the code's lines, which are logged, hold none)
    try:
        try:
            raise KeyError(sent["email"])
        except KeyError as inner:
            raise ValueError(f"cannot mail {sent['phone']}") from inner
    except ValueError:
        logger.exception("unhandled error")

    [line] = stream.getvalue().splitlines()
    assert SANNE["email"] not in line and SANNE["phone"] not in line
    record = json.loads(line)
    assert record["exception_name"] == "ValueError" and "message left out of the logs" in record["exception"]
    assert "KeyError" in record["exception"] and "test_personal_data_in_logs.py" in record["exception"]


def test_an_aws_errors_code_is_kept_and_its_message_is_not():
    from botocore.exceptions import ClientError

    error = ClientError({"Error": {"Code": "MessageRejected", "Message": "Email address is not verified. The "
                                   "following identities failed the check: sanne@example.nl"}}, "SendEmail")
    stand_in = scrubbed(error)
    assert isinstance(stand_in, Scrubbed) and type(stand_in).__name__ == "ClientError"
    assert str(stand_in) == "MessageRejected (message left out of the logs)"


def test_the_event_is_never_logged_whatever_the_environment_or_the_decorator_says(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    logger, stream = _logger()

    @logger.inject_lambda_context(log_event=True)
    def handler(event: dict, context: object) -> str:
        return "done"

    assert handler({"body": json.dumps({"email": "sanne@example.nl"})}, LambdaContext()) == "done"
    assert "sanne@example.nl" not in stream.getvalue()


def test_an_unhandled_error_leaves_the_handler_as_its_stand_in(monkeypatch):
    logger, _ = _logger()

    @logger.inject_lambda_context
    def handler(event: dict, context: object) -> str:
        raise RuntimeError(f"no such customer {event['email']}")

    with pytest.raises(Scrubbed) as raised:
        handler({"email": "sanne@example.nl"}, LambdaContext())
    assert type(raised.value).__name__ == "RuntimeError" and "sanne" not in str(raised.value)
    assert raised.value.__traceback__ is not None  # where it was raised is still told
