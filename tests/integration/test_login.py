"""Signing in the AWS way: the authorization code flow with PKCE against the managed login, as
the portal does it and as Cognito checks it. Locally the local cloud serves the same paths."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlparse

import requests

from infra.local.demo import DEMO_PASSWORD
from tests.conftest import Caller


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class Flow:
    """One browser's authorization request: its verifier, state and where it returns to."""

    def __init__(self, cloud) -> None:
        self.cloud = cloud
        self.config = requests.get(f"{cloud.url}/config.json", timeout=10).json()
        self.verifier, self.state = secrets.token_urlsafe(48), secrets.token_urlsafe(12)
        self.redirect = f"{cloud.url}/"
        self.query = {"response_type": "code", "client_id": self.config["clientId"], "redirect_uri": self.redirect,
                      "state": self.state, "code_challenge": _challenge(self.verifier), "code_challenge_method": "S256",
                      "scope": "openid email profile"}

    def login(self, username: str, password: str, **extra: str) -> requests.Response:
        return requests.post(f"{self.cloud.url}/login", params=self.query, allow_redirects=False, timeout=10,
                             data={**self.query, "username": username, "password": password, **extra})

    def code(self, response: requests.Response) -> str:
        assert response.status_code == 302, response.text
        location = urlparse(response.headers["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == self.redirect
        returned = parse_qs(location.query)
        assert returned["state"] == [self.state]
        return returned["code"][0]

    def token(self, code: str, verifier: str | None = None) -> requests.Response:
        return requests.post(f"{self.cloud.url}/oauth2/token", timeout=10, data={
            "grant_type": "authorization_code", "client_id": self.config["clientId"], "code": code,
            "redirect_uri": self.redirect, "code_verifier": verifier or self.verifier})

    def sign_in(self, username: str, password: str) -> dict:
        answer = self.token(self.code(self.login(username, password)))
        assert answer.status_code == 200, answer.text
        return answer.json()


def test_the_portal_is_told_where_the_api_and_the_login_are(cloud):
    config = requests.get(f"{cloud.url}/config.json", timeout=10).json()
    assert config == {"apiUrl": cloud.url, "loginUrl": cloud.url, "clientId": config["clientId"], "local": True}
    assert config["clientId"] == cloud.cloud.resolver.physical["UserPoolClient"]


def test_a_code_exchanged_with_its_verifier_signs_in_once(cloud):
    flow = Flow(cloud)
    code = flow.code(flow.login("sanne@example.nl", DEMO_PASSWORD))

    tokens = flow.token(code).json()
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"]
    me = Caller(cloud.url, tokens["id_token"]).get("/me")
    assert me.status_code == 200 and me.json()["personal"]["given_name"] == "Sanne"
    # a code is good once
    assert flow.token(code).status_code == 400


def test_a_code_without_the_right_verifier_or_callback_gets_no_tokens(cloud):
    flow = Flow(cloud)
    code = flow.code(flow.login("sanne@example.nl", DEMO_PASSWORD))
    assert flow.token(code, verifier=secrets.token_urlsafe(48)).json() == {"error": "invalid_grant"}
    # nor may a sign-in be sent anywhere but the app client's own callback
    flow = Flow(cloud)
    refused = requests.get(f"{cloud.url}/oauth2/authorize", timeout=10, allow_redirects=False,
                           params={**flow.query, "redirect_uri": "https://evil.example/"})
    assert refused.status_code == 400 and "redirect_uri" in refused.text
    plain = requests.get(f"{cloud.url}/oauth2/authorize", timeout=10,
                         params={**flow.query, "code_challenge_method": "plain"})
    assert plain.status_code == 400


def test_a_refresh_token_gets_a_new_id_token(cloud):
    flow = Flow(cloud)
    tokens = flow.sign_in("sanne@example.nl", DEMO_PASSWORD)
    refreshed = requests.post(f"{cloud.url}/oauth2/token", timeout=10, data={
        "grant_type": "refresh_token", "client_id": flow.config["clientId"], "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    assert Caller(cloud.url, refreshed.json()["id_token"]).get("/me").status_code == 200


def test_signing_out_returns_to_the_portal_only(cloud):
    config = requests.get(f"{cloud.url}/config.json", timeout=10).json()
    out = requests.get(f"{cloud.url}/logout", allow_redirects=False, timeout=10,
                       params={"client_id": config["clientId"], "logout_uri": f"{cloud.url}/"})
    assert out.status_code == 302 and out.headers["Location"] == f"{cloud.url}/"
    elsewhere = requests.get(f"{cloud.url}/logout", allow_redirects=False, timeout=10,
                             params={"client_id": config["clientId"], "logout_uri": "https://evil.example/"})
    assert elsewhere.status_code == 400


def test_a_forgotten_password_is_reset_with_the_code_mailed_to_the_customer(cloud):
    flow = Flow(cloud)
    email = "daan@example.nl"
    sent = requests.post(f"{cloud.url}/forgotPassword", params=flow.query, data={**flow.query, "username": email},
                         timeout=10)
    assert sent.status_code == 200
    mail = [m for m in cloud.cloud.mailbox(email) if m["subject"] == "Your OpenCounter verification code"][-1]
    code = re.search(r"\b(\d{6})\b", mail["body"]).group(1)
    # a wrong code changes nothing; the right one sets the new password
    wrong = requests.post(f"{cloud.url}/confirmForgotPassword", params=flow.query, timeout=10,
                          data={**flow.query, "username": email, "code": "000000" if code != "000000" else "111111",
                                "new_password": "Nieuw-wachtwoord-2"})
    assert "Deze code klopt niet" in wrong.text
    requests.post(f"{cloud.url}/confirmForgotPassword", params=flow.query, timeout=10,
                  data={**flow.query, "username": email, "code": code, "new_password": "Nieuw-wachtwoord-2"})
    assert Flow(cloud).login(email, DEMO_PASSWORD).status_code == 200  # the old password: the page again
    assert Flow(cloud).sign_in(email, "Nieuw-wachtwoord-2")["id_token"]
    # back as it was, for the other tests
    cloud.cloud.client("cognito-idp").admin_set_user_password(
        UserPoolId=cloud.cloud.resolver.physical["UserPool"], Username=email, Password=DEMO_PASSWORD, Permanent=True)


def test_a_new_e_mail_address_once_proven_signs_in_and_the_old_one_no_longer_does(cloud, pool_customer):
    email, _ = pool_customer
    customer = Caller(cloud.url, Flow(cloud).sign_in(email, "Eerste-wachtwoord-1")["id_token"])
    new = f"nieuw-{secrets.token_hex(4)}@example.nl"
    record = customer.get("/me").json()
    assert customer.patch("/me", json={"version": record["version"], "contact": {"email": new}}).status_code == 200
    mail = [m for m in cloud.cloud.mailbox(new) if m["subject"] == "Confirm your new e-mail address"][-1]
    code = re.search(r"\b(\d{6})\b", mail["body"]).group(1)
    confirmed = customer.post("/me/email-verification/confirmation", json={"code": code})
    assert confirmed.status_code == 200 and confirmed.json()["contact"]["email"] == new

    assert Flow(cloud).sign_in(new, "Eerste-wachtwoord-1")["id_token"]
    old = Flow(cloud).login(email, "Eerste-wachtwoord-1")
    assert old.status_code == 200 and "horen niet bij elkaar" in old.text  # the page again, with the refusal
