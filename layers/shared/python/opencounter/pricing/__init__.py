"""Pricing as pure code: money in whole cents (no float touches an amount), and rating: what a
month of a product costs on a plan, and which eligible plan costs least. No table, no I/O."""
