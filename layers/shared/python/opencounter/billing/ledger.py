"""The ledger: every money movement as a double-entry transaction that sums to zero.

Accounts: `receivable` (what the customer owes us), `revenue:<kind>` and `vat_payable` (what an
invoice earns, and the VAT in it), `payment_provider` (money held for us by the payment
provider). Debits are positive, credits negative. A transaction's id names the movement itself,
so booking the same movement twice is refused by the table."""

from __future__ import annotations

from typing import Any

from opencounter.billing.records import LedgerTransaction
from opencounter.core.clock import isoformat, utcnow
from opencounter.core.outbox import Write

RECEIVABLE = "receivable"
PAYMENT_PROVIDER = "payment_provider"
VAT_PAYABLE = "vat_payable"


def revenue(kind: str) -> str:
    return f"revenue:{kind}"


def posting(customer_id: str, transaction_id: str, kind: str, reference: str,
            entries: list[tuple[str, int]]) -> Write:
    """The write that books one transaction, once. Entries must sum to zero."""
    entries = [(account, amount) for account, amount in entries if amount]
    if sum(amount for _, amount in entries) != 0:
        raise ValueError(f"ledger transaction {transaction_id} does not balance: {entries}")
    return Write(LedgerTransaction(*LedgerTransaction.keys(customer_id, transaction_id),
                                   transaction_id=transaction_id, customer_id=customer_id, kind=kind,
                                   posted_at=isoformat(utcnow()), reference=reference,
                                   entries=[{"account": a, "amount_cents": n} for a, n in entries]),
                 LedgerTransaction.PK.does_not_exist(),
                 conflict=f"ledger transaction {transaction_id} is booked already")


def ledger(customer_id: str) -> list[dict[str, Any]]:
    """Every transaction booked for a customer (staff, audits and tests)."""
    return [{"transaction_id": t.transaction_id, "kind": t.kind, "posted_at": t.posted_at, "reference": t.reference,
             "entries": t.entries} for t in LedgerTransaction.query(LedgerTransaction.partition(customer_id))]


def balances(customer_id: str) -> dict[str, int]:
    """Each account's balance over a customer's transactions."""
    totals: dict[str, int] = {}
    for transaction in ledger(customer_id):
        for entry in transaction["entries"]:
            totals[entry["account"]] = totals.get(entry["account"], 0) + entry["amount_cents"]
    return totals
