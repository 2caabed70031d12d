"""Starts the test identity provider for the bench/ scripts, prints one JSON line (authority,
tenant, client id, secret, token endpoint, and the CA file for --https) and keeps it running
until standard input closes.   provider_up.py [--https]"""

import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault("ENTRATOOL_SOURCE_DIR", os.path.dirname(here))
sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support"))
from provider import Provider, TENANT_GUID  # noqa: E402

with Provider(https="--https" in sys.argv[1:]) as idp:
    print(json.dumps({"authority": idp.authority_host, "tenant": TENANT_GUID, "client_id": idp.simple.client_id,
                      "secret": idp.simple.secret, "token_endpoint": idp.token_endpoint(TENANT_GUID),
                      "ca": idp.ca_path}), flush=True)
    sys.stdin.read()
    print(json.dumps(idp.requests()["counts"]), file=sys.stderr)
