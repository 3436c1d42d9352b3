"""Every text on screen comes from the message catalogues, in both languages: a key the pages
use that a catalogue lacks would show as the key itself, and an error reason the API gives that
has no sentence would leave a customer with the generic one."""

from __future__ import annotations

import ast
import json
import re

import pytest

from infra.local.template import ROOT

WEB = ROOT / "web"
CATALOGUES = {language: json.loads((WEB / "i18n" / f"{language}.json").read_text()) for language in ("nl", "en")}
LAYER = ROOT / "layers" / "shared" / "python" / "opencounter"


def _flat(node: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in node.items():
        name = f"{prefix}{key}" if prefix == "" else f"{prefix}.{key}"
        if isinstance(value, dict):
            out.update(_flat(value, name))
        else:
            out[name] = value
    return out


FLAT = {language: _flat(catalogue) for language, catalogue in CATALOGUES.items()}


def _has(language: str, key: str) -> bool:
    flat = FLAT[language]
    return key in flat or (f"{key}_one" in flat and f"{key}_other" in flat)


def _keys_in_pages() -> set[str]:
    """Every key the pages name literally: data-i18n attributes, and any string in a script that
    reads as a key of a catalogue's section ("settings.saved", also in a ternary or a variable)."""
    sections = set(CATALOGUES["nl"])
    keys: set[str] = set()
    for path in [*(WEB / "js").glob("*.js"), *WEB.glob("*.html")]:
        text = path.read_text()
        keys |= set(re.findall(r'data-i18n(?:-[a-z-]+)?="([a-z_]+\.[a-zA-Z_.]+)"', text))
        keys |= {k for k in re.findall(r'"([a-z_]+\.[a-zA-Z_.]+)"', text) if k.split(".")[0] in sections}
    return keys


def _reasons_in_layer() -> set[str]:
    """Every reason the layer raises an error with (reason="..." on a raise or a returned error)."""
    errors = {"InvalidInput", "Conflict", "NotFound", "Forbidden", "NotAuthenticated", "PayloadTooLarge", "Contended",
              "Gone"}
    reasons: set[str] = set()
    for path in LAYER.rglob("*.py"):
        for call in ast.walk(ast.parse(path.read_text())):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in errors:
                for keyword in (k for k in call.keywords if k.arg == "reason"):
                    reasons |= {c.value for c in ast.walk(keyword.value)
                                if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    from opencounter.core.validation import REASONS

    return reasons | set(REASONS.values()) | {"field_invalid"}


def test_both_catalogues_have_the_same_keys():
    assert sorted(set(FLAT["nl"]) ^ set(FLAT["en"])) == []


@pytest.mark.parametrize("language", sorted(CATALOGUES))
def test_every_key_the_pages_name_is_in_the_catalogue(language):
    missing = sorted(k for k in _keys_in_pages() if not _has(language, k))
    assert missing == []


@pytest.mark.parametrize("language", sorted(CATALOGUES))
def test_every_error_reason_the_api_gives_has_a_sentence(language):
    gateway = set(re.findall(r'\\"reason\\": \\"(\w+)\\"|"reason": "(\w+)"', (ROOT / "template.yaml").read_text()))
    from_template = {r for pair in gateway for r in pair if r}
    missing = sorted(r for r in _reasons_in_layer() | from_template if not _has(language, f"errors.{r}"))
    assert missing == []


@pytest.mark.parametrize("language", sorted(CATALOGUES))
def test_every_placeholder_of_a_sentence_is_in_the_other_language_too(language):
    other = "en" if language == "nl" else "nl"
    differ = [k for k, text in FLAT[language].items()
              if set(re.findall(r"\{(\w+)\}", text)) != set(re.findall(r"\{(\w+)\}", FLAT[other].get(k, "")))]
    assert differ == []


def test_no_page_holds_a_sentence_of_its_own():
    # a text node in the HTML is the Dutch fallback of its data-i18n key, never a text without one
    for page in WEB.glob("*.html"):
        text = page.read_text()
        for tag, attributes, content in re.findall(r"<(\w+)([^>]*)>([^<]*[A-Za-z][^<]*)</\1>", text):
            if tag in ("title", "option", "script", "style", "a") and "data-i18n" not in attributes:
                continue
            assert "data-i18n" in attributes, f"{page.name}: <{tag}> {content.strip()!r} has no data-i18n"


def test_the_service_worker_keeps_every_script_and_catalogue_of_the_shell():
    """A module left out of the shell would make the portal fail to start when offline."""
    listed = set(re.findall(r'"(/[^"]+)"', (WEB / "service-worker.js").read_text()))
    shell = {f"/{p.relative_to(WEB).as_posix()}" for p in [*(WEB / "js").glob("*.js"), *(WEB / "i18n").glob("*.json")]}
    assert shell - listed == set()
