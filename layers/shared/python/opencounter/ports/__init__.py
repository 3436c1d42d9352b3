"""Ports to outside providers. Each talks to the real provider's API (pointed at the local
cloud's stand-in when run locally), so the same code path runs in AWS, locally and in tests."""
