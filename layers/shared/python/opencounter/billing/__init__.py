"""Billing: usage, invoices, payments, the ledger and the best-tariff guarantee."""
