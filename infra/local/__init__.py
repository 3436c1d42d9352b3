"""The local cloud: runs template.yaml on one machine with no Docker and no AWS account.

`LocalCloud` (cloud.py) builds the template's table, bus, queues, functions and state machines
in moto's in-memory AWS and connects them the way AWS does; `gateway.py` is API Gateway with the
Cognito authorizer in front of the functions; `server.py` is what `make run` starts.
"""
