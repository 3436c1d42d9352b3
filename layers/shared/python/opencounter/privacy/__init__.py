"""Privacy: the data-subject requests (a copy of one's data, erasure) with their legal deadlines,
and what the privacy officer watches over."""
