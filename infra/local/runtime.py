"""One function that starts everything the local cloud serves: in-memory AWS with the template
built in it, the token issuer, the API gateway on 127.0.0.1, demo data, and (optionally) the
in-memory AWS itself on a port for the AWS CLI. `make run`, the tests and the benchmarks all
start it this way."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from infra.local.cloud import LocalCloud
from infra.local.demo import load_demo_data, register_users
from infra.local.gateway import Gateway
from infra.local.sandbox.channels import PHONE_NUMBER_ID, ChannelSandbox
from infra.local.sandbox.provider_apis import ProviderApis
from infra.local.sandbox.senders import ChannelSenders
from infra.local.sandbox.stripe.standin import StripeStandIn
from infra.local.tokens import InvalidToken, NewPasswordRequired, TokenIssuer, User

#: the local cloud's own provider credentials (template parameters that are secrets in AWS)
LOCAL_PARAMETERS = {"StripeSecretKey": "sk_test_opencounter_local",
                    "StripeIdentityWebhookSecret": "whsec_opencounter_local_identity",
                    "StripePaymentsWebhookSecret": "whsec_opencounter_local_payments",
                    "MetaAppSecret": "meta_app_secret_opencounter_local",
                    "MetaVerifyToken": "meta_verify_token_opencounter_local",
                    "XConsumerSecret": "x_consumer_secret_opencounter_local",
                    "MetaAccessToken": "meta_access_token_opencounter_local",
                    "WhatsAppPhoneNumberId": PHONE_NUMBER_ID,
                    "XAccessToken": "x_access_token_opencounter_local",
                    # the deep checks take no time in tests; `make run` gives them a visible pause
                    "VerificationWaitSeconds": "0"}


@dataclass
class Running:
    cloud: LocalCloud
    issuer: TokenIssuer
    gateway: Gateway
    stripe: StripeStandIn
    channels: ChannelSenders
    providers: ProviderApis
    url: str
    aws_url: str | None
    _servers: list[Any]

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
        self.cloud.stop()


def start(*, synchronous: bool, port: int = 0, aws_port: int | None = None, demo: bool = True,
          quiet: bool = True, environment: dict[str, str] | None = None,
          parameters: dict[str, str] | None = None) -> Running:
    """Start the local cloud. port=0 picks a free port; aws_port exposes the in-memory AWS;
    `environment` overrides the template's function variables (log level, metrics)."""
    # the API's address first: the functions' settings name the providers' stand-ins behind it,
    # and settings are final before any function runs (as in AWS, where they are deploy-time)
    front = _Front()
    http = make_server("127.0.0.1", port, front, threaded=True,
                       request_handler=_QuietHandler if quiet else WSGIRequestHandler)
    url = f"http://127.0.0.1:{http.server_port}"
    stand_ins = {"StripeApiBase": f"{url}{StripeStandIn.PREFIX}",
                 "MetaApiBase": f"{url}{ProviderApis.META_BASE}", "XApiBase": f"{url}{ProviderApis.X_BASE}",
                 # no Stripe.js page of our own locally: payments are completed on the stand-in's test bank
                 "PaymentCheckoutUrl": f"{url}{StripeStandIn.PREFIX}/pay/{{payment_id}}"
                                       "?client_secret={client_secret}"}
    cloud = LocalCloud(synchronous=synchronous, environment=environment,
                       parameters={**LOCAL_PARAMETERS, **stand_ins, **(parameters or {})}).start()
    servers: list[Any] = []
    aws_url = None
    if aws_port is not None:
        from moto.server import ThreadedMotoServer  # deferred on purpose: Flask and moto's routes, only for this


        # moto's Step Functions interpreter calls localhost:$MOTO_PORT, so it must be this port
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=aws_port, verbose=False)
        moto.start()
        actual = moto._server.server_port  # type: ignore[union-attr]
        os.environ["MOTO_PORT"] = str(actual)
        aws_url = f"http://127.0.0.1:{actual}"
        servers.append(_Stoppable(moto.stop))
    r = cloud.resolver
    pool = next(iter(r.resources("AWS::Cognito::UserPool")))
    client = next(iter(r.resources("AWS::Cognito::UserPoolClient")))
    issuer = TokenIssuer(cloud.region, r.physical[pool], r.physical[client],
                         directory=UserPoolDirectory(cloud, r.physical[pool], r.physical[client]))
    register_users(issuer)
    if demo:
        load_demo_data()
        cloud.settle()
    stripe = StripeStandIn(LOCAL_PARAMETERS["StripeSecretKey"], synchronous=synchronous, base_url=url)
    s3 = cloud.client("s3")
    channels = ChannelSenders(cloud, ChannelSandbox(
        url, {"meta_app_secret": LOCAL_PARAMETERS["MetaAppSecret"],
              "x_consumer_secret": LOCAL_PARAMETERS["XConsumerSecret"]},
        store=lambda bucket, key, raw: s3.put_object(Bucket=bucket, Key=key, Body=raw),
        mail_bucket=r.physical["InboundMailBucket"], mail_prefix="mail/"))
    providers = ProviderApis(LOCAL_PARAMETERS["MetaAccessToken"], LOCAL_PARAMETERS["XAccessToken"])
    gateway = Gateway(cloud, issuer, stage=r.parameters.get("Stage", "dev"),
                      sandboxes={stripe.PREFIX: stripe, channels.PREFIX: channels, providers.PREFIX: providers})
    stripe.add_webhook(f"{url}/webhooks/identity", LOCAL_PARAMETERS["StripeIdentityWebhookSecret"], "identity.")
    stripe.add_webhook(f"{url}/webhooks/stripe", LOCAL_PARAMETERS["StripePaymentsWebhookSecret"],
                       ("payment_intent.", "charge."))
    front.app = gateway
    threading.Thread(target=http.serve_forever, name="api-gateway", daemon=True).start()
    servers.append(http)
    return Running(cloud, issuer, gateway, stripe, channels, providers, url, aws_url, servers)


class _Front:
    """The HTTP server's application: the gateway, once everything behind it is built."""

    app: Any = None

    def __call__(self, environ: dict, start_response: Any) -> Any:
        return self.app(environ, start_response)


class _Stoppable:
    def __init__(self, stop: Any) -> None:
        self.shutdown = stop


class UserPoolDirectory:
    """Signs in the users the application created in the (moto) user pool, such as a customer
    who just signed up: password checked by Cognito, groups and customer id read from it."""

    def __init__(self, cloud: LocalCloud, pool_id: str, client_id: str) -> None:
        self.idp, self.pool_id, self.client_id = cloud.client("cognito-idp"), pool_id, client_id

    def find(self, username: str, password: str) -> User | None:
        idp = self.idp
        try:
            answer = idp.admin_initiate_auth(UserPoolId=self.pool_id, ClientId=self.client_id,
                                             AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                             AuthParameters={"USERNAME": username, "PASSWORD": password})
        except (idp.exceptions.NotAuthorizedException, idp.exceptions.UserNotFoundException):
            return None
        if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            raise NewPasswordRequired(answer["Session"])
        found = idp.admin_get_user(UserPoolId=self.pool_id, Username=username)
        if not found.get("Enabled", True):
            return None
        attributes = {a["Name"]: a["Value"] for a in found["UserAttributes"]}
        memberships = idp.admin_list_groups_for_user(UserPoolId=self.pool_id, Username=username)["Groups"]
        return User(username, password, tuple(g["GroupName"] for g in memberships),
                    attributes.get("custom:customer_id"), attributes.get("sub", ""))

    def choose_password(self, username: str, session: str, new_password: str) -> None:
        try:
            self.idp.admin_respond_to_auth_challenge(
                UserPoolId=self.pool_id, ClientId=self.client_id, ChallengeName="NEW_PASSWORD_REQUIRED",
                Session=session, ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password})
        except self.idp.exceptions.ClientError as error:
            raise InvalidToken(error.response["Error"]["Message"]) from None


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *_: Any) -> None:
        pass
