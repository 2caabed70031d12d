"""The test identity provider itself: Entra layout and errors, every client type, every fault mode,
device code, refresh rotation and revocation. Other integration tests rely on all of this."""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from provider import Provider, ProviderPerClass, decode_jwt, TRICKY_SECRET  # noqa: E402

GRAPH = "https://graph.microsoft.com/.default"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def b64url(data):
    import base64
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_assertion(client, audience, alg="PS256", thumb="x5t#S256", lifetime=300):
    """A client assertion signed with the openssl CLI (the suite uses the standard library only)."""
    header = {"alg": alg, "typ": "JWT"}
    if thumb == "x5t#S256":
        header["x5t#S256"] = client.x5t_s256
    elif thumb == "x5t":
        header["x5t"] = client.x5t
    now = int(time.time())
    claims = {"aud": audience, "iss": client.client_id, "sub": client.client_id, "jti": str(uuid.uuid4()),
              "nbf": now, "iat": now, "exp": now + lifetime}
    signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
    cmd = ["openssl", "dgst", "-sha256", "-sign", client.key_pem]
    if alg == "PS256":
        cmd += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"]
    sig = subprocess.run(cmd, input=signing_input, capture_output=True, check=True, timeout=30).stdout
    return signing_input.decode() + "." + b64url(sig)


class EntraLayout(ProviderPerClass, unittest.TestCase):
    def setUp(self):
        self.idp.reset()

    def cc(self, client, **kw):
        return self.idp.token_request({"grant_type": "client_credentials", "scope": GRAPH},
                                      basic=(client.client_id, client.secret), **kw)

    def test_discovery_under_tenant_v2_path(self):
        status, _, body = self.idp.http("GET", f"{self.idp.base_url}/{self.idp.tenant}/v2.0/.well-known/openid-configuration")
        self.assertEqual(status, 200)
        doc = json.loads(body)
        self.assertEqual(doc["issuer"], self.idp.issuer)
        self.assertEqual(doc["token_endpoint"], self.idp.token_endpoint())
        self.assertEqual(doc["device_authorization_endpoint"], self.idp.devicecode_endpoint())
        self.assertEqual(doc["authorization_endpoint"], self.idp.authorize_endpoint())

    def test_unknown_tenant_is_aadsts90002(self):
        status, _, body = self.idp.token_request({"grant_type": "client_credentials", "scope": GRAPH},
                                                 tenant="fabrikam")
        self.assertEqual(status, 400)
        err = json.loads(body)
        self.assertEqual(err["error"], "invalid_request")
        self.assertIn("AADSTS90002: Tenant 'fabrikam' not found", err["error_description"])

    def test_client_credentials_basic_with_tricky_secret_gives_entra_like_jwt(self):
        status, _, body = self.cc(self.idp.secret)
        self.assertEqual(status, 200, body)
        tok = json.loads(body)
        self.assertEqual(tok["token_type"], "Bearer")
        self.assertIsInstance(tok["expires_in"], int)
        header, claims = decode_jwt(tok["access_token"])
        self.assertEqual(claims["aud"], "https://graph.microsoft.com")
        self.assertEqual(claims["appid"], self.idp.secret.client_id)
        self.assertEqual(claims["roles"], ["Data.Read.All"])
        self.assertIn("tid", claims)
        self.assertIn("oid", claims)
        self.assertEqual(claims["iss"], self.idp.issuer)
        last = self.idp.last_request()
        self.assertEqual(last["auth_method"], "basic")
        self.assertEqual(last["status"], 200)
        self.assertNotIn(TRICKY_SECRET, json.dumps(self.idp.requests()))

    def test_secret_in_body(self):
        c = self.idp.secret
        status, _, body = self.idp.token_request({"grant_type": "client_credentials", "scope": "api://my-api/.default",
                                                  "client_id": c.client_id, "client_secret": c.secret})
        self.assertEqual(status, 200, body)
        self.assertEqual(decode_jwt(json.loads(body)["access_token"])[1]["aud"], "api://my-api")
        self.assertEqual(self.idp.last_request()["auth_method"], "post")

    def test_unencoded_basic_secret_is_rejected_like_rfc6749_requires(self):
        import base64
        c = self.idp.secret
        raw = base64.b64encode(f"{c.client_id}:{c.secret}".encode()).decode()
        status, _, body = self.idp.http("POST", self.idp.token_endpoint(),
                                        f"grant_type=client_credentials&scope={GRAPH}".encode(),
                                        {"authorization": "Basic " + raw,
                                         "content-type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 400, body)

    def test_wrong_secret_is_aadsts7000215(self):
        c = self.idp.secret
        status, _, body = self.idp.token_request({"grant_type": "client_credentials", "scope": GRAPH},
                                                 basic=(c.client_id, "wrong"))
        self.assertEqual(status, 401)
        err = json.loads(body)
        self.assertEqual(err["error"], "invalid_client")
        self.assertTrue(err["error_description"].startswith("AADSTS7000215: Invalid client secret provided."))

    def test_unknown_client_is_aadsts700016(self):
        status, _, body = self.idp.token_request({"grant_type": "client_credentials", "scope": GRAPH},
                                                 basic=("no-such-app", "x"))
        self.assertEqual(status, 400)
        self.assertIn("AADSTS700016", json.loads(body)["error_description"])

    def test_scope_without_default_is_rejected_for_client_credentials(self):
        c = self.idp.simple
        status, _, body = self.idp.token_request({"grant_type": "client_credentials", "scope": "User.Read"},
                                                 basic=(c.client_id, c.secret))
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["error"], "invalid_scope")

    def assertion_request(self, client, **kw):
        a = make_assertion(client, self.idp.token_endpoint(), **kw)
        return self.idp.token_request({"grant_type": "client_credentials", "scope": GRAPH,
                                       "client_id": client.client_id, "client_assertion_type": ASSERTION_TYPE,
                                       "client_assertion": a})

    def test_certificate_assertion_ps256_and_rs256_are_checked_by_thumbprint(self):
        for alg, thumb in (("PS256", "x5t#S256"), ("RS256", "x5t")):
            status, _, body = self.assertion_request(self.idp.cert, alg=alg, thumb=thumb)
            self.assertEqual(status, 200, body)
        seen = self.idp.requests()["assertions"]
        self.assertEqual(seen[-2]["alg"], "PS256")
        self.assertEqual(seen[-2]["x5t#S256"], self.idp.cert.x5t_s256)
        self.assertEqual(seen[-1]["x5t"], self.idp.cert.x5t)
        self.assertEqual(self.idp.last_request()["auth_method"], "assertion")
        self.assertEqual(self.idp.last_request()["assertion"]["claims"]["aud"], self.idp.token_endpoint())

    def test_assertion_without_thumbprint_or_with_rejected_alg_fails(self):
        status, _, body = self.assertion_request(self.idp.cert, thumb=None)
        self.assertEqual(status, 401, body)
        self.assertIn("AADSTS700027", body)
        status, _, body = self.assertion_request(self.idp.cert_ps256, alg="RS256", thumb="x5t")
        self.assertEqual(status, 401, body)
        status, _, body = self.assertion_request(self.idp.cert_rs256, alg="RS256", thumb="x5t")
        self.assertEqual(status, 200, body)

    def test_assertion_for_unregistered_certificate_fails(self):
        status, _, body = self.assertion_request(self.idp.wrong_cert)
        self.assertEqual(status, 401)
        self.assertIn("AADSTS700027", json.loads(body)["error_description"])

    def test_fault_status_with_retry_after_then_success(self):
        self.idp.fault("status", status=429, retry_after=2)
        self.idp.fault("status", status=503)
        status, headers, body = self.cc(self.idp.simple)
        self.assertEqual(status, 429)
        self.assertEqual(headers.get("retry-after"), "2")
        self.assertEqual(self.cc(self.idp.simple)[0], 503)
        self.assertEqual(self.cc(self.idp.simple)[0], 200)
        self.assertEqual(self.idp.count("token"), 3)

    def test_fault_bodies(self):
        for kind in ("garbage", "html", "truncated"):
            self.idp.fault(kind)
            status, _, body = self.cc(self.idp.simple)
            self.assertEqual(status, 200)
            with self.assertRaises(ValueError, msg=kind):
                json.loads(body)
        self.idp.fault("expires_in_string")
        tok = json.loads(self.cc(self.idp.simple)[2])
        self.assertIsInstance(tok["expires_in"], str)
        self.idp.fault("missing_access_token")
        tok = json.loads(self.cc(self.idp.simple)[2])
        self.assertNotIn("access_token", tok)
        self.idp.fault("json", status=400, body={"error": "slow_down"})
        status, _, body = self.cc(self.idp.simple)
        self.assertEqual((status, json.loads(body)), (400, {"error": "slow_down"}))

    def test_fault_close_and_hang(self):
        import http.client
        self.idp.fault("close")
        with self.assertRaises((ConnectionError, http.client.RemoteDisconnected, OSError)):
            self.cc(self.idp.simple)
        self.idp.fault("hang", seconds=30)
        start = time.monotonic()
        with self.assertRaises(OSError):  # socket.timeout is an OSError
            self.cc(self.idp.simple, timeout=1)
        self.assertLess(time.monotonic() - start, 10)
        self.assertEqual(self.cc(self.idp.simple)[0], 200)

    def test_device_code_pending_approve_refresh_rotation_and_revoke(self):
        pub = self.idp.public.client_id
        status, _, body = self.idp.http("POST", self.idp.devicecode_endpoint(),
                                        f"client_id={pub}&scope=openid+offline_access+User.Read".encode(),
                                        {"content-type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 200, body)
        dc = json.loads(body)
        self.assertEqual(dc["interval"], 1)
        self.assertIn(dc["user_code"], dc["message"])
        poll = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": pub,
                "device_code": dc["device_code"]}
        status, _, body = self.idp.token_request(poll)
        self.assertEqual((status, json.loads(body)["error"]), (400, "authorization_pending"))
        self.idp.approve_device(dc["user_code"])
        status, _, body = self.idp.token_request(poll)
        self.assertEqual(status, 200, body)
        tok = json.loads(body)
        self.assertIn("refresh_token", tok)
        self.assertEqual(decode_jwt(tok["access_token"])[1]["scp"], "User.Read")
        refresh = {"grant_type": "refresh_token", "client_id": pub, "refresh_token": tok["refresh_token"]}
        status, _, body = self.idp.token_request(refresh)
        self.assertEqual(status, 200, body)
        rotated = json.loads(body)["refresh_token"]
        self.assertNotEqual(rotated, tok["refresh_token"])
        self.assertEqual(self.idp.revoke(refresh_token=rotated), 1)
        self.assertEqual(self.idp.token_request(refresh)[0], 400)  # the old one is spent
        status, _, body = self.idp.token_request(dict(refresh, refresh_token=rotated))
        self.assertEqual((status, json.loads(body)["error"]), (400, "invalid_grant"))

    def test_device_code_denied(self):
        pub = self.idp.public.client_id
        _, _, body = self.idp.http("POST", self.idp.devicecode_endpoint(), f"client_id={pub}&scope=User.Read".encode(),
                                   {"content-type": "application/x-www-form-urlencoded"})
        dc = json.loads(body)
        self.idp.approve_device(dc["user_code"], approve=False)
        status, _, body = self.idp.token_request({"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                                                  "client_id": pub, "device_code": dc["device_code"]})
        self.assertEqual((status, json.loads(body)["error"]), (400, "access_denied"))


    def authorize_url(self, client_id, redirect, verifier, scope="openid offline_access User.Read", extra=None):
        import base64
        import hashlib
        import urllib.parse
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        q = dict(client_id=client_id, response_type="code", redirect_uri=redirect, scope=scope, state="st-123",
                 code_challenge=challenge, code_challenge_method="S256", **(extra or {}))
        return self.idp.authorize_endpoint() + "?" + urllib.parse.urlencode(q)

    def test_authorization_code_with_pkce_on_any_loopback_port_gives_a_refresh_token(self):
        import urllib.parse
        verifier = "v" * 64
        redirect = "http://127.0.0.1:45678/"
        url = self.authorize_url(self.idp.public.client_id, redirect, verifier, extra={"prompt": "select_account"})
        back = self.idp.sign_in(url, account="bob", deliver=False)
        self.assertTrue(back.startswith(redirect), back)
        q = urllib.parse.parse_qs(urllib.parse.urlparse(back).query)
        self.assertEqual(q["state"], ["st-123"])
        status, _, body = self.idp.token_request({"grant_type": "authorization_code", "client_id": self.idp.public.client_id,
                                                  "code": q["code"][0], "redirect_uri": redirect,
                                                  "code_verifier": verifier})
        self.assertEqual(status, 200, body)
        tok = json.loads(body)
        self.assertIn("refresh_token", tok)
        claims = decode_jwt(tok["access_token"])[1]
        self.assertEqual((claims["sub"], claims["scp"], claims["aud"]), ("bob", "User.Read", "https://graph.microsoft.com"))

    def test_redirect_uris_are_compared_exactly_but_for_a_native_clients_loopback_port(self):
        # RFC 8252 §7.3, as Entra does it: only the port may differ from the registration.
        pub = self.idp.public.client_id

        import urllib.error
        import urllib.request

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None
        opener = urllib.request.build_opener(NoRedirect())

        def status_of(client_id, redirect):
            # An accepted request is redirected (303) to the sign-in interaction; a refused one is 400.
            try:
                with opener.open(self.authorize_url(client_id, redirect, "v" * 64), timeout=10) as r:
                    return r.status, r.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode()

        for accepted in ["http://127.0.0.1:5555", "http://127.0.0.1:5555/", "http://127.0.0.1:5555/callback",
                         "http://localhost:5/callback", "http://127.0.0.1/"]:
            self.assertEqual(status_of(pub, accepted)[0], 303, accepted)
        for refused in ["http://127.0.0.1:5555/callback/", "http://LOCALHOST:5/callback", "http://127.0.0.1:5555/x",
                        "http://localhost:5/callback?x=1"]:
            status, body = status_of(pub, refused)
            self.assertEqual(status, 400, refused)
            self.assertIn("invalid_redirect_uri", body, refused)
        # A web (confidential) client's port is part of the registration.
        self.assertEqual(status_of(self.idp.webapp.client_id, "http://localhost:8081/")[0], 400)

    def test_authorization_code_for_a_web_app_with_a_secret(self):
        import urllib.parse
        c = self.idp.webapp
        verifier = "w" * 64
        url = self.authorize_url(c.client_id, "http://localhost:8080/", verifier)
        back = self.idp.sign_in(url, deliver=False)
        code = urllib.parse.parse_qs(urllib.parse.urlparse(back).query)["code"][0]
        status, _, body = self.idp.token_request({"grant_type": "authorization_code", "code": code,
                                                  "redirect_uri": "http://localhost:8080/", "code_verifier": verifier},
                                                 basic=(c.client_id, c.secret))
        self.assertEqual(status, 200, body)

    def test_authorization_denied_at_consent(self):
        import urllib.parse
        url = self.authorize_url(self.idp.public.client_id, "http://127.0.0.1:45679/", "d" * 64)
        back = self.idp.sign_in(url, deny=True, deliver=False)
        q = urllib.parse.parse_qs(urllib.parse.urlparse(back).query)
        self.assertEqual(q["error"], ["access_denied"])
        self.assertEqual(q["state"], ["st-123"])


class ShortLifetimes(unittest.TestCase):
    def test_device_code_expires_and_access_tokens_are_short(self):
        with Provider(device_code_ttl=2, access_token_ttl=3) as idp:
            pub = idp.public.client_id
            _, _, body = idp.http("POST", idp.devicecode_endpoint(), f"client_id={pub}&scope=User.Read".encode(),
                                  {"content-type": "application/x-www-form-urlencoded"})
            dc = json.loads(body)
            self.assertEqual(dc["expires_in"], 2)
            time.sleep(2.5)
            status, _, body = idp.token_request({"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                                                 "client_id": pub, "device_code": dc["device_code"]})
            self.assertEqual((status, json.loads(body)["error"]), (400, "expired_token"))
            c = idp.simple
            status, _, body = idp.token_request({"grant_type": "client_credentials", "scope": GRAPH},
                                                basic=(c.client_id, c.secret))
            self.assertEqual(json.loads(body)["expires_in"], 3)

    def test_revoke_every_refresh_token_of_a_client(self):
        with Provider() as idp:
            pub = idp.public.client_id
            tokens = []
            for _ in range(2):
                _, _, body = idp.http("POST", idp.devicecode_endpoint(),
                                      f"client_id={pub}&scope=offline_access+User.Read".encode(),
                                      {"content-type": "application/x-www-form-urlencoded"})
                dc = json.loads(body)
                idp.approve_device(dc["user_code"])
                _, _, body = idp.token_request({"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                                                "client_id": pub, "device_code": dc["device_code"]})
                tokens.append(json.loads(body)["refresh_token"])
            self.assertEqual(idp.revoke(client=pub), 2)
            for rt in tokens:
                status, _, body = idp.token_request({"grant_type": "refresh_token", "client_id": pub,
                                                     "refresh_token": rt})
                self.assertEqual((status, json.loads(body)["error"]), (400, "invalid_grant"))


class OverHttps(unittest.TestCase):
    def test_https_with_generated_ca_and_short_ttl(self):
        with Provider(https=True, access_token_ttl=5) as idp:
            self.assertTrue(idp.base_url.startswith("https://127.0.0.1:"))
            c = idp.simple
            status, _, body = idp.token_request({"grant_type": "client_credentials", "scope": GRAPH},
                                                basic=(c.client_id, c.secret))
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["expires_in"], 5)
            # without the suite's CA the server is not trusted
            import ssl
            import urllib.request
            with self.assertRaises(OSError):
                urllib.request.urlopen(idp.base_url + "/_test/requests", timeout=5,
                                       context=ssl.create_default_context())


if __name__ == "__main__":
    unittest.main()
