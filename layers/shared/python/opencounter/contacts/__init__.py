"""The service centre: contacts on every channel, service requests that continue anywhere, the live FAQ."""
