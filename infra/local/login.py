"""Cognito's managed login, locally: the OAuth 2.0 authorization code flow with PKCE that the
portal uses against Cognito in AWS, served at the same paths.

- GET /oauth2/authorize (response_type=code, client_id, redirect_uri, state, code_challenge with
  method S256, lang) shows the sign-in page; signing in redirects to redirect_uri with ?code&state.
- A first sign-in with the invitation's temporary password asks for a new password; "forgot
  your password" mails a code (to the local mailbox) and sets a new password with it.
- POST /oauth2/token exchanges the code (once, within five minutes, with the code_verifier whose
  SHA-256 is the challenge) for ID, access and refresh tokens; a refresh token gets new ones.
- GET /logout (client_id, logout_uri) ends the session and redirects.

The client id and the URLs a code may be sent to are the template's app client's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlencode

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from infra.local.tokens import InvalidToken, NewPasswordRequired, TokenIssuer, User

CODE_LIFETIME_S = 300
PATHS = ("/oauth2/authorize", "/oauth2/token", "/login", "/logout", "/forgotPassword", "/confirmForgotPassword")

TEXTS = {
    "nl": {"title": "Inloggen", "username": "E-mailadres", "password": "Wachtwoord", "sign_in": "Inloggen",
           "forgot": "Wachtwoord vergeten?", "wrong": "Dit e-mailadres en wachtwoord horen niet bij elkaar.",
           "new_title": "Kies een nieuw wachtwoord", "new_password": "Nieuw wachtwoord",
           "new_hint": "Minstens 12 tekens, met een hoofdletter, een kleine letter en een cijfer.",
           "save": "Opslaan en inloggen", "weak": "Dit wachtwoord is niet sterk genoeg. ",
           "reset_title": "Wachtwoord vergeten", "send_code": "Stuur mij een code",
           "code_sent": "Als dit adres bij ons bekend is, staat er nu een code in de mailbox.",
           "code": "Code uit de e-mail", "reset": "Wachtwoord wijzigen",
           "code_wrong": "Deze code klopt niet of is verlopen.", "back": "Terug naar inloggen"},
    "en": {"title": "Sign in", "username": "E-mail address", "password": "Password", "sign_in": "Sign in",
           "forgot": "Forgot your password?", "wrong": "This e-mail address and password do not match.",
           "new_title": "Choose a new password", "new_password": "New password",
           "new_hint": "At least 12 characters, with an upper case letter, a lower case letter and a digit.",
           "save": "Save and sign in", "weak": "This password is not strong enough. ",
           "reset_title": "Forgot your password", "send_code": "Send me a code",
           "code_sent": "If we know this address, a code is in its mailbox now.",
           "code": "Code from the e-mail", "reset": "Change password",
           "code_wrong": "This code is wrong or has expired.", "back": "Back to sign in"},
}
PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} – OpenCounter</title>
<link rel="stylesheet" href="/app.css"></head><body class="login">
<header class="top"><span class="brand">OpenCounter</span></header>
<main id="main"><section class="card narrow"><h1>{title}</h1>{error}{body}</section></main></body></html>"""


@dataclass
class Grant:
    """What an authorization code stands for until it is exchanged."""

    user: User
    client_id: str
    redirect_uri: str
    challenge: str
    expires: float


class ManagedLogin:
    """The managed login's pages and endpoints for one app client."""

    def __init__(self, issuer: TokenIssuer, client_id: str, callback_urls: Callable[[], list[str]],
                 reset_password: Callable[[str], None], confirm_password: Callable[[str, str, str], None]) -> None:
        """`reset_password(username)` mails a code; `confirm_password(username, code, new)` sets it."""
        self.issuer, self.client_id, self.callback_urls = issuer, client_id, callback_urls
        self.reset_password, self.confirm_password = reset_password, confirm_password
        self._grants: dict[str, Grant] = {}
        self._refresh: dict[str, User] = {}

    def handles(self, path: str) -> bool:
        return path in PATHS

    def handle(self, request: Request) -> Response:
        if request.path == "/oauth2/token":
            return self._token(request)
        if request.path == "/logout":
            return self._logout(request)
        flow = self._flow(request)
        if isinstance(flow, Response):
            return flow
        lang = flow.get("lang") if flow.get("lang") in TEXTS else "nl"
        if request.path == "/forgotPassword":
            return self._forgot(request, flow, lang)
        if request.path == "/confirmForgotPassword":
            return self._confirm(request, flow, lang)
        if request.method == "POST":
            return self._sign_in(request, flow, lang)
        return self._page(lang, "title", self._sign_in_form(flow, lang))

    # ------------------------------------------------------------ the authorization request

    def _flow(self, request: Request) -> dict[str, str] | Response:
        """The authorization request's parameters, checked as Cognito checks them."""
        flow = {k: request.values.get(k, "") for k in ("client_id", "redirect_uri", "state", "code_challenge",
                                                       "code_challenge_method", "response_type", "scope", "lang")}
        if flow["client_id"] != self.client_id:
            return _error_page("invalid_request", "unknown client_id")
        if flow["redirect_uri"] not in self.callback_urls():
            return _error_page("redirect_mismatch", "redirect_uri is not a callback URL of this app client")
        if flow["response_type"] != "code":
            return _error_page("unsupported_response_type", "only the authorization code flow is allowed")
        if flow["code_challenge_method"] != "S256" or len(flow["code_challenge"]) < 43:
            return _error_page("invalid_request", "a code_challenge with method S256 is required")
        return flow

    def _hidden(self, flow: dict[str, str]) -> str:
        return "".join(f'<input type="hidden" name="{k}" value="{escape(v)}">' for k, v in flow.items())

    def _page(self, lang: str, title: str, body: str, error: str = "") -> Response:
        words = TEXTS[lang]
        html = PAGE.format(lang=lang, title=escape(words[title]), body=body,
                           error=f'<p class="error" role="alert">{escape(error)}</p>' if error else "")
        return Response(html, content_type="text/html; charset=utf-8")

    def _sign_in_form(self, flow: dict[str, str], lang: str, username: str = "") -> str:
        words = TEXTS[lang]
        query = urlencode(flow)
        return (f'<form method="post" action="/login?{escape(query)}" class="stack">{self._hidden(flow)}'
                f'<label>{words["username"]} <input name="username" type="email" autocomplete="username" required '
                f'value="{escape(username)}"></label>'
                f'<label>{words["password"]} <input name="password" type="password" '
                f'autocomplete="current-password" required></label>'
                f'<button>{words["sign_in"]}</button></form>'
                f'<p><a href="/forgotPassword?{escape(query)}">{words["forgot"]}</a></p>')

    def _sign_in(self, request: Request, flow: dict[str, str], lang: str) -> Response:
        words = TEXTS[lang]
        username, password = request.form.get("username", "").strip(), request.form.get("password", "")
        session, new_password = request.form.get("session"), request.form.get("new_password")
        try:
            if session and new_password:
                user = self.issuer.choose_password_user(username, session, new_password)
            else:
                user = self.issuer.user_for(username, password)
        except NewPasswordRequired as challenge:
            return self._page(lang, "new_title", self._new_password_form(flow, lang, username, challenge.session))
        except InvalidToken as refusal:
            if session:
                return self._page(lang, "new_title", self._new_password_form(flow, lang, username, session),
                                  words["weak"] + str(refusal))
            return self._page(lang, "title", self._sign_in_form(flow, lang, username), words["wrong"])
        return self._grant(user, flow)

    def _new_password_form(self, flow: dict[str, str], lang: str, username: str, session: str) -> str:
        words = TEXTS[lang]
        return (f'<form method="post" action="/login?{escape(urlencode(flow))}" class="stack">{self._hidden(flow)}'
                f'<input type="hidden" name="username" value="{escape(username)}">'
                f'<input type="hidden" name="session" value="{escape(session)}">'
                f'<p class="hint">{words["new_hint"]}</p>'
                f'<label>{words["new_password"]} <input name="new_password" type="password" minlength="12" '
                f'autocomplete="new-password" required></label><button>{words["save"]}</button></form>')

    def _grant(self, user: User, flow: dict[str, str]) -> Response:
        code = secrets.token_urlsafe(24)
        self._grants[code] = Grant(user, flow["client_id"], flow["redirect_uri"], flow["code_challenge"],
                                   time.time() + CODE_LIFETIME_S)
        query = urlencode({"code": code, **({"state": flow["state"]} if flow["state"] else {})})
        separator = "&" if "?" in flow["redirect_uri"] else "?"
        return redirect(f"{flow['redirect_uri']}{separator}{query}", 302)

    # ------------------------------------------------------------ forgotten password

    def _forgot(self, request: Request, flow: dict[str, str], lang: str) -> Response:
        words = TEXTS[lang]
        query = escape(urlencode(flow))
        if request.method == "POST":
            username = request.form.get("username", "").strip()
            self.reset_password(username)  # says nothing about whether the address is known
            return self._page(lang, "reset_title", self._confirm_form(flow, lang, username), "") \
                if username else self._page(lang, "reset_title", "")
        return self._page(lang, "reset_title", (
            f'<form method="post" action="/forgotPassword?{query}" class="stack">{self._hidden(flow)}'
            f'<label>{words["username"]} <input name="username" type="email" autocomplete="username" required>'
            f'</label><button>{words["send_code"]}</button></form>'
            f'<p><a href="/oauth2/authorize?{query}">{words["back"]}</a></p>'))

    def _confirm_form(self, flow: dict[str, str], lang: str, username: str) -> str:
        words = TEXTS[lang]
        return (f'<p class="hint" role="status">{words["code_sent"]}</p>'
                f'<form method="post" action="/confirmForgotPassword?{escape(urlencode(flow))}" class="stack">'
                f'{self._hidden(flow)}<input type="hidden" name="username" value="{escape(username)}">'
                f'<label>{words["code"]} <input name="code" inputmode="numeric" autocomplete="one-time-code" required>'
                f'</label><label>{words["new_password"]} <input name="new_password" type="password" minlength="12" '
                f'autocomplete="new-password" required></label><p class="hint">{words["new_hint"]}</p>'
                f'<button>{words["reset"]}</button></form>')

    def _confirm(self, request: Request, flow: dict[str, str], lang: str) -> Response:
        words = TEXTS[lang]
        username = request.form.get("username", "").strip()
        try:
            self.confirm_password(username, request.form.get("code", "").strip(), request.form.get("new_password", ""))
        except InvalidToken:
            return self._page(lang, "reset_title", self._confirm_form(flow, lang, username), words["code_wrong"])
        return self._page(lang, "title", self._sign_in_form(flow, lang, username))

    # ------------------------------------------------------------ tokens and signing out

    def _token(self, request: Request) -> Response:
        grant_type = request.form.get("grant_type")
        if request.form.get("client_id") != self.client_id:
            return _oauth_error("invalid_client")
        if grant_type == "refresh_token":
            user = self._refresh.get(request.form.get("refresh_token", ""))
            return self._tokens(user, refresh=False) if user else _oauth_error("invalid_grant")
        if grant_type != "authorization_code":
            return _oauth_error("unsupported_grant_type")
        grant = self._grants.pop(request.form.get("code", ""), None)  # a code is used once
        verifier = request.form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if grant is None or grant.expires < time.time() or grant.redirect_uri != request.form.get("redirect_uri") \
                or not hmac.compare_digest(challenge, grant.challenge):
            return _oauth_error("invalid_grant")
        return self._tokens(grant.user, refresh=True)

    def _tokens(self, user: User, *, refresh: bool) -> Response:
        body: dict[str, Any] = {"id_token": self.issuer.id_token(user), "access_token": secrets.token_urlsafe(32),
                                "expires_in": self.issuer.lifetime_s, "token_type": "Bearer"}
        if refresh:
            body["refresh_token"] = token = secrets.token_urlsafe(48)
            self._refresh[token] = user
        return Response(json.dumps(body), content_type="application/json", headers={"Cache-Control": "no-store"})

    def _logout(self, request: Request) -> Response:
        target = request.args.get("logout_uri", "")
        if request.args.get("client_id") != self.client_id or target not in self.callback_urls():
            return _error_page("invalid_request", "logout_uri is not a sign-out URL of this app client")
        return redirect(target, 302)


def _oauth_error(error: str) -> Response:
    return Response(json.dumps({"error": error}), status=400, content_type="application/json")


def _error_page(error: str, description: str) -> Response:
    return Response(f"{error}: {description}", status=400, content_type="text/plain; charset=utf-8")
