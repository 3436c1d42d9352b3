"""Money in whole cents. Fractions of a cent (a prorated fee, a VAT share) are kept exact with
Fraction and rounded once, half away from zero, where an amount is written down: no float ever
touches an amount."""

from __future__ import annotations

from fractions import Fraction

#: Dutch VAT on telecom and energy; catalogue prices include it
VAT_RATE_PERCENT = 21
#: the smallest amount a card or iDEAL payment can be for (Stripe's minimum in euros)
MIN_CHARGE_CENTS = 50


def round_cents(amount: Fraction | int) -> int:
    """An exact amount rounded to whole cents, half away from zero (12.5 -> 13, -12.5 -> -13)."""
    amount = Fraction(amount)
    magnitude = abs(amount)
    whole = magnitude.numerator // magnitude.denominator
    if magnitude - whole >= Fraction(1, 2):
        whole += 1
    return whole if amount >= 0 else -whole


def vat_included(gross_cents: int, rate_percent: int = VAT_RATE_PERCENT) -> int:
    """The VAT inside a price that includes it: gross x rate / (100 + rate), rounded."""
    return round_cents(Fraction(gross_cents * rate_percent, 100 + rate_percent))


def split_evenly(total_cents: int, parts: int) -> list[int]:
    """`total_cents` in `parts` amounts that differ by at most a cent and sum exactly to the
    total (the first amounts carry the odd cents)."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    base, odd = divmod(total_cents, parts)
    return [base + (1 if index < odd else 0) for index in range(parts)]


def euros(cents: int, language: str = "en") -> str:
    """How an amount reads in a message: EUR 12.50, -EUR 3.05; in Dutch € 12,50, -€ 3,05."""
    sign = "-" if cents < 0 else ""
    if language == "nl":
        return f"{sign}€ {abs(cents) // 100},{abs(cents) % 100:02d}"
    return f"{sign}EUR {abs(cents) // 100}.{abs(cents) % 100:02d}"
