"""The ground floor: what every other floor stands on. The single table and its keys, the
outbox, errors, contracts, settings, the clock, receipts and codes. Imports nothing from the
floors above."""
