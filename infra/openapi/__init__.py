"""The API's contract as an OpenAPI 3.1 document (docs/openapi.json), generated: the routes, who may
call them and the request schemas come from template.yaml and the layer's contracts; what those
cannot say about a route is declared once in routes.py; document.py puts them together.

    python -m infra.openapi            # write docs/openapi.json
    python -m infra.openapi --check    # exit 1 when docs/openapi.json is not what would be written
"""
