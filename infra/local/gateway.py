"""API Gateway (REST API, Lambda proxy integration) in front of the local cloud's functions.

Routes come from the template's `Api` events. Like API Gateway: a path or method the API does
not have is MISSING_AUTHENTICATION_TOKEN; a route behind the Cognito authorizer is UNAUTHORIZED
without a valid token; the function receives a REST proxy event (v1) with the authorizer's
claims; a function that crashes or answers nonsense is a 502. Those answers of the gateway's own
are the template's GatewayResponses (API Gateway's defaults where it has none). The local token
issuer's sign-in and key set, the static pages in web/ and what the deploy puts beside them
(/config.json, and the API's OpenAPI document at /openapi.json) are served beside the API.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterable
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from infra.deploy.portal import portal_config, portal_openapi
from infra.local.cloud import LocalCloud
from infra.local.lambdas import FunctionCrashed
from infra.local.login import ManagedLogin
from infra.local.template import ACCOUNT, ROOT, Resolver, Route, api_routes
from infra.local.tokens import InvalidToken, NewPasswordRequired, TokenIssuer

#: API Gateway's own limit on a request payload
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
WEB = ROOT / "web"
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css",
                 ".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json",
                 ".webmanifest": "application/manifest+json", ".ico": "image/x-icon"}


def _rule_path(resource: str) -> str:
    return resource.replace("{proxy+}", "<path:proxy>").replace("{", "<").replace("}", ">")


def _page_headers(r: Resolver) -> dict[str, str]:
    """The headers the template's CloudFront response headers policy adds to every page."""
    headers: dict[str, str] = {}
    for spec in r.resources("AWS::CloudFront::ResponseHeadersPolicy").values():
        config = r.resolve(spec["Properties"])["ResponseHeadersPolicyConfig"]
        security = config.get("SecurityHeadersConfig", {})
        if "ContentSecurityPolicy" in security:
            policy = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
            headers["Content-Security-Policy"] = " ".join(policy.split())
        if "StrictTransportSecurity" in security:
            hsts = security["StrictTransportSecurity"]
            headers["Strict-Transport-Security"] = f"max-age={hsts['AccessControlMaxAgeSec']}" \
                + ("; includeSubDomains" if hsts.get("IncludeSubdomains") else "") \
                + ("; preload" if hsts.get("Preload") else "")
        if "FrameOptions" in security:
            headers["X-Frame-Options"] = security["FrameOptions"]["FrameOption"]
        if "ContentTypeOptions" in security:
            headers["X-Content-Type-Options"] = "nosniff"
        if "ReferrerPolicy" in security:
            headers["Referrer-Policy"] = security["ReferrerPolicy"]["ReferrerPolicy"]
        for item in config.get("CustomHeadersConfig", {}).get("Items", []):
            headers[item["Header"]] = item["Value"]
    return headers


def _cors(r: Resolver) -> dict[str, str]:
    """The Api's Cors settings as the preflight's headers."""
    api = next(iter(r.resources("AWS::Serverless::Api").values()), {})
    cors = r.resolve(api.get("Properties", {}).get("Cors", {}))
    names = {"AllowOrigin": "Access-Control-Allow-Origin", "AllowHeaders": "Access-Control-Allow-Headers",
             "AllowMethods": "Access-Control-Allow-Methods", "MaxAge": "Access-Control-Max-Age"}
    return {names[k]: str(v).strip("'") for k, v in cors.items() if k in names}


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")


#: API Gateway's own answers when an API does not customise them: (status, message)
DEFAULT_RESPONSES = {"MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token"),
                     "UNAUTHORIZED": (401, "Unauthorized"), "REQUEST_TOO_LARGE": (413, "Request Too Long"),
                     "INTEGRATION_FAILURE": (502, "Internal server error")}


class GatewayResponses:
    """The API's GatewayResponses: for a response type, its status, headers and body template,
    falling back to DEFAULT_4XX / DEFAULT_5XX, then to API Gateway's own default."""

    def __init__(self, api_properties: dict[str, Any]) -> None:
        self.responses = api_properties.get("GatewayResponses", {})

    def answer(self, kind: str, request_id: str, message: str | None = None) -> Response:
        status, default_message = DEFAULT_RESPONSES[kind]
        message = message or default_message
        spec = self.responses.get(kind) or self.responses.get("DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX") or {}
        status = int(spec.get("StatusCode", status))
        template = spec.get("ResponseTemplates", {}).get("application/json")
        body = template.replace("$context.error.messageString", json.dumps(message)) \
            .replace("$context.requestId", request_id) if template else json.dumps({"message": message})
        headers = {name: str(value).strip("'") for name, value in
                   spec.get("ResponseParameters", {}).get("Headers", {}).items()}
        return Response(body, status=status, headers=headers, content_type="application/json")


class Gateway:
    """A WSGI application: the API, the local sign-in, and the pages."""

    def __init__(self, cloud: LocalCloud, issuer: TokenIssuer, stage: str = "dev",
                 sandboxes: dict[str, Any] | None = None, login: ManagedLogin | None = None) -> None:
        self.cloud = cloud
        self.issuer = issuer
        #: path prefix -> provider stand-in with a handle(request) method
        self.sandboxes = dict(sandboxes or {})
        self.login = login
        self.page_headers = _page_headers(cloud.resolver)
        self.cors = _cors(cloud.resolver)
        self.stage = stage
        self.routes = api_routes(cloud.resolver.template)
        apis = cloud.resolver.resources("AWS::Serverless::Api")
        self.gateway_responses = GatewayResponses(next(iter(apis.values()), {}).get("Properties", {}))
        self.map = Map([Rule(_rule_path(r.resource), methods=None if r.method == "ANY" else [r.method],
                             endpoint=r, strict_slashes=False) for r in self.routes])

    def __call__(self, environ: dict, start_response: Any) -> Iterable[bytes]:
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        if request.path.startswith("/local/"):
            return self._local(request)
        if self.login is not None and self.login.handles(request.path):
            return self._secured(self.login.handle(request))
        if request.path == "/config.json":
            return self._config(request)
        if request.path == "/openapi.json" and request.method == "GET":
            return self._openapi(request)
        for prefix, sandbox in self.sandboxes.items():
            if request.path.startswith(prefix + "/"):
                return sandbox.handle(request)
        adapter = self.map.bind_to_environ(request.environ)
        try:
            route, path_parameters = adapter.match(request.path, method=request.method)
        except (NotFound, MethodNotAllowed):
            if request.method == "GET":
                page = self._page(request.path)
                if page is not None:
                    return self._secured(page)
            if request.method == "OPTIONS" and self._has_path(request):
                return self._preflight(request)
            return self.gateway_responses.answer("MISSING_AUTHENTICATION_TOKEN", str(uuid.uuid4()))
        request_id = str(uuid.uuid4())
        body = request.get_data()
        if len(body) > MAX_PAYLOAD_BYTES:
            return self.gateway_responses.answer("REQUEST_TOO_LARGE", request_id)
        claims = None
        if route.authorized:
            try:
                claims = self.issuer.authorize(request.headers.get("Authorization"))
            except InvalidToken:
                return self.gateway_responses.answer("UNAUTHORIZED", request_id)
        event = self.proxy_event(request, route, path_parameters, body, claims, request_id)
        try:
            response = self._response(self.cloud.invoke(route.function, event))
        except FunctionCrashed:
            response = None
        if response is None:
            response = self.gateway_responses.answer("INTEGRATION_FAILURE", request_id)
        if self.cloud.synchronous:
            self.cloud.settle(unless_settling=True)
        return response

    def proxy_event(self, request: Request, route: Route, path_parameters: dict[str, str], body: bytes,
                    claims: dict[str, str] | None, request_id: str | None = None) -> dict[str, Any]:
        """The REST API (v1) Lambda proxy event API Gateway would send."""
        try:
            text, encoded = body.decode("utf-8"), False
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(body).decode(), True
        multi_query = {key: request.args.getlist(key) for key in request.args}
        multi_headers = {key: request.headers.getlist(key) for key in {k for k, _ in request.headers}}
        request_id = request_id or str(uuid.uuid4())
        context: dict[str, Any] = {
            "resourceId": "local", "resourcePath": route.resource, "httpMethod": request.method,
            "extendedRequestId": request_id, "requestId": request_id, "path": f"/{self.stage}{request.path}",
            "accountId": ACCOUNT, "protocol": "HTTP/1.1", "stage": self.stage, "apiId": "local",
            "domainName": request.host, "domainPrefix": request.host.split(".")[0],
            "requestTimeEpoch": int(time.time() * 1000),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "identity": {"sourceIp": request.remote_addr or "127.0.0.1",
                         "userAgent": request.headers.get("User-Agent", "")},
        }
        if claims is not None:
            context["authorizer"] = {"claims": claims}
        return {
            "resource": route.resource, "path": request.path, "httpMethod": request.method,
            "headers": {key: values[-1] for key, values in multi_headers.items()} or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {key: values[-1] for key, values in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_parameters or None, "stageVariables": None,
            "requestContext": context, "body": text if body else None, "isBase64Encoded": encoded,
        }

    @staticmethod
    def _response(result: Any) -> Response | None:
        """The function's answer as API Gateway passes it on; None when it is not a proxy answer."""
        if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
            return None
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        response = Response(data, status=result["statusCode"])
        response.headers.clear()
        for key, value in (result.get("headers") or {}).items():
            response.headers[key] = str(value)
        for key, values in (result.get("multiValueHeaders") or {}).items():
            response.headers.remove(key)
            for value in values:
                response.headers.add(key, str(value))
        return response

    def _local(self, request: Request) -> Response:
        if request.path == "/local/auth/sign-in" and request.method == "POST":
            payload = request.get_json(force=True, silent=True) or {}
            try:
                return _json(200, {"AuthenticationResult": self.issuer.sign_in(
                    str(payload.get("username", "")), str(payload.get("password", "")))})
            except NewPasswordRequired as challenge:
                return _json(200, {"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": challenge.session,
                                   "ChallengeParameters": {"USER_ID_FOR_SRP": str(payload.get("username", ""))}})
            except InvalidToken as refusal:
                return _json(400, {"__type": "NotAuthorizedException", "message": str(refusal)})
        if request.path == "/local/auth/respond-to-challenge" and request.method == "POST":
            payload = request.get_json(force=True, silent=True) or {}
            responses = payload.get("ChallengeResponses") or {}
            try:
                return _json(200, {"AuthenticationResult": self.issuer.choose_password(
                    str(responses.get("USERNAME", "")), str(payload.get("Session", "")),
                    str(responses.get("NEW_PASSWORD", "")))})
            except InvalidToken as refusal:
                return _json(400, {"__type": "NotAuthorizedException", "message": str(refusal)})
        if request.path == "/local/auth/jwks.json":
            return _json(200, self.issuer.jwks())
        if request.path == "/local/mailbox" and request.args.get("to"):
            # what SES would have delivered: signing codes, notices (the local cloud sends no mail)
            return _json(200, {"to": request.args["to"], "messages": self.cloud.mailbox(request.args["to"])})
        if request.path == "/local/health":
            return _json(200, {"status": "ok"})
        return _json(404, {"message": "no such local endpoint"})

    def _secured(self, response: Response) -> Response:
        """A page as CloudFront serves it: with the response headers policy's headers."""
        for name, value in self.page_headers.items():
            response.headers[name] = value
        return response

    def _config(self, request: Request) -> Response:
        """What the deploy writes as /config.json, for this local cloud: the API and the managed
        login are here, at the same origin."""
        origin = request.host_url.rstrip("/")
        client = next(iter(self.cloud.resolver.resources("AWS::Cognito::UserPoolClient")))
        config = portal_config({"ApiUrl": origin, "LoginDomain": origin,
                                "UserPoolClientId": self.cloud.resolver.physical[client]}, local=True)
        return self._secured(_json(200, config, {"Cache-Control": "no-cache"}))

    def _openapi(self, request: Request) -> Response:
        """The API's OpenAPI document as the deploy publishes it beside the pages, with this local
        cloud as its server."""
        document = portal_openapi({"ApiUrl": request.host_url.rstrip("/")})
        return self._secured(_json(200, document, {"Cache-Control": "no-cache"}))

    def _has_path(self, request: Request) -> bool:
        adapter = self.map.bind_to_environ(request.environ)
        try:
            adapter.match(request.path, method="GET")
        except MethodNotAllowed:
            return True
        except NotFound:
            return False
        return True

    def _preflight(self, request: Request) -> Response:
        """The OPTIONS answer SAM adds to every path when the Api has Cors: allowed for the
        configured origin only (a browser compares Access-Control-Allow-Origin itself)."""
        return Response("", status=200, headers=self.cors)

    @staticmethod
    def _page(path: str) -> Response | None:
        relative = "index.html" if path in ("", "/") else path.lstrip("/")
        target = (WEB / relative).resolve()
        if WEB.resolve() not in target.parents or not target.is_file():
            return None
        return Response(target.read_bytes(), content_type=CONTENT_TYPES.get(target.suffix, "application/octet-stream"))
