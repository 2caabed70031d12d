"""The local identity provider and an isolated entratool runner, for integration tests.

Standard library only. Typical use:

    import sys, os
    sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support"))
    from provider import Provider, Sandbox

    with Provider(https=True) as idp, Sandbox() as sb:
        rc, out, err = sb.run(["get-token", ...], env={"ENTRATOOL_CA_BUNDLE": idp.ca_path})

`Provider` starts tests/provider/server.js (oidc-provider with Entra's URL layout) on 127.0.0.1
with an ephemeral port, over HTTP or HTTPS with a CA generated here, and registers the clients
described in CLIENTS below. Every wait is bounded; the process is killed on exit.
"""

import atexit
import base64
import http.cookiejar
import hashlib
import json
import os
import re
import selectors
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import canary

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("ENTRATOOL_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
SERVER_JS = os.path.join(SOURCE_DIR, "tests", "provider", "server.js")

TENANT = "contoso.onmicrosoft.com"
TENANT_GUID = "72f988bf-86f1-41af-91ab-2d7cd011db47"

# The federated credentials of the `federated` client (issuer, subject), as CI platforms name them.
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITHUB_SUBJECT = "repo:contoso/app:ref:refs/heads/main"
AKS_ISSUER = "https://oidc.aks.example/cluster-1/"
AKS_SUBJECT = "system:serviceaccount:default:workload"
ADO_ISSUER = "https://vstoken.dev.azure.com/00000000-0000-4000-8000-0000000000ad"
ADO_SUBJECT = "sc://contoso/app/deploy"

# A secret with every character RFC 6749 §2.3.1 makes clients encode: '%', '+', ':' and spaces.
# In secret canary mode (canary.py) each is a canary value of the same shape.
TRICKY_SECRET = canary.value("client_secret", "p%40ss+word:with spaces%")
KEY_PASSWORD = canary.value("key_password", "key pass:w%rd")
PFX_PASSWORD = canary.value("pfx_password", "pfx pass+w%rd")
SIMPLE_SECRET = canary.value("simple_secret", "simple-secret-value")
WEBAPP_SECRET = canary.value("webapp_secret", "webapp-secret value+%")


class Client:
    """One registered application. Attributes that do not apply are None."""

    def __init__(self, client_id, secret=None, **kw):
        self.client_id = client_id
        self.secret = secret
        self.cert_pem = kw.get("cert_pem")            # PEM certificate
        self.key_pem = kw.get("key_pem")              # PEM private key, unencrypted
        self.key_encrypted_pem = kw.get("key_encrypted_pem")  # PEM private key encrypted with key_password
        self.key_password = kw.get("key_password")
        self.pfx = kw.get("pfx")                      # PKCS#12 with cert + key, password pfx_password
        self.pfx_password = kw.get("pfx_password")
        self.x5t = kw.get("x5t")                      # base64url SHA-1 thumbprint
        self.x5t_s256 = kw.get("x5t_s256")            # base64url SHA-256 thumbprint
        self.redirect_uris = kw.get("redirect_uris", [])

    def __repr__(self):
        return f"Client({self.client_id!r})"


def _run(cmd, cwd):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {r.stderr.strip()}")
    return r.stdout


_material_dir = None


def _material():
    """CA, server certificate and client certificates: made once per test process (openssl CLI)."""
    global _material_dir
    if _material_dir:
        return _material_dir
    d = tempfile.mkdtemp(prefix="entratool-pki-")
    atexit.register(shutil.rmtree, d, True)
    _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
          "-days", "2", "-subj", "/CN=entratool test CA",
          "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], d)
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
          "-subj", "/CN=127.0.0.1"], d)
    _run(["openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
          "-out", "server.pem", "-days", "2", "-extfile", "server.ext"], d)
    for name in ("client", "other"):
        _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
              "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN=entratool-test-{name}"], d)
    _run(["openssl", "pkey", "-in", "client.key", "-aes256", "-passout", "pass:" + KEY_PASSWORD,
          "-out", "client.enc.key"], d)
    _run(["openssl", "pkcs12", "-export", "-in", "client.pem", "-inkey", "client.key", "-out", "client.pfx",
          "-passout", "pass:" + PFX_PASSWORD], d)
    for f in os.listdir(d):
        os.chmod(os.path.join(d, f), 0o600)
    _material_dir = d
    return d


def _thumbprints(pem_path):
    der = subprocess.run(["openssl", "x509", "-in", pem_path, "-outform", "DER"], capture_output=True,
                         check=True, timeout=30).stdout
    b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    return b64(hashlib.sha1(der).digest()), b64(hashlib.sha256(der).digest())


def isolated_env(home, extra=None):
    """os.environ without the user's Azure/entratool/proxy settings, with HOME and XDG_* in `home`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AZURE_")
           and k not in ("ENTRATOOL_CONFIG_DIR", "ENTRATOOL_CA_BUNDLE", "SSL_CERT_FILE", "BROWSER",
                         "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy",
                         "ALL_PROXY", "all_proxy")}
    env.update({
        "HOME": home,
        "ENTRATOOL_CONFIG_DIR": os.path.join(home, ".config", "entratool"),
        "XDG_CONFIG_HOME": os.path.join(home, ".config"),
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
        "XDG_STATE_HOME": os.path.join(home, ".local", "state"),
        "XDG_RUNTIME_DIR": os.path.join(home, "run"),
    })
    os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)
    if extra:
        env.update(extra)
    return env


def entratool_bin():
    b = os.environ.get("ENTRATOOL_BIN")
    if not b:
        raise RuntimeError("ENTRATOOL_BIN is not set (run the tests through ctest)")
    return b


def run_entratool(args, env=None, input=None, timeout=60, home=None):
    """Runs entratool with `args` in an isolated HOME/ENTRATOOL_CONFIG_DIR (a fresh temporary one
    unless `home` is given). Returns (returncode, stdout, stderr) as text. `input` is fed to stdin
    (stdin is empty otherwise). A run exceeding `timeout` seconds is killed and raises
    subprocess.TimeoutExpired."""
    own = home is None
    if own:
        home = tempfile.mkdtemp(prefix="entratool-home-")
    try:
        r = subprocess.run([entratool_bin()] + list(args), env=isolated_env(home, env),
                           input=input if input is not None else "", capture_output=True, text=True,
                           timeout=timeout)
        return r.returncode, r.stdout, r.stderr
    finally:
        if own:
            shutil.rmtree(home, ignore_errors=True)


class Sandbox:
    """A HOME that lasts for several entratool runs (profiles and cache persist between them)."""

    def __init__(self):
        self.home = tempfile.mkdtemp(prefix="entratool-home-")
        self.config_dir = os.path.join(self.home, ".config", "entratool")

    def env(self, extra=None):
        return isolated_env(self.home, extra)

    def run(self, args, env=None, input=None, timeout=60):
        return run_entratool(args, env=env, input=input, timeout=timeout, home=self.home)

    def close(self):
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Provider:
    """The test identity provider. Use as a context manager; see the module docstring.

    Attributes once started: port, base_url (also the authority host), issuer, tenant, ca_path
    (always set; needed for https), clients (dict, keys below), and one attribute per client.

    Clients:
      secret      client_secret_basic/post client whose secret is TRICKY_SECRET
      simple      client with a plain secret (SIMPLE_SECRET)
      cert        private_key_jwt, accepts PS256/x5t#S256 and RS256/x5t; PEM cert, PEM key, encrypted
                  PEM key (key_password) and PFX (pfx_password)
      cert_ps256  same certificate, accepts only PS256 assertions
      cert_rs256  same certificate, accepts only RS256 assertions
      wrong_cert  private_key_jwt client registered with a different certificate than `cert`'s key
      public      public client (device code, interactive browser): loopback redirect URIs, any port
      webapp      confidential client with a secret and redirect URIs http://localhost:8080/ and
                  http://127.0.0.1:8080/ (authorization code flow)
      federated   workload identity federation: trusts assertions minted by mint_federated() for
                  (GITHUB_ISSUER, GITHUB_SUBJECT), (AKS_ISSUER, AKS_SUBJECT) and (ADO_ISSUER,
                  ADO_SUBJECT), audience api://AzureADTokenExchange
    """

    def __init__(self, https=False, access_token_ttl=3600, refresh_token_ttl=86400, device_code_ttl=900,
                 device_interval=1, tenants=None, extra_clients=None, start_timeout=120, layout="entra",
                 consented_resources=None):
        self.https = https
        # "entra": Entra's URL layout per tenant; "oidc": oidc-provider's own default layout, one
        # issuer at the base URL (/token, /device/auth, /auth), no Entra texts: any OpenID provider.
        self.layout = layout
        # Resources the public and webapp clients have permissions for: a user's refresh token may
        # mint tokens for them without a new sign-in, as in Entra (server.js widenRefreshToken).
        self.consented_resources = consented_resources or []
        self.access_token_ttl = access_token_ttl
        self.refresh_token_ttl = refresh_token_ttl
        self.device_code_ttl = device_code_ttl
        self.device_interval = device_interval
        self.tenants = tenants or [TENANT, TENANT_GUID]
        self.tenant = self.tenants[0]          # the domain name; tenant_id is its GUID
        self.tenant_id = TENANT_GUID
        self.extra_clients = extra_clients or []
        # Node loading oidc-provider takes a second or two, but more than 30 s with some twenty suites
        # starting providers at once on two cores: the bound is for a provider that never starts.
        self.start_timeout = start_timeout
        self.proc = None
        self.workdir = None

    # -- lifecycle -----------------------------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def _clients(self, pki):
        cert = dict(cert_pem=os.path.join(pki, "client.pem"), key_pem=os.path.join(pki, "client.key"),
                    key_encrypted_pem=os.path.join(pki, "client.enc.key"), key_password=KEY_PASSWORD,
                    pfx=os.path.join(pki, "client.pfx"), pfx_password=PFX_PASSWORD)
        cert["x5t"], cert["x5t_s256"] = _thumbprints(cert["cert_pem"])
        other = os.path.join(pki, "other.pem")
        web_uris = ["http://localhost:8080/", "http://127.0.0.1:8080/", "http://localhost:8080/callback"]
        # Compared exactly but for the port (server.js): "http://127.0.0.1" (no slash) is its own
        # registration, so a client that adds a slash to it is refused.
        public_uris = ["http://127.0.0.1/", "http://127.0.0.1/callback", "http://localhost/",
                       "http://localhost/callback", "http://127.0.0.1"]
        self.clients = {
            "secret": Client("11111111-aaaa-4000-8000-000000000001", TRICKY_SECRET, redirect_uris=web_uris),
            "simple": Client("11111111-aaaa-4000-8000-000000000002", SIMPLE_SECRET, redirect_uris=web_uris),
            "cert": Client("22222222-bbbb-4000-8000-000000000001", **cert),
            "cert_ps256": Client("22222222-bbbb-4000-8000-000000000002", **cert),
            "cert_rs256": Client("22222222-bbbb-4000-8000-000000000003", **cert),
            "wrong_cert": Client("22222222-bbbb-4000-8000-000000000004", **cert),
            "public": Client("33333333-cccc-4000-8000-000000000001", redirect_uris=public_uris),
            "webapp": Client("44444444-dddd-4000-8000-000000000001", WEBAPP_SECRET, redirect_uris=web_uris),
            "federated": Client("66666666-ffff-4000-8000-0000000000fe"),
        }
        for name, c in self.clients.items():
            setattr(self, name, c)
        c = self.clients
        return [
            {"client_id": c["secret"].client_id, "client_secret": c["secret"].secret, "redirect_uris": web_uris,
             "roles": ["Data.Read.All"]},
            {"client_id": c["simple"].client_id, "client_secret": c["simple"].secret, "redirect_uris": web_uris},
            {"client_id": c["cert"].client_id, "auth": "private_key_jwt", "certificates": [cert["cert_pem"]]},
            {"client_id": c["cert_ps256"].client_id, "auth": "private_key_jwt", "certificates": [cert["cert_pem"]],
             "assertion_algs": ["PS256"]},
            {"client_id": c["cert_rs256"].client_id, "auth": "private_key_jwt", "certificates": [cert["cert_pem"]],
             "assertion_algs": ["RS256"]},
            {"client_id": c["wrong_cert"].client_id, "auth": "private_key_jwt", "certificates": [other]},
            {"client_id": c["public"].client_id, "auth": "none", "redirect_uris": public_uris,
             "consented_resources": self.consented_resources},
            {"client_id": c["webapp"].client_id, "client_secret": c["webapp"].secret, "redirect_uris": web_uris,
             "consented_resources": self.consented_resources},
            {"client_id": c["federated"].client_id, "auth": "federated", "roles": ["Deploy.All"],
             "federated": [{"issuer": GITHUB_ISSUER, "subject": GITHUB_SUBJECT},
                           {"issuer": AKS_ISSUER, "subject": AKS_SUBJECT},
                           {"issuer": ADO_ISSUER, "subject": ADO_SUBJECT}]},
        ]

    def start(self):
        if not os.path.exists(os.path.join(SOURCE_DIR, "tests", "provider", "node_modules", "oidc-provider")):
            raise RuntimeError("the test identity provider is not installed: run scripts/install-deps.sh --test")
        pki = _material()
        self.ca_path = os.path.join(pki, "ca.pem")
        self.workdir = tempfile.mkdtemp(prefix="entratool-idp-")
        config = {
            "layout": self.layout,
            "tenants": self.tenants,
            "tenant_id": TENANT_GUID,
            "access_token_ttl": self.access_token_ttl,
            "refresh_token_ttl": self.refresh_token_ttl,
            "device_code_ttl": self.device_code_ttl,
            "device_interval": self.device_interval,
            "clients": self._clients(pki) + list(self.extra_clients),
        }
        config_path = os.path.join(self.workdir, "config.json")
        with open(config_path, "w") as f:
            json.dump(config, f)
        cmd = ["node", SERVER_JS, "--config", config_path, "--port", "0"]
        if self.https:
            cmd += ["--cert", os.path.join(pki, "server.pem"), "--key", os.path.join(pki, "server.key")]
        self.log_path = os.path.join(self.workdir, "provider.log")
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL,
                                     cwd=os.path.dirname(SERVER_JS))
        line = self._read_ready_line()
        ready = json.loads(line)
        self.port = ready["port"]
        self.base_url = ready["base_url"]
        self.authority_host = self.base_url
        self.issuer = ready["issuer"]
        self._ssl = ssl.create_default_context(cafile=self.ca_path) if self.https else None

    def _read_ready_line(self):
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + self.start_timeout
        buf = b""
        try:
            while b"\n" not in buf:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise RuntimeError(f"the test provider did not start within {self.start_timeout}s: {self.log()}")
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    raise RuntimeError(f"the test provider exited (rc={self.proc.wait(5)}): {self.log()}")
                buf += chunk
        except Exception:
            self.stop()
            raise
        finally:
            sel.close()
        return buf.split(b"\n", 1)[0].decode()

    def stop(self):
        if self.proc:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            self.proc.stdout.close()
            self._log.close()
            self.proc = None
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def log(self):
        """The provider's stderr so far (the last 4000 characters)."""
        try:
            with open(self.log_path) as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    # -- endpoints -----------------------------------------------------------------------------
    def token_endpoint(self, tenant=None):
        if self.layout == "oidc":
            return f"{self.base_url}/token"
        return f"{self.base_url}/{tenant or self.tenant}/oauth2/v2.0/token"

    def devicecode_endpoint(self, tenant=None):
        if self.layout == "oidc":
            return f"{self.base_url}/device/auth"
        return f"{self.base_url}/{tenant or self.tenant}/oauth2/v2.0/devicecode"

    def authorize_endpoint(self, tenant=None):
        if self.layout == "oidc":
            return f"{self.base_url}/auth"
        return f"{self.base_url}/{tenant or self.tenant}/oauth2/v2.0/authorize"

    # -- HTTP ----------------------------------------------------------------------------------
    def http(self, method, url, body=None, headers=None, timeout=30):
        """One request. Returns (status, headers dict with lower-case names, body text)."""
        req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=self._ssl) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode("utf-8", "replace")

    def _test_post(self, path, payload):
        status, _, body = self.http("POST", self.base_url + path, json.dumps(payload).encode(),
                                    {"content-type": "application/json"})
        if status != 200:
            raise RuntimeError(f"{path} answered {status}: {body}")
        return json.loads(body)

    def token_request(self, form, basic=None, tenant=None, timeout=30):
        """POSTs `form` (dict) to the token endpoint, with HTTP Basic when `basic` = (id, secret)
        (each form-urlencoded first, RFC 6749 §2.3.1). Returns (status, headers, body text)."""
        headers = {"content-type": "application/x-www-form-urlencoded"}
        if basic:
            raw = urllib.parse.quote_plus(basic[0]) + ":" + urllib.parse.quote_plus(basic[1])
            headers["authorization"] = "Basic " + base64.b64encode(raw.encode()).decode()
        return self.http("POST", self.token_endpoint(tenant), urllib.parse.urlencode(form).encode(), headers,
                         timeout=timeout)

    # -- test controls -------------------------------------------------------------------------
    def requests(self):
        """{"counts": {endpoint: n}, "requests": [...], "assertions": [...], "pending_faults": [...]}.
        Endpoints: token, devicecode, authorize, discovery. Requests never hold secrets."""
        status, _, body = self.http("GET", self.base_url + "/_test/requests")
        return json.loads(body)

    def count(self, endpoint="token"):
        return self.requests()["counts"].get(endpoint, 0)

    def last_request(self, endpoint="token"):
        reqs = [r for r in self.requests()["requests"] if r["endpoint"] == endpoint]
        return reqs[-1] if reqs else None

    def reset(self):
        """Clears counts, recorded requests and pending faults."""
        self._test_post("/_test/reset", {})

    def mint_federated(self, issuer, subject, audience="api://AzureADTokenExchange", ttl=300):
        """A JWT from the provider's stand-in external issuer (GitHub, AKS, Azure DevOps), which the
        `federated` client trusts for the registered (issuer, subject, audience); ttl < 0: expired."""
        token = self._test_post("/_test/federated/mint",
                                {"issuer": issuer, "subject": subject, "audience": audience, "ttl": ttl})["token"]
        canary.record("federated token", token)
        return token

    def fault(self, kind, count=1, endpoint="token", **options):
        """Makes the next `count` requests to `endpoint` ("token", "devicecode", "discovery", "any") fail as `kind`:
          status             HTTP `status` (default 500) with an Entra-style JSON error;
                             retry_after=<seconds or HTTP date> adds Retry-After; body=<dict> replaces it
          json               HTTP `status` (default 200) with body=<dict> (e.g. {"error": "slow_down"})
          garbage            200 with a body that is not JSON
          html               200 (or `status`) with an HTML page
          truncated          200 with JSON cut off mid-way
          hang               answers nothing for `seconds` (default 30), then drops the connection
          slow               waits `seconds` (default 1), then answers as usual
          close              drops the connection without an answer
          expires_in_string  the real answer, with expires_in as a JSON string
          missing_access_token the real answer without access_token"""
        self._test_post("/_test/faults", dict(kind=kind, count=count, endpoint=endpoint, **options))

    def approve_device(self, user_code, approve=True, account="alice", tenant=None):
        """Completes (or with approve=False denies) a device code sign-in without a browser."""
        self._test_post("/_test/device/approve", {"user_code": user_code, "approve": approve, "account": account,
                                                  "tenant": tenant or self.tenant})

    def sign_in(self, authorize_url, account="alice", deny=False, deliver=True, timeout=10):
        """Plays the user in a browser without one: follows `authorize_url` through the provider's
        login and consent pages (devInteractions) as `account`, or aborts at consent when `deny`.
        Returns the redirect URL the provider sends back to the client (with code/state or
        error). With `deliver`, that URL is also requested (reaching the client's loopback
        listener) and (url, status, body) is returned instead; status is None when nothing answered."""
        class _NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None
        handlers = [urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()]
        if self._ssl:
            handlers.append(urllib.request.HTTPSHandler(context=self._ssl))
        opener = urllib.request.build_opener(*handlers)

        def go(method, url, form=None):
            data = urllib.parse.urlencode(form).encode() if form is not None else None
            try:
                with opener.open(urllib.request.Request(url, data=data, method=method), timeout=timeout) as r:
                    return r.status, r.headers.get("Location"), r.read().decode("utf-8", "replace")
            except urllib.error.HTTPError as e:
                return e.code, e.headers.get("Location"), e.read().decode("utf-8", "replace")

        url, method, form = authorize_url, "GET", None
        for _ in range(12):
            status, location, body = go(method, url, form)
            method, form = "GET", None
            if status in (301, 302, 303, 307) and location:
                target = urllib.parse.urljoin(url, location)
                if not target.startswith(self.base_url + "/"):
                    if not deliver:
                        return target
                    try:
                        with urllib.request.urlopen(target, timeout=timeout) as r:
                            return target, r.status, r.read().decode("utf-8", "replace")
                    except urllib.error.HTTPError as e:
                        return target, e.code, e.read().decode("utf-8", "replace")
                    except OSError:
                        return target, None, ""
                url = target
                continue
            if status != 200:
                raise RuntimeError(f"sign-in stopped at {url} with HTTP {status}: {body[:300]}")
            if deny and 'name="prompt" value="consent"' in body:
                m = re.search(r'href="([^"]*/abort)"', body)
                if not m:
                    raise RuntimeError("no abort link on the consent page")
                url = urllib.parse.urljoin(url, m.group(1))
                continue
            action = re.search(r'<form[^>]*action="([^"]+)"', body)
            if not action:
                raise RuntimeError(f"sign-in page without a form at {url}: {body[:300]}")
            form = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', body))
            if 'name="login"' in body:
                form.update(login=account, password="any")
            url, method = urllib.parse.urljoin(url, action.group(1)), "POST"
        raise RuntimeError("sign-in did not finish within 12 steps")

    def revoke(self, refresh_token=None, client=None):
        """Revokes one refresh token, or every refresh token issued to client id `client`.
        Returns how many were revoked."""
        payload = {}
        if refresh_token:
            payload["refresh_token"] = refresh_token
        if client:
            payload["client"] = client
        return self._test_post("/_test/revoke", payload)["revoked"]


class ProviderPerClass:
    """unittest.TestCase mixin: one Provider per test class, as cls.idp, started before its first
    test and stopped after its last. Classes set `https` and `provider_options` (Provider's other
    keyword arguments). List it before unittest.TestCase among the bases."""

    https = False
    provider_options = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.idp = Provider(https=cls.https, **cls.provider_options)
        cls.idp.start()

    @classmethod
    def tearDownClass(cls):
        cls.idp.stop()
        super().tearDownClass()


def decode_jwt(token):
    """(header, payload) of a JWT, without verifying it."""
    def part(p):
        return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
    h, p, _ = token.split(".")
    return part(h), part(p)
