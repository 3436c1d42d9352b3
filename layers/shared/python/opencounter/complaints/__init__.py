"""Complaints: filed, acknowledged with a term, handled, answered, escalated when the term passes, closed."""
