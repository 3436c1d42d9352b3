"""The edge: where a Lambda invocation meets the layer. The REST resolver with its one error
map and access guards, the caller's identity from the authorizer, idempotent requests, logging
and metrics. Functions use it; the domains never do."""
