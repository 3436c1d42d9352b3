"""Deploying the portal: after `sam deploy`, the pages in web/ go to the portal bucket, with a
config.json made from the stack's outputs (where the API is, the managed login, the app client)
and the API's OpenAPI document (docs/openapi.json, with the API's address as its server), and
CloudFront forgets what it cached. `make deploy` runs this; the local cloud serves the same
config.json and openapi.json, made by the same functions from its own addresses.

    python -m infra.deploy.portal --stack opencounter-dev [--region eu-west-1]
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from infra.local.template import ROOT
from infra.openapi.document import served

WEB = ROOT / "web"
#: pages and the service worker are checked on every visit; everything else may be cached a day
REVALIDATE = (".html", ".json", ".webmanifest")
TYPES = {".js": "text/javascript", ".webmanifest": "application/manifest+json", ".svg": "image/svg+xml"}


def portal_config(outputs: dict[str, str], *, local: bool = False) -> dict[str, Any]:
    """What the pages need to know of the deployment (served as /config.json)."""
    return {"apiUrl": outputs["ApiUrl"].rstrip("/"), "loginUrl": outputs["LoginDomain"].rstrip("/"),
            "clientId": outputs["UserPoolClientId"], "local": local}


def portal_openapi(outputs: dict[str, str]) -> dict[str, Any]:
    """The API's OpenAPI document as the portal serves it (/openapi.json): the kept one, with the
    API's address, which is not the portal's."""
    return served(outputs["ApiUrl"])


def files(web: Path = WEB) -> Iterator[tuple[str, Path, str, str]]:
    """(key, path, content type, cache control) of every file the portal serves."""
    for path in sorted(p for p in web.rglob("*") if p.is_file()):
        key = path.relative_to(web).as_posix()
        kind = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        cache = "no-cache" if path.suffix in REVALIDATE or path.name == "service-worker.js" else "public, max-age=86400"
        yield key, path, kind, cache


def publish(outputs: dict[str, str], s3: Any, cloudfront: Any) -> int:
    """Upload web/, config.json and openapi.json to the portal bucket; invalidate the
    distribution. The number of files uploaded."""
    bucket = outputs["PortalBucketName"]
    count = 0
    for key, path, kind, cache in files():
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=kind, CacheControl=cache)
        count += 1
    s3.put_object(Bucket=bucket, Key="config.json", Body=json.dumps(portal_config(outputs)).encode(),
                  ContentType="application/json", CacheControl="no-cache")
    s3.put_object(Bucket=bucket, Key="openapi.json", Body=json.dumps(portal_openapi(outputs), indent=2).encode(),
                  ContentType="application/json", CacheControl="no-cache")
    cloudfront.create_invalidation(DistributionId=outputs["PortalDistributionId"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": f"portal-{time.time_ns()}"})
    return count + 2


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def main() -> None:
    import boto3  # deferred on purpose: only this command talks to a real account

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--region", default=None)
    arguments = parser.parse_args()
    session = boto3.Session(region_name=arguments.region)
    outputs = stack_outputs(session.client("cloudformation"), arguments.stack)
    count = publish(outputs, session.client("s3"), session.client("cloudfront"))
    print(f"{count} files published; the portal is at {outputs['PortalUrl']}")


if __name__ == "__main__":
    main()
