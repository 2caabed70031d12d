"""Certificate clients and HTTPS: PEM certificate + key, encrypted PEM key, PFX with password,
both assertion styles (PS256 + x5t#S256, RS256 + x5t), a certificate the app does not know, and
the provider over HTTPS trusted through --ca-bundle / ENTRATOOL_CA_BUNDLE (and refused without)."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_get_token import GetTokenCase  # noqa: E402
from provider import decode_jwt  # noqa: E402


class Certificates(GetTokenCase):
    https = True

    def cert_profile(self, name, client, *extra, password=None, key=True, pfx=False):
        args = ["--use-certificate"]
        if pfx:
            args += ["--certificate-path", client.pfx]
        else:
            args += ["--certificate-path", client.cert_pem]
            if key:
                args += ["--private-key-path", client.key_pem]
        data = None
        if password is not None:
            args.append("--certificate-password-stdin")
            data = password + "\n"
        self.ok(["create-profile", "--name", name, "--tenant-id", "72f988bf-86f1-41af-91ab-2d7cd011db47",
                 "--client-id", client.client_id, "--scope", "https://graph.microsoft.com/.default",
                 "--authority-host", self.idp.authority_host, "--ca-bundle", self.idp.ca_path] + args + list(extra),
                input=data)
        self.idp.reset()

    def assertion(self):
        last = self.idp.last_request()
        self.assertEqual(last["auth_method"], "assertion", last)
        return last["assertion"]

    def test_pem_certificate_default_is_ps256_with_x5t_s256(self):
        self.cert_profile("cert", self.idp.cert)
        out, _ = self.ok(["get-token", "-p", "cert", "-q"])
        self.assertEqual(decode_jwt(self.token_of(out))[1]["appid"], self.idp.cert.client_id)
        a = self.assertion()
        self.assertEqual(a["header"]["alg"], "PS256")
        self.assertEqual(a["header"]["x5t#S256"], self.idp.cert.x5t_s256)
        claims = a["claims"]
        self.assertEqual(claims["iss"], self.idp.cert.client_id)
        self.assertEqual(claims["sub"], self.idp.cert.client_id)
        self.assertEqual(claims["aud"], self.idp.token_endpoint("72f988bf-86f1-41af-91ab-2d7cd011db47"))
        self.assertLessEqual(claims["exp"] - claims["nbf"], 600)
        self.assertTrue(claims["jti"])

    def test_ps256_only_client(self):
        self.cert_profile("ps", self.idp.cert_ps256)
        self.ok(["get-token", "-p", "ps", "-q"])
        self.assertEqual(self.assertion()["header"]["alg"], "PS256")

    def test_rs256_with_x5t_for_tenants_that_need_it(self):
        self.cert_profile("rs", self.idp.cert_rs256, "--assertion-alg", "RS256")
        self.ok(["get-token", "-p", "rs", "-q"])
        header = self.assertion()["header"]
        self.assertEqual(header["alg"], "RS256")
        self.assertEqual(header["x5t"], self.idp.cert_rs256.x5t)

    def test_rs256_only_client_refuses_the_default_ps256(self):
        self.cert_profile("rs-default", self.idp.cert_rs256)
        rc, _, err = self.run_tool(["get-token", "-p", "rs-default"])
        self.assertEqual(rc, 3, err)

    def test_encrypted_pem_key_with_its_password(self):
        c = self.idp.cert
        self.ok(["create-profile", "--name", "enc", "--tenant-id", "72f988bf-86f1-41af-91ab-2d7cd011db47",
                 "--client-id", c.client_id, "--authority-host", self.idp.authority_host,
                 "--ca-bundle", self.idp.ca_path, "--use-certificate", "--certificate-path", c.cert_pem,
                 "--private-key-path", c.key_encrypted_pem, "--certificate-password-stdin"],
                input=c.key_password + "\n")
        self.idp.reset()
        out, _ = self.ok(["get-token", "-p", "enc", "-q"])
        self.token_of(out)

    def test_pfx_with_its_password(self):
        self.cert_profile("pfx", self.idp.cert, password=self.idp.cert.pfx_password, pfx=True)
        out, err = self.ok(["get-token", "-p", "pfx", "-q"])
        self.token_of(out)
        self.assertEqual(self.assertion()["header"]["x5t#S256"], self.idp.cert.x5t_s256)
        self.assertNotIn(self.idp.cert.pfx_password, err)

    def test_unregistered_certificate_is_3(self):
        self.cert_profile("wrong", self.idp.wrong_cert)
        rc, out, err = self.run_tool(["get-token", "-p", "wrong"])
        self.assertEqual(rc, 3, err)
        self.assertIn("AADSTS700027", err)
        self.assertEqual(out, "")

    def test_implicit_profile_with_a_certificate_file(self):
        # azure-identity's convention: one PEM file with the certificate and its key.
        both = os.path.join(self.sb.home, "both.pem")
        with open(both, "w") as f, open(self.idp.cert.cert_pem) as c, open(self.idp.cert.key_pem) as k:
            f.write(c.read() + k.read())
        os.chmod(both, 0o600)
        env = {"AZURE_TENANT_ID": "72f988bf-86f1-41af-91ab-2d7cd011db47", "AZURE_CLIENT_ID": self.idp.cert.client_id,
               "AZURE_CLIENT_CERTIFICATE_PATH": both, "AZURE_AUTHORITY_HOST": self.idp.authority_host,
               "ENTRATOOL_CA_BUNDLE": self.idp.ca_path}
        out, _ = self.ok(["get-token", "-q"], env=env)
        self.token_of(out)

    def test_implicit_profile_with_a_pfx_and_password(self):
        env = {"AZURE_TENANT_ID": "72f988bf-86f1-41af-91ab-2d7cd011db47", "AZURE_CLIENT_ID": self.idp.cert.client_id,
               "AZURE_CLIENT_CERTIFICATE_PATH": self.idp.cert.pfx,
               "AZURE_CLIENT_CERTIFICATE_PASSWORD": self.idp.cert.pfx_password,
               "AZURE_AUTHORITY_HOST": self.idp.authority_host, "SSL_CERT_FILE": self.idp.ca_path}
        out, _ = self.ok(["get-token", "-q", "--no-cache"], env=env)
        self.token_of(out)


class Https(GetTokenCase):
    https = True

    def test_ca_bundle_from_the_profile_flag_and_environment(self):
        self.create_profile("app", self.idp.simple)  # the profile carries --ca-bundle
        out, _ = self.ok(["get-token", "-p", "app", "-q"])
        self.token_of(out)
        self.ok(["create-profile", "--name", "bare", "--tenant-id", "72f988bf-86f1-41af-91ab-2d7cd011db47",
                 "--client-id", self.idp.simple.client_id, "--client-secret-stdin",
                 "--authority-host", self.idp.authority_host], input=self.idp.simple.secret + "\n")
        self.ok(["get-token", "-p", "bare", "-q", "--no-cache", "--ca-bundle", self.idp.ca_path])
        self.ok(["get-token", "-p", "bare", "-q", "--no-cache"], env={"ENTRATOOL_CA_BUNDLE": self.idp.ca_path})

    def test_hanging_provider_over_https_is_5_within_the_timeout(self):
        self.create_profile("app", self.idp.simple)
        self.idp.fault("hang", seconds=30)
        start = time.monotonic()
        rc, out, err = self.run_tool(["get-token", "-p", "app", "--timeout", "2s"])
        elapsed = time.monotonic() - start
        self.assertEqual(rc, 5, err)
        self.assertEqual(out, "")
        # The network module's own deadline ends it, not the host's guard (deadline + 1.5 s), which
        # says "getting a token from"; told by the message, as the elapsed time from outside also
        # holds starting up (and, in canary mode, the recording wrapper) on a loaded machine.
        self.assertIn("timed out after 2s waiting for the token endpoint (--timeout)", err)
        self.assertNotIn("getting a token from", err)
        self.assertLess(elapsed, 15, f"--timeout 2s took {elapsed:.1f}s, not ended by the deadline")

    def test_untrusted_certificate_is_a_network_error(self):
        self.ok(["create-profile", "--name", "bare", "--tenant-id", "72f988bf-86f1-41af-91ab-2d7cd011db47",
                 "--client-id", self.idp.simple.client_id, "--client-secret-stdin",
                 "--authority-host", self.idp.authority_host], input=self.idp.simple.secret + "\n")
        self.idp.reset()
        rc, out, err = self.run_tool(["get-token", "-p", "bare"])
        self.assertEqual(rc, 4, err)
        self.assertEqual(out, "")
        self.assertEqual(self.idp.count(), 0)


if __name__ == "__main__":
    unittest.main()
