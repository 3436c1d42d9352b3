"""The local cloud serves the API's OpenAPI document where the deployed portal does, with itself
as the API's server."""

from __future__ import annotations

import json

from infra.openapi.document import DOCUMENT
from tests.conftest import Caller


def test_the_api_document_is_served_beside_the_pages(cloud, anonymous: Caller):
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    served = response.json()
    assert served["servers"] == [{"url": cloud.url}]
    assert {k: v for k, v in served.items() if k != "servers"} == json.loads(DOCUMENT.read_text())
    assert "/me/invoices/{invoice_id}/payments" in served["paths"]
