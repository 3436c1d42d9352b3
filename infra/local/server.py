"""`make run`: the whole application on this machine, with demo data, until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import threading

from infra.local import runtime
from infra.local.demo import DEMO_PASSWORD, demo_users

#: how often the notices held for the quiet hours are sent when due (the template's schedule)
HELD_NOTICES_EVERY_S = 300
READ_TOKEN = """python3 -c 'import json,sys;print(json.load(sys.stdin)["AuthenticationResult"]["IdToken"])'"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("OPENCOUNTER_PORT", "3000")))
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("OPENCOUNTER_AWS_PORT", "4566")),
                        help="where the in-memory AWS answers the AWS CLI (0 for any free port)")
    arguments = parser.parse_args()
    # EMF metric lines go to CloudWatch in AWS; locally they would drown the request log
    running = runtime.start(synchronous=False, port=arguments.port, aws_port=arguments.aws_port, quiet=False,
                            environment={"POWERTOOLS_METRICS_DISABLED": "true"},
                            parameters={"VerificationWaitSeconds": "20"})
    customers = [u for u in demo_users() if "customers" in u.groups]
    staff = [u for u in demo_users() if "customers" not in u.groups]
    table = running.cloud.resolver.physical["Table"]
    print(f"""
OpenCounter is running locally.

  API          {running.url}            (e.g. GET {running.url}/me)
  Portal       {running.url}/   (sign in there; sign up at {running.url}/signup.html)
  Sign in      the portal's login page (authorization code with PKCE), or for curl:
               POST {running.url}/local/auth/sign-in  {{"username": ..., "password": "{DEMO_PASSWORD}"}}
               then send the IdToken as the Authorization header
  E-mail, SMS  {running.url}/local/mailbox?to=<address or +number>   (what SES and SNS sent: codes, notices;
               WhatsApp messages and texts wait from 21:00 to 08:00, then go within five minutes)
  Channels     POST {running.url}/sandbox/channels/<whatsapp|messenger|x|email|phone>  {{"from": ..., "text": ...}}
               (a customer writing in or calling); GET {running.url}/sandbox/providers/sent (staff's answers)
  Field day    GET {running.url}/sandbox/field-service/jobs (the visits the field service was told of);
               POST {running.url}/sandbox/field-service/jobs/<job_id>/day  {{"outcome": "done"|"missed"}}
               plays a visit's day (en route with an ETA, then done or missed): Daan's engineer visit, say
  AWS (moto)   {running.aws_url}     (any credentials, region {running.cloud.region}; with the AWS CLI:
               AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION={running.cloud.region} \\
                 aws --endpoint-url {running.aws_url} dynamodb scan --table-name {table})

  Demo customers: {", ".join(u.username for u in customers)}
  Demo staff:     {", ".join(f"{u.username} ({u.groups[0]})" for u in staff)}
  Password for all of them: {DEMO_PASSWORD}

  Try it:
    TOKEN=$(curl -s -X POST {running.url}/local/auth/sign-in \\
      -d '{{"username":"{customers[0].username}","password":"{DEMO_PASSWORD}"}}' | {READ_TOKEN})
    curl -s -H "Authorization: $TOKEN" {running.url}/me

Ctrl-C stops it.
""", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    # as the template's schedules do in AWS: the WhatsApp messages and texts held for the quiet
    # hours (21:00-08:00) go once they are over, and the planned call-backs nobody made are found
    # missed; and every third run, the complaints whose term passed unanswered go to the complaints
    # lead (the local cloud runs no schedules of its own)
    runs = 0
    while not stopped.wait(HELD_NOTICES_EVERY_S):
        running.cloud.invoke_async("HeldNoticesFunction", {})
        running.cloud.invoke_async("CallbackWatchFunction", {})
        runs += 1
        if runs % 3 == 0:
            running.cloud.invoke_async("ComplaintDeadlinesFunction", {})
    running.stop()


if __name__ == "__main__":
    main()
