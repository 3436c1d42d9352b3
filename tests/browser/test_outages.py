"""Outages in the portal: operations report one at the desk; the customer it hits sees it at the
top of the page and first on the contact page, the service page shows it to anyone, and once
operations resolve it the banner is gone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from selenium.webdriver.common.by import By

from infra.local.demo import DEMO_PASSWORD
from infra.local.users import User
from tests.browser.conftest import Browser
from tests.conftest import Caller, give_product, new_customer


def test_an_outage_reported_at_the_desk_shows_to_the_customer_it_hits_until_it_is_solved(browser: Browser, cloud):
    area = f"{3700 + uuid.uuid4().int % 90:04d}"
    customer = new_customer(cloud, {"street": "Oudegracht", "house_number": 3, "postcode": f"{area} KL",
                                    "city": "Utrecht"})
    give_product(customer, "FIBRE-100")

    # Operations report a fibre outage in the customer's area at the desk
    browser.sign_in("admin@opencounter.example", DEMO_PASSWORD)
    browser.find("#nav-staff a[href='#/incidents']").click()
    browser.page("incidents")
    form = browser.wait(lambda d: (f := d.find_element(By.ID, "incident-form")).is_displayed() and f)
    browser.check("incidents")
    end = (datetime.now(UTC) + timedelta(hours=3)).astimezone().strftime("%Y-%m-%dT%H:%M")
    browser.fill(form, product_kind="internet", area_from=area, description_nl="Een kabel is geraakt bij graafwerk.",
                 description_en="A cable was hit while digging.")
    browser.driver.execute_script("arguments[0].value = arguments[1]", form.find_element(By.NAME, "expected_end"), end)
    form.find_element(By.CSS_SELECTOR, "button.primary").click()
    browser.wait(lambda d: browser.status("incidents-status").startswith("Gemeld"))
    cloud.cloud.settle()
    browser.find("#nav-staff a[href='#/incidents']").click()
    card = browser.wait(lambda d: next((c for c in d.find_elements(By.CSS_SELECTOR, "#incidents-active li")
                                        if f"Postcodegebied {area}" in c.text), None))
    assert "Klanten geïnformeerd" in card.text
    incident_id = card.get_attribute("data-incident")
    browser.check("incidents-reported")

    # The customer sees it at the top, and first when they want to contact us
    customer_view = browser.fresh()
    customer_view.sign_in(customer.email, "pw")
    banner = customer_view.wait(lambda d: (b := d.find_element(By.ID, "outage-banner")).is_displayed() and b)
    assert "Een kabel is geraakt bij graafwerk." in banner.text and "We verwachten dat het" in banner.text
    customer_view.find("#nav-customer a[href='#/contact']").click()
    customer_view.page("contact")
    # (the page draws its first answer again as the outages come in: read its words, not an element)
    customer_view.wait(lambda d: "Eerst: er is een storing bij u in de buurt" in customer_view.text("#contact-outages"))
    customer_view.check("contact-outage")
    # anyone sees it on the service page
    customer_view.find("#nav-public a[href='#/service']").click()
    customer_view.page("service")
    customer_view.wait(lambda d: f"Postcodegebied {area}" in customer_view.text("#outages"))
    customer_view.check("service-outages")

    # Once operations resolve it, the banner is gone
    ops = User(f"ops-{uuid.uuid4().hex[:8]}@opencounter.example", "pw", ("admins",))
    cloud.issuer.add_user(ops)
    resolved = Caller(cloud.url, cloud.issuer.id_token(ops)).post(f"/agent/incidents/{incident_id}/resolution", json={})
    assert resolved.status_code == 200, resolved.text
    cloud.cloud.settle()
    customer_view.driver.refresh()
    customer_view.page("service")
    customer_view.wait(lambda d: f"Postcodegebied {area}" not in customer_view.text("#outages"))
    assert not customer_view.find("#outage-banner").is_displayed()
