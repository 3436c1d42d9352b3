"""The reference data each version of the application ships with: the product catalogue
(contracts/catalogue/products.json) and the FAQ (contracts/faq/articles.json). A deploy loads
them into the table (the ReferenceData custom resource), so a stack sells what its version
offers from its first minute; loading the same version again changes nothing."""

from __future__ import annotations

import json
from typing import Any

from opencounter.catalogue.service import load_catalogue
from opencounter.contacts.faq import load_faq
from opencounter.core.validation import CONTRACTS

CATALOGUE = CONTRACTS / "catalogue" / "products.json"
FAQ = CONTRACTS / "faq" / "articles.json"


def load_reference_data() -> dict[str, Any]:
    """Store this version's catalogue (and make it the current one) and FAQ; what was loaded."""
    catalogue = json.loads(CATALOGUE.read_text())
    products = load_catalogue(catalogue)
    articles = load_faq(json.loads(FAQ.read_text()))
    return {"catalogue_version": catalogue["version"], "products": products, "faq_articles": articles}
