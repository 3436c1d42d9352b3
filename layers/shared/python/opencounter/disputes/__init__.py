"""Disputes: a customer disputes a transaction (an invoice line, a payment); the amount is on hold
at once, a workflow assesses it by rules and decides, or hands it to staff with a deadline; an
upheld dispute is credited and paid back or offset; a rejected one may be appealed once."""
