"""The messaging channels, one module per provider: what each delivers (checked the provider's own
way, turned into one InboundContact) and how an answer goes back to it."""
