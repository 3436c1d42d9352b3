"""What a customer is shown of who did something: staff by role, never by name or address; and the
check every answer the tests receive on a customer's or public route passes (tests/contract.py)."""

from __future__ import annotations

import pytest
import requests

from opencounter.core.actors import seen_by_customer, staff_seen_by_customer
from opencounter.edge.identity import Caller
from tests.contract import no_staff_address


def test_staff_are_seen_by_role_and_everyone_else_without_a_name():
    admin = Caller("s", "admin@opencounter.example", frozenset({"admins"}), None, "admin@opencounter.example")
    assert seen_by_customer(admin.actor) == {"type": "agent", "role": "admin"}
    # an actor written before actors carried a role is a staff member all the same
    assert seen_by_customer({"type": "agent", "id": "agent@opencounter.example"}) == {"type": "agent", "role": "agent"}
    assert seen_by_customer({"type": "customer", "id": "c-1"}) == {"type": "customer", "id": "c-1"}
    assert seen_by_customer({"type": "system", "id": "disputes"}) == {"type": "system", "id": "disputes"}
    assert seen_by_customer(None) is None
    assert [staff_seen_by_customer(w) for w in ("customer", "agent@opencounter.example", "connect:jan", None)] == \
        ["customer", "agent", "agent", None]


def _answer(path: str, text: str) -> requests.Response:
    response = requests.Response()
    response.request = requests.Request("GET", f"http://127.0.0.1{path}").prepare()
    response._content, response.status_code = text.encode(), 200
    return response


def test_an_answer_outside_staffs_routes_naming_a_staff_address_fails_the_test():
    with pytest.raises(AssertionError, match="agent-1a2b@opencounter.example"):
        no_staff_address(_answer("/me/timeline", '{"actor": {"id": "agent-1a2b@opencounter.example"}}'))
    no_staff_address(_answer("/agent/customers/c-1/timeline", '{"actor": {"id": "agent@opencounter.example"}}'))
    no_staff_address(_answer("/me/messages", '{"from": "noreply@opencounter.example"}'))
