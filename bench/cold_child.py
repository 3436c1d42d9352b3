"""The child of the cold-start benchmark: one fresh interpreter serving one request, then exit.

Run by bench/coldstart.py as `python -P bench/cold_child.py <mode> <check> <event.json>`:
- mode `floor`: import boto3 and aws_lambda_powertools.event_handler, make one DynamoDB GetItem
  (the event file holds {"customer_id": ...}); the least any function of ours could do;
- mode `<module>.<attribute>` (the template's Handler): import the handler module from PYTHONPATH
  (the shared layer plus the function's code dir) and call it once with the event.

`check` says what success is (see CHECKS): `http` (statusCode 200), `stream` and `no_failures`
(a stream or SQS batch without batchItemFailures), `stored` (the timeline writer stored the
event), `outcome` (the move was announced), `webhook_ignored` (200 with {"received": true,
"result": "ignored"}), `version_conflict` (409 naming the field `version`), `already_started`
(the verification run existed), `login_existed`, `check_passed`, `next_verified` (Decide says
verified), `already_rolled_back`, `run_summarised` (a billing run's totals: nobody billed),
`already_sent` (the notifier had told the customer before), `duplicate` (a mail or call
received before), `unchanged` (a contact event applied before), `published`
(the six contact channels' figures) or `item` (GetItem found the item).
It prints one JSON line with its own timings (time.perf_counter, from the first line of this
file) and exits 1 when the request did not succeed.

Nothing is imported before the clock starts except `time`; everything else inside main().
"""

import time

T0 = time.perf_counter()


class Context:
    """What the Lambda runtime hands a handler (the attributes Powertools reads)."""
    function_name = "bench-cold-start"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:bench-cold-start"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/bench-cold-start"
    log_stream_name = "bench"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def _body(result: dict) -> object:
    import json

    try:
        return json.loads(result.get("body") or "null")
    except ValueError:
        return None


#: check name -> is this (dict) result a success
CHECKS = {
    "http": lambda r: r.get("statusCode") == 200,
    "webhook_ignored": lambda r: r.get("statusCode") == 200 and _body(r) == {"received": True, "result": "ignored"},
    "stream": lambda r: not r.get("batchItemFailures"),
    "no_failures": lambda r: "batchItemFailures" in r and not r["batchItemFailures"],
    "version_conflict": lambda r: r.get("statusCode") == 409 and (_body(r) or {}).get("field") == "version",
    "outcome": lambda r: r.get("outcome") in ("announced", "already_announced"),
    "stored": lambda r: r.get("stored") is True,
    "already_started": lambda r: r == {"outcome": "already_started"},
    "login_existed": lambda r: r == {"login": "existed"},
    "check_passed": lambda r: r.get("passed") is True,
    "next_verified": lambda r: r == {"next": "verified"},
    "already_rolled_back": lambda r: r.get("outcome") == "already_rolled_back",
    "run_summarised": lambda r: r.get("customers") == 0 and r.get("counts", {}).get("issued") == 0,
    "already_sent": lambda r: r == {"outcome": "already_sent"},
    "duplicate": lambda r: r.get("outcome") == "duplicate" or r.get("outcomes") == ["duplicate"],
    "unchanged": lambda r: r == {"outcome": "unchanged"},
    "published": lambda r: len(r.get("channels", [])) == 6,
    "item": lambda r: "Item" in r,
}


def main() -> int:
    import importlib
    import json
    import os
    import sys

    mode, check, event_path = sys.argv[1:4]
    with open(event_path) as file:
        event = json.load(file)
    if mode == "floor":
        import aws_lambda_powertools.event_handler  # noqa: F401
        import boto3

        imported = time.perf_counter()
        client = boto3.client("dynamodb")
        result = client.get_item(TableName=os.environ["TABLE_NAME"],
                                 Key={"PK": {"S": f"CUSTOMER#{event['customer_id']}"}, "SK": {"S": "PROFILE"}})
    else:
        module_name, attribute = mode.rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name), attribute)
        imported = time.perf_counter()
        result = handler(event, Context())
    done = time.perf_counter()

    ok = check in CHECKS and isinstance(result, dict) and CHECKS[check](result)
    print(json.dumps({
        "ok": ok,
        "import_ms": (imported - T0) * 1000,
        "request_ms": (done - imported) * 1000,
        "total_ms": (done - T0) * 1000,
        "result": None if ok else str(result)[:2000],
    }))
    sys.stdout.flush()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
