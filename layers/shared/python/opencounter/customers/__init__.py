"""The customer record: personal data, settings, consents, addresses over time, products held."""
