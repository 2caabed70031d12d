"""Loopback fakes of the endpoints CI platforms and Azure hosts offer, for integration tests.

Standard library only; each fake is an HTTP server on 127.0.0.1 (ephemeral port) in a thread:

    with GitHubOidc(idp) as gh: ...        # ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN
    with PipelinesOidc(idp) as ado: ...    # SYSTEM_OIDCREQUESTURI / SYSTEM_ACCESSTOKEN
    with Imds() as imds: ...               # AZURE_POD_IDENTITY_AUTHORITY_HOST, or IDENTITY_ENDPOINT

Each records the requests it saw (`requests`: method, path, query dict, headers dict with
lower-case names) and answers from `script` (a list of (status, body) tuples, used up first)
before its normal answer. Nothing here ever contacts 169.254.169.254.
"""

import base64
import http.server
import json
import threading
import time
import urllib.parse

import canary
from provider import ADO_ISSUER, ADO_SUBJECT, GITHUB_ISSUER, GITHUB_SUBJECT

# Never to appear in entratool's output or files (canary values in secret canary mode).
REQUEST_TOKEN = canary.value("github_request_token", "gh-request-token-7f3a9c")
PIPELINES_TOKEN = canary.value("pipelines_token", "ado-system-access-token-4b2e")
IDENTITY_HEADER = canary.value("identity_header", "app-service-identity-header-91d0")


class _Fake:
    def __init__(self):
        self.requests = []
        self.script = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _serve(self):
                url = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = {"method": self.command, "path": url.path,
                        "query": dict(urllib.parse.parse_qsl(url.query)),
                        "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body.decode()}
                fake.requests.append(seen)
                if fake.script:
                    status, payload = fake.script.pop(0)
                else:
                    status, payload = fake.answer(seen)
                data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
                data = data.encode() if isinstance(data, str) else data
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _serve
            do_POST = _serve

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class GitHubOidc(_Fake):
    """GitHub's job ID token endpoint: GET ?api-version=2.0&audience=… with the request token."""

    def __init__(self, idp, subject=GITHUB_SUBJECT, issuer=GITHUB_ISSUER, ttl=300):
        super().__init__()
        self.idp, self.subject, self.issuer, self.ttl = idp, subject, issuer, ttl

    def env(self):
        return {"ACTIONS_ID_TOKEN_REQUEST_URL": self.base + "/_apis/token?api-version=2.0",
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN}

    def answer(self, seen):
        if seen["headers"].get("authorization") != "Bearer " + REQUEST_TOKEN:
            return 401, {"message": "Unauthorized"}
        audience = seen["query"].get("audience", "")
        return 200, {"count": 1, "value": self.idp.mint_federated(self.issuer, self.subject, audience, self.ttl)}


class PipelinesOidc(_Fake):
    """Azure DevOps' OIDC endpoint: POST ?api-version=7.1&serviceConnectionId=… with the job's token."""

    def __init__(self, idp, connection="00000000-0000-4000-8000-0000000005c0", subject=ADO_SUBJECT):
        super().__init__()
        self.idp, self.connection, self.subject = idp, connection, subject

    def env(self):
        return {"SYSTEM_OIDCREQUESTURI": self.base + "/contoso/_apis/distributedtask/hubs/build/plans/p/jobs/j/oidctoken",
                "SYSTEM_ACCESSTOKEN": PIPELINES_TOKEN,
                "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": self.connection}

    def answer(self, seen):
        if seen["headers"].get("authorization") != "Bearer " + PIPELINES_TOKEN:
            return 401, {"message": "TF400813: The user is not authorized to access this resource."}
        if seen["method"] != "POST" or seen["query"].get("api-version") != "7.1":
            return 400, {"message": "bad request"}
        if seen["query"].get("serviceConnectionId") != self.connection:
            return 404, {"message": "service connection not found"}
        return 200, {"oidcToken": self.idp.mint_federated(ADO_ISSUER, self.subject)}


def fake_jwt(claims):
    enc = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()
    return f"{enc({'typ': 'JWT', 'alg': 'RS256'})}.{enc(claims)}.c2lnbmF0dXJl"


class Imds(_Fake):
    """IMDS (GET /metadata/identity/oauth2/token, header Metadata: true, api-version 2018-02-01)
    and App Service (IDENTITY_ENDPOINT with X-IDENTITY-HEADER, api-version 2019-08-01) in one:
    both answer with expires_in/expires_on as strings, like Azure."""

    def env(self):
        return {"AZURE_POD_IDENTITY_AUTHORITY_HOST": self.base}

    def app_service_env(self):
        return {"IDENTITY_ENDPOINT": self.base + "/msi/token", "IDENTITY_HEADER": IDENTITY_HEADER}

    def answer(self, seen):
        q = seen["query"]
        if seen["path"] == "/metadata/identity/oauth2/token":
            if seen["headers"].get("metadata") != "true":
                return 400, {"error": "invalid_request", "error_description": "Required metadata header not specified"}
            if q.get("api-version") != "2018-02-01":
                return 400, {"error": "invalid_request", "error_description": "Invalid api-version"}
        elif seen["path"] == "/msi/token":
            if seen["headers"].get("x-identity-header") != IDENTITY_HEADER:
                return 401, {"statusCode": 401, "message": "Unauthorized"}
            if q.get("api-version") != "2019-08-01":
                return 400, {"statusCode": 400, "message": "Invalid api-version"}
        else:
            return 404, {"error": "not_found"}
        if not q.get("resource"):
            return 400, {"error": "invalid_request", "error_description": "Required audience parameter not specified"}
        now = int(time.time())
        who = q.get("client_id") or q.get("object_id") or q.get("principal_id") or q.get("msi_res_id") or q.get(
            "mi_res_id") or "system-assigned"
        token = fake_jwt({"aud": q["resource"], "iss": "https://sts.windows.net/t/", "exp": now + 3600,
                          "oid": who, "idtyp": "app"})
        return 200, {"access_token": token, "client_id": q.get("client_id", "sys"), "expires_in": "3599",
                     "expires_on": str(now + 3599), "ext_expires_in": "3599", "not_before": str(now),
                     "resource": q["resource"], "token_type": "Bearer"}
