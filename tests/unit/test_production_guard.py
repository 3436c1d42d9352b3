"""In the production stage nothing answers from test data: the sandbox screening, address
registry and credit bureau, a provider stand-in's address, the evidence store's stand-in, a
Stripe test-mode key all refuse to work (and a missing stage counts as production). In other
stages they answer as before."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from opencounter.core.settings import MissingSetting, NotForProduction, settings
from opencounter.ports import credit_bureau, evidence_store, field_service, screening, stripe_api
from opencounter.ports.channels import meta, x

SANDBOXES: dict[str, Any] = {
    "sanctions screening": lambda: screening.sanctions_check("Jansen", "eva@example.nl"),
    "address registry": lambda: screening.address_check({"street": "Kerkstraat"}),
    "credit bureau": lambda: credit_bureau.credit_report("Jansen", "1990-01-01", "eva@example.nl"),
    "Stripe test-mode key": lambda: stripe_api.stripe_client(),
    "Stripe stand-in": lambda: stripe_api.stripe_client(),
    "Meta stand-in": lambda: meta.graph_api(),
    "X stand-in": lambda: x.send_direct_message("123", "hallo"),
    "evidence store stand-in": lambda: evidence_store.upload_form("incoming/c/d/e", "application/pdf", 100, 60),
    "field service stand-in": lambda: field_service.api_base(),
}
ENVIRONMENT = {
    "Stripe test-mode key": {"secret_key": "sk_test_123"},
    "Stripe stand-in": {"secret_key": "sk_live_123", "STRIPE_API_BASE": "http://127.0.0.1:3000/stripe"},
    "Meta stand-in": {"META_API_BASE": "http://127.0.0.1:3000/meta"},
    "X stand-in": {"X_API_BASE": "http://127.0.0.1:3000/x"},
    "field service stand-in": {"FIELD_SERVICE_API_BASE": "http://127.0.0.1:3000/sandbox/field-service"},
    "evidence store stand-in": {"EVIDENCE_UPLOAD_BASE": "http://127.0.0.1:3000/sandbox/s3",
                                "EVIDENCE_BUCKET": "opencounter-local-evidencebucket"},
}


@pytest.fixture
def stage(monkeypatch: pytest.MonkeyPatch, provider_secrets: Any) -> Iterator[Any]:
    """The stage, the functions' variables (upper case) and the Stripe key in its secret."""

    def set_stage(value: str | None, **variables: str) -> None:
        for name in ("STAGE", "STRIPE_API_BASE", "META_API_BASE", "X_API_BASE", "EVIDENCE_UPLOAD_BASE",
                     "EVIDENCE_BUCKET", "FIELD_SERVICE_API_BASE"):
            monkeypatch.delenv(name, raising=False)
        if value is not None:
            monkeypatch.setenv("STAGE", value)
        for name, content in variables.items():
            if name.isupper():
                monkeypatch.setenv(name, content)
            else:
                provider_secrets("StripeSecret", **{name: content})
        settings.cache_clear()

    yield set_stage
    monkeypatch.undo()
    settings.cache_clear()


@pytest.mark.parametrize("sandbox", SANDBOXES)
@pytest.mark.parametrize("production", ["prod", ""])
def test_no_sandbox_answers_in_production(stage, sandbox, production):
    stage(production or None, **ENVIRONMENT.get(sandbox, {}))
    with pytest.raises(NotForProduction):
        SANDBOXES[sandbox]()


@pytest.mark.parametrize("sandbox", ["sanctions screening", "address registry", "credit bureau", "Meta stand-in",
                                     "evidence store stand-in", "field service stand-in"])
def test_outside_production_the_sandboxes_answer_from_test_data(stage, sandbox):
    stage("dev", **ENVIRONMENT.get(sandbox, {}))
    assert SANDBOXES[sandbox]() is not None


def test_a_live_key_at_stripe_itself_is_fine_in_production(stage):
    stage("prod", secret_key="sk_live_123")
    assert stripe_api.stripe_client() is not None


def test_evidence_links_in_production_go_to_s3_itself(stage):
    stage("prod", EVIDENCE_BUCKET="opencounter-prod-evidence")
    form = evidence_store.upload_form("incoming/c/d/e", "application/pdf", 100, 60)
    assert form["url"] == "https://opencounter-prod-evidence.s3.eu-west-1.amazonaws.com/"


def test_the_field_service_at_its_own_https_address_is_fine_in_production_and_none_set_is_refused(stage):
    stage("prod", FIELD_SERVICE_API_BASE="https://api.fieldservice.example/v2/")
    assert field_service.api_base() == "https://api.fieldservice.example/v2"
    stage("dev")
    with pytest.raises(MissingSetting):
        field_service.api_base()


@pytest.mark.parametrize("unset", ["SES_CONFIGURATION_SET", "PORTAL_ORIGIN"])
def test_a_mail_without_the_set_that_reports_on_it_or_the_portals_address_is_refused(stage, monkeypatch, unset):
    from opencounter.ports.messaging import send_email

    stage("dev", SENDER_ADDRESS="noreply@opencounter.example", SES_CONFIGURATION_SET="mail-events",
          PORTAL_ORIGIN="https://mijn.opencounter.example")
    monkeypatch.delenv(unset)
    settings.cache_clear()
    with pytest.raises(MissingSetting, match=unset):
        send_email("eva@example.nl", "Onderwerp", "Tekst")
