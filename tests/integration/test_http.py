"""The network module (host/modules/http, OpenSSL on sockets) and the client-credentials flow plugin against the real
test provider, through tests/bin/entratool-http-probe: TLS with the suite's CA, loopback-only
http://, proxies, transport errors and their categories (exit codes), and every fault mode."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from provider import Provider, ProviderPerClass, decode_jwt  # noqa: E402

BUILD = os.environ.get("ENTRATOOL_BUILD_DIR", "")
PROBE = os.path.join(BUILD, "tests", "bin", "entratool-http-probe")
GRAPH = "https://graph.microsoft.com/.default"
GENERAL, AUTH_FAILED, NETWORK, TIMEOUT = 1, 3, 4, 5
# The deadline tests: a 3 s timeout must end the request within 4.5 s, which still tells one
# deadline (3 s) from a timeout per wait (6 s for a stalled TLS read, 9 s for a stalled handshake)
# while leaving 1.5 s for starting the probe on a loaded machine (1 s with 0.8 s spare was not).
TIMEOUT_MS, ONE_DEADLINE = "3000", 4.5


def probe(args, env=None, timeout=60):
    if not os.path.exists(PROBE):
        raise AssertionError(f"{PROBE} is missing: build the tree and run this through ctest")
    e = {k: v for k, v in os.environ.items()
         if k not in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "SSL_CERT_FILE")}
    e.update(env or {})
    r = subprocess.run([PROBE] + args, capture_output=True, text=True, timeout=timeout, env=e)
    if r.returncode != 0 or not r.stdout.strip():
        raise AssertionError(f"probe failed rc={r.returncode}: {r.stderr}")
    return json.loads(r.stdout)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class RecordingProxy:
    """A loopback 'proxy' that records request lines and refuses every CONNECT with 502, so a
    request that goes through it never leaves the machine."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.lines = []
        self.heads = []
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    self.lines.append(data.split(b"\r\n")[0].decode())
                    self.heads.append(data.decode("latin-1"))
                    conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass

    def close(self):
        self.stop = True
        self.thread.join(5)
        self.sock.close()


class HttpModule(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.http = Provider()
        cls.http.start()
        try:
            cls.https = Provider(https=True)
            cls.https.start()
        except Exception:
            cls.http.stop()  # tearDownClass does not run after a failed setUpClass
            raise

    @classmethod
    def tearDownClass(cls):
        cls.http.stop()
        cls.https.stop()

    def setUp(self):
        self.http.reset()
        self.https.reset()

    def discovery(self, idp):
        return idp.base_url + "/" + idp.tenant + "/v2.0/.well-known/openid-configuration"

    def test_get_over_loopback_http(self):
        r = probe([self.discovery(self.http)])
        self.assertTrue(r["ok"], r)
        self.assertEqual(r["status"], 200)
        self.assertEqual(json.loads(r["body"])["issuer"], self.http.issuer)
        self.assertIn("application/json", r["headers"].get("Content-Type", "") + r["headers"].get("content-type", ""))

    def test_https_with_ca_bundle(self):
        r = probe([self.discovery(self.https), "--ca", self.https.ca_path])
        self.assertTrue(r["ok"], r)
        self.assertEqual(r["status"], 200)

    def test_https_without_the_ca_is_a_tls_network_error(self):
        r = probe([self.discovery(self.https)])
        self.assertFalse(r["ok"])
        self.assertEqual(r["category"], NETWORK)
        self.assertIn("TLS error", r["message"])

    def test_https_with_a_ca_bundle_that_does_not_exist(self):
        r = probe([self.discovery(self.https), "--ca", "/nonexistent/ca.pem"])
        self.assertEqual((r["ok"], r["category"]), (False, GENERAL))
        self.assertIn("cannot read the CA bundle", r["message"])

    def test_https_by_localhost_name_matches_the_certificate(self):
        url = self.discovery(self.https).replace("127.0.0.1", "localhost")
        r = probe([url, "--ca", self.https.ca_path])
        self.assertTrue(r["ok"], r)

    def test_plain_http_is_refused_for_non_loopback_hosts(self):
        for url in ("http://login.example.test/contoso/oauth2/v2.0/token", "http://10.1.2.3/x", "http://128.0.0.1/x"):
            r = probe([url])
            self.assertEqual((r["ok"], r["category"]), (False, GENERAL), url)
            self.assertIn("refusing plain http://", r["message"])

    def test_connection_refused(self):
        r = probe([f"http://127.0.0.1:{free_port()}/x"])
        self.assertEqual((r["ok"], r["category"]), (False, NETWORK))
        self.assertIn("connection refused", r["message"])

    def test_post_form_with_basic_header(self):
        c = self.http.simple
        import base64
        import urllib.parse
        basic = base64.b64encode((urllib.parse.quote_plus(c.client_id) + ":" +
                                  urllib.parse.quote_plus(c.secret)).encode()).decode()
        r = probe([self.http.token_endpoint(), "--method", "POST", "--form", "grant_type=client_credentials",
                   "--form", f"scope={GRAPH}", "--header", f"Authorization=Basic {basic}"])
        self.assertEqual(r["status"], 200, r)
        self.assertIn("access_token", json.loads(r["body"]))
        self.assertEqual(self.http.last_request()["auth_method"], "basic")

    def test_hang_is_a_timeout(self):
        self.http.fault("hang", seconds=30)
        start = time.monotonic()
        r = probe([self.http.token_endpoint(), "--method", "POST", "--form", "a=b", "--timeout-ms", TIMEOUT_MS])
        self.assertEqual((r["ok"], r["category"]), (False, TIMEOUT), r)
        self.assertLess(time.monotonic() - start, ONE_DEADLINE)

    # Per-wait socket timeouts (the Poco transport had them) bound each wait, not the request: a stalled read used to take
    # twice the timeout and a stalled handshake three times. The timeout is one deadline.
    def test_https_hang_after_the_handshake_ends_at_the_timeout(self):
        self.https.fault("hang", seconds=30)
        start = time.monotonic()
        r = probe([self.https.token_endpoint(), "--method", "POST", "--form", "a=b", "--timeout-ms", TIMEOUT_MS,
                   "--ca", self.https.ca_path])
        elapsed = time.monotonic() - start
        self.assertEqual((r["ok"], r["category"]), (False, TIMEOUT), r)
        self.assertLess(elapsed, ONE_DEADLINE, f"a 3 s timeout took {elapsed:.2f} s")

    def test_https_server_silent_in_the_handshake_ends_at_the_timeout(self):
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)  # the kernel completes the TCP connection; nobody ever answers the ClientHello
        try:
            start = time.monotonic()
            r = probe([f"https://127.0.0.1:{silent.getsockname()[1]}/token", "--method", "POST", "--form", "a=b",
                       "--timeout-ms", TIMEOUT_MS, "--ca", self.https.ca_path])
            elapsed = time.monotonic() - start
        finally:
            silent.close()
        self.assertEqual((r["ok"], r["category"]), (False, TIMEOUT), r)
        self.assertLess(elapsed, ONE_DEADLINE, f"a 3 s timeout took {elapsed:.2f} s")

    def test_closed_connection_is_a_network_error(self):
        self.http.fault("close")
        r = probe([self.http.token_endpoint(), "--method", "POST", "--form", "a=b"])
        self.assertEqual((r["ok"], r["category"]), (False, NETWORK), r)

    def test_proxy_is_used_for_remote_hosts_and_never_for_loopback(self):
        proxy = RecordingProxy()
        try:
            env = {"HTTPS_PROXY": f"http://127.0.0.1:{proxy.port}"}
            r = probe(["https://login.example.test/contoso/oauth2/v2.0/token", "--timeout-ms", "5000"], env=env)
            self.assertFalse(r["ok"])
            self.assertEqual(r["category"], NETWORK, r)
            self.assertEqual(proxy.lines, ["CONNECT login.example.test:443 HTTP/1.1"])
            r = probe(["https://login.example.test/x", "--timeout-ms", "5000"],
                      env={"https_proxy": f"http://us%20er:p%40s+s@127.0.0.1:{proxy.port}"})
            self.assertEqual(len(proxy.lines), 2)
            import base64
            self.assertIn("Proxy-Authorization: Basic " + base64.b64encode(b"us er:p@s+s").decode(), proxy.heads[1])
            r = probe([self.discovery(self.https), "--ca", self.https.ca_path], env=env)
            self.assertTrue(r["ok"], r)
            self.assertEqual(len(proxy.lines), 2)
        finally:
            proxy.close()


class ClientCredentialsFlow(ProviderPerClass, unittest.TestCase):
    https = True

    def setUp(self):
        self.idp.reset()

    def flow(self, client, *extra, tenant=None, timeout_ms=20000):
        args = ["--flow", "client-credentials", "--token-endpoint", self.idp.token_endpoint(tenant),
                "--client-id", client.client_id, "--scope", GRAPH, "--ca", self.idp.ca_path,
                "--timeout-ms", str(timeout_ms)] + list(extra)
        return probe(args)

    def test_secret_basic_with_percent_plus_colon_and_spaces(self):
        r = self.flow(self.idp.secret, "--secret", self.idp.secret.secret)
        self.assertTrue(r["ok"], r)
        self.assertEqual(decode_jwt(r["access_token"])[1]["aud"], "https://graph.microsoft.com")
        self.assertEqual(r["scopes"], [GRAPH])
        self.assertGreater(r["expires_in"], 3000)
        self.assertEqual(self.idp.last_request()["auth_method"], "basic")

    def test_secret_in_body(self):
        r = self.flow(self.idp.secret, "--secret", self.idp.secret.secret, "--setting", "client_auth=body")
        self.assertTrue(r["ok"], r)
        self.assertEqual(self.idp.last_request()["auth_method"], "post")

    def test_pem_certificate_ps256(self):
        c = self.idp.cert
        r = self.flow(c, "--cert", c.cert_pem, "--key", c.key_pem)
        self.assertTrue(r["ok"], r)
        seen = self.idp.requests()["assertions"][-1]
        self.assertEqual((seen["alg"], seen["x5t#S256"], seen["has_x5c"]), ("PS256", c.x5t_s256, False))
        self.assertEqual(seen["aud"], self.idp.token_endpoint())
        self.assertLessEqual(seen["lifetime"], 600)

    def test_encrypted_pem_key(self):
        c = self.idp.cert
        r = self.flow(c, "--cert", c.cert_pem, "--key", c.key_encrypted_pem, "--password", c.key_password)
        self.assertTrue(r["ok"], r)

    def test_pfx_certificate_rs256_with_x5c(self):
        c = self.idp.cert_rs256
        r = self.flow(c, "--cert", c.pfx, "--password", c.pfx_password, "--setting", "assertion_alg=RS256",
                      "--setting", "send_x5c=true")
        self.assertTrue(r["ok"], r)
        seen = self.idp.requests()["assertions"][-1]
        self.assertEqual((seen["alg"], seen["x5t"], seen["has_x5c"]), ("RS256", c.x5t, True))

    def test_tenant_that_rejects_the_assertion_style(self):
        c = self.idp.cert_rs256
        r = self.flow(c, "--cert", c.cert_pem, "--key", c.key_pem)  # PS256 by default
        self.assertEqual((r["ok"], r["category"]), (False, AUTH_FAILED), r)
        self.assertIn("AADSTS700027", r["message"])
        self.assertIn("Hint:", r["message"])

    def test_wrong_secret_is_auth_failed_with_hint_and_no_secret(self):
        r = self.flow(self.idp.secret, "--secret", "wrong-secret-value")
        self.assertEqual((r["ok"], r["category"]), (False, AUTH_FAILED))
        self.assertTrue(r["message"].startswith("invalid_client: AADSTS7000215: Invalid client secret provided."))
        self.assertIn("Hint: check the client secret", r["message"])
        self.assertNotIn("wrong-secret-value", r["message"])

    def test_unknown_tenant(self):
        r = self.flow(self.idp.simple, "--secret", self.idp.simple.secret, tenant="fabrikam")
        self.assertEqual((r["ok"], r["category"]), (False, AUTH_FAILED))
        self.assertIn("AADSTS90002", r["message"])
        self.assertIn("check the tenant", r["message"])

    def test_500_then_success(self):
        self.idp.fault("status", status=500)
        r = self.flow(self.idp.simple, "--secret", self.idp.simple.secret)
        self.assertTrue(r["ok"], r)
        self.assertEqual(self.idp.count("token"), 2)

    def test_429_with_retry_after(self):
        self.idp.fault("status", status=429, retry_after=1)
        start = time.monotonic()
        r = self.flow(self.idp.simple, "--secret", self.idp.simple.secret)
        self.assertTrue(r["ok"], r)
        self.assertGreaterEqual(time.monotonic() - start, 1.0)
        self.assertEqual(self.idp.count("token"), 2)

    def test_unusable_responses(self):
        for kind, says in (("garbage", "not JSON"), ("html", "HTML page"), ("truncated", "truncated"),
                           ("missing_access_token", "no access_token")):
            self.idp.fault(kind)
            r = self.flow(self.idp.simple, "--secret", self.idp.simple.secret)
            self.assertEqual((r["ok"], r["category"]), (False, NETWORK), kind)
            self.assertIn(says, r["message"], kind)

    def test_expires_in_as_string_is_accepted(self):
        self.idp.fault("expires_in_string")
        r = self.flow(self.idp.simple, "--secret", self.idp.simple.secret)
        self.assertTrue(r["ok"], r)
        self.assertGreater(r["expires_in"], 3000)

    def test_hanging_provider_times_out_within_the_deadline(self):
        self.idp.fault("hang", seconds=30)
        start = time.monotonic()
        r = self.flow(self.idp.simple, "--secret", self.idp.simple.secret, timeout_ms=2000)
        self.assertEqual((r["ok"], r["category"]), (False, TIMEOUT), r)
        self.assertLess(time.monotonic() - start, 8)


if __name__ == "__main__":
    unittest.main()
