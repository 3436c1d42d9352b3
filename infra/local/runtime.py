"""One function that starts everything the local cloud serves: in-memory AWS with the template
built in it, the token issuer, the API gateway on 127.0.0.1, demo data, and (optionally) the
in-memory AWS itself on a port for the AWS CLI. `make run`, the tests and the benchmarks all
start it this way."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

import botocore.session
from werkzeug.serving import WSGIRequestHandler, make_server

from infra.local.cloud import LocalCloud
from infra.local.demo import load_demo_data, register_users
from infra.local.gateway import Gateway
from infra.local.login import ManagedLogin
from infra.local.sandbox.channels import PHONE_NUMBER_ID, ChannelSandbox
from infra.local.sandbox.field_service import FieldServiceStandIn
from infra.local.sandbox.provider_apis import ProviderApis
from infra.local.sandbox.s3_links import S3Links
from infra.local.sandbox.senders import ChannelSenders
from infra.local.sandbox.stripe.standin import StripeStandIn
from infra.local.tokens import TokenIssuer
from infra.local.users import UserPoolDirectory

#: the local cloud's own provider credentials, in the template's secrets (see core.secrets)
LOCAL_SECRETS = {"StripeSecret": {"secret_key": "sk_test_opencounter_local",
                                  "identity_webhook_secret": "whsec_opencounter_local_identity",
                                  "payments_webhook_secret": "whsec_opencounter_local_payments"},
                 "MetaSecret": {"app_secret": "meta_app_secret_opencounter_local",
                                "verify_token": "meta_verify_token_opencounter_local",
                                "access_token": "meta_access_token_opencounter_local"},
                 "XSecret": {"consumer_secret": "x_consumer_secret_opencounter_local",
                             "access_token": "x_access_token_opencounter_local"},
                 "FieldServiceSecret": {"webhook_secret": "fs_whsec_opencounter_local",
                                        "api_token": "fs_token_opencounter_local"}}
STRIPE, META, X = LOCAL_SECRETS["StripeSecret"], LOCAL_SECRETS["MetaSecret"], LOCAL_SECRETS["XSecret"]
FIELD = LOCAL_SECRETS["FieldServiceSecret"]
LOCAL_PARAMETERS = {"WhatsAppPhoneNumberId": PHONE_NUMBER_ID,
                    # the deep checks take no time in tests; `make run` gives them a visible pause
                    "VerificationWaitSeconds": "0",
                    # a laptop's few hundred customers: a slice per billing shard is plenty (a run's
                    # input may ask for more, as the bench does)
                    "BillingSlicesPerShard": "1",
                    # an erasure's last sweep at once: no event arrives late here
                    "ErasureSweepAfterSeconds": "0"}


@dataclass
class Running:
    cloud: LocalCloud
    issuer: TokenIssuer
    gateway: Gateway
    stripe: StripeStandIn
    channels: ChannelSenders
    providers: ProviderApis
    field: FieldServiceStandIn
    url: str
    aws_url: str | None
    _servers: list[Any]

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
        self.cloud.stop()


def start(*, synchronous: bool, port: int = 0, aws_port: int | None = None, demo: bool = True,
          quiet: bool = True, environment: dict[str, str] | None = None,
          parameters: dict[str, str] | None = None, retry_pause: float = 1.0) -> Running:
    """Start the local cloud. port=0 picks a free port; aws_port exposes the in-memory AWS;
    `environment` overrides the template's function variables (log level, metrics); `retry_pause`
    is the share of a Step Functions Retry interval really waited (LocalCloud)."""
    # the API's address first: the functions' settings name the providers' stand-ins behind it,
    # and settings are final before any function runs (as in AWS, where they are deploy-time)
    front = _Front()
    http = make_server("127.0.0.1", port, front, threaded=True,
                       request_handler=_QuietHandler if quiet else WSGIRequestHandler)
    url = f"http://127.0.0.1:{http.server_port}"
    stand_ins = {"PortalOrigin": url, "StripeApiBase": f"{url}{StripeStandIn.PREFIX}",
                 "MetaApiBase": f"{url}{ProviderApis.META_BASE}", "XApiBase": f"{url}{ProviderApis.X_BASE}",
                 "FieldServiceApiBase": f"{url}{FieldServiceStandIn.PREFIX}",
                 # the in-memory S3 is in this process: pre-signed links go to its stand-in, which the browser reaches
                 "EvidenceUploadBase": f"{url}{S3Links.PREFIX}",
                 # no Stripe.js page of our own locally: payments are completed on the stand-in's test bank
                 "PaymentCheckoutUrl": f"{url}{StripeStandIn.PREFIX}/pay/{{payment_id}}"
                                       "?client_secret={client_secret}"}
    cloud = LocalCloud(synchronous=synchronous, environment=environment, secrets=LOCAL_SECRETS,
                       parameters={**LOCAL_PARAMETERS, **stand_ins, **(parameters or {})},
                       retry_pause=retry_pause).start()
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
    directory = UserPoolDirectory(cloud.client("cognito-idp"), r.physical[pool], r.physical[client],
                                  mail=cloud.deliver_mail)
    issuer = TokenIssuer(cloud.region, r.physical[pool], r.physical[client], directory=directory)
    register_users(directory)
    login = ManagedLogin(issuer, r.physical[client], callback_urls=lambda: _callback_urls(cloud, pool, client),
                         reset_password=directory.reset_password, confirm_password=directory.confirm_password)
    stripe = StripeStandIn(STRIPE["secret_key"], synchronous=synchronous, base_url=url)
    s3 = cloud.client("s3")
    channels = ChannelSenders(cloud, ChannelSandbox(
        url, {"meta_app_secret": META["app_secret"], "x_consumer_secret": X["consumer_secret"]},
        store=lambda bucket, key, raw: s3.put_object(Bucket=bucket, Key=key, Body=raw),
        mail_bucket=r.physical["InboundMailBucket"], mail_prefix="mail/"))
    providers = ProviderApis(META["access_token"], X["access_token"])
    field = FieldServiceStandIn(FIELD["api_token"], FIELD["webhook_secret"],
                                webhook_url=f"{url}/webhooks/field-service")
    s3_links = S3Links(s3, _signers, cloud.region)
    gateway = Gateway(cloud, issuer, stage=r.parameters.get("Stage", "dev"), login=login,
                      sandboxes={stripe.PREFIX: stripe, channels.PREFIX: channels, providers.PREFIX: providers,
                                 s3_links.PREFIX: s3_links, field.PREFIX: field})
    stripe.add_webhook(f"{url}/webhooks/identity", STRIPE["identity_webhook_secret"], "identity.")
    stripe.add_webhook(f"{url}/webhooks/stripe", STRIPE["payments_webhook_secret"],
                       ("payment_intent.", "charge.", "setup_intent.", "mandate."))
    front.app = gateway
    threading.Thread(target=http.serve_forever, name="api-gateway", daemon=True).start()
    servers.append(http)
    if demo:  # once the stand-ins answer: a visit planned is told to the field service's
        load_demo_data()
        cloud.settle()
    return Running(cloud, issuer, gateway, stripe, channels, providers, field, url, aws_url, servers)


def _signers() -> dict[str, tuple[str, str | None]]:
    """Whose pre-signed links the S3 stand-in takes: the credentials the functions sign with (in
    this process, those of its environment, as in-memory AWS has them)."""
    credentials = botocore.session.Session().get_credentials()
    if credentials is None:
        return {}
    frozen = credentials.get_frozen_credentials()
    return {frozen.access_key: (frozen.secret_key, frozen.token)}


class _Front:
    """The HTTP server's application: the gateway, once everything behind it is built."""

    app: Any = None

    def __call__(self, environ: dict, start_response: Any) -> Any:
        return self.app(environ, start_response)


def _callback_urls(cloud: LocalCloud, pool: str, client: str) -> list[str]:
    """Where the app client lets the managed login send a code or a signed-out browser."""
    r = cloud.resolver
    described = cloud.client("cognito-idp").describe_user_pool_client(
        UserPoolId=r.physical[pool], ClientId=r.physical[client])["UserPoolClient"]
    return [*described.get("CallbackURLs", []), *described.get("LogoutURLs", [])]


class _Stoppable:
    def __init__(self, stop: Any) -> None:
        self.shutdown = stop


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *_: Any) -> None:
        pass
