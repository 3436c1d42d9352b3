"""What deploying needs beyond `sam deploy`: the portal's pages and configuration (portal.py)."""
