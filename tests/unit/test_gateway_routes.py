"""How the local API Gateway turns the template's paths into routes."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule

from infra.local.gateway import _rule_path


def _match(resource: str, path: str) -> dict:
    return Map([Rule(_rule_path(resource), endpoint="x")]).bind("local").match(path)[1]


def test_a_path_parameter_takes_one_segment():
    assert _match("/agent/customers/{customer_id}", "/agent/customers/abc") == {"customer_id": "abc"}
    with pytest.raises(NotFound):
        _match("/agent/customers/{customer_id}", "/agent/customers/abc/def")


def test_a_proxy_parameter_is_greedy_as_in_api_gateway():
    assert _match("/files/{proxy+}", "/files/a/b/c.txt") == {"proxy": "a/b/c.txt"}
