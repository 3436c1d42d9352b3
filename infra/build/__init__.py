"""Building template.yaml for AWS: the locks the environments and the dependencies layer are made
from, `sam build` for the Lambda runtime's platform, and the checks of what it built
(docs/adr/0011-one-lock-for-the-runtime.md)."""
