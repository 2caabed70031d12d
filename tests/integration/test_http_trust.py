"""Which servers a fresh get-token trusts (host/modules/http): the profile's CA file, and the
system's trust looked up by subject hash in the certificate folder (OpenSSL's hashed-directory
lookup; $SSL_CERT_DIR stands in for /etc/ssl/certs here) instead of the parsed bundle; and that a
server whose certificate no trust store vouches for is refused with exit 4, whatever else is
trusted."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from provider import TENANT_GUID, Provider, Sandbox  # noqa: E402

GRAPH = "https://graph.microsoft.com/.default"
NETWORK = 4


def openssl(*args, cwd):
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=60).stdout


class TrustStores(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.idp = Provider(https=True)
        cls.idp.start()
        cls.tmp = tempfile.mkdtemp(prefix="entratool-trust-")
        # A CA that signed nothing the provider serves.
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.pem",
                "-days", "2", "-subj", "/CN=entratool unrelated CA", cwd=cls.tmp)
        cls.other_ca = os.path.join(cls.tmp, "other.pem")
        # Certificate folders as c_rehash/update-ca-certificates make them: <subject hash>.0.
        cls.with_provider_ca = cls.hashed_folder("with-provider", [cls.idp.ca_path, cls.other_ca])
        cls.without_provider_ca = cls.hashed_folder("without-provider", [cls.other_ca])

    @classmethod
    def hashed_folder(cls, name, certs):
        d = os.path.join(cls.tmp, name)
        os.mkdir(d)
        for pem in certs:
            h = openssl("x509", "-hash", "-noout", "-in", pem, cwd=cls.tmp).strip()
            shutil.copy(pem, os.path.join(d, h + ".0"))
        return d

    @classmethod
    def tearDownClass(cls):
        cls.idp.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def get_token(self, ca_bundle=None, env=None):
        with Sandbox() as sb:
            args = ["create-profile", "--name", "p", "--tenant-id", TENANT_GUID, "--client-id",
                    self.idp.simple.client_id, "--scope", GRAPH, "--authority-host", self.idp.authority_host,
                    "--client-secret-stdin"]
            if ca_bundle:
                args += ["--ca-bundle", ca_bundle]
            rc, _, err = sb.run(args, input=self.idp.simple.secret + "\n")
            self.assertEqual(rc, 0, err)
            return sb.run(["get-token", "-p", "p", "--silent"], env=env)

    def assert_refused(self, rc, out, err):
        self.assertEqual(rc, NETWORK, err)
        self.assertEqual(out, "")
        self.assertIn("TLS", err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_a_server_certified_by_the_profiles_ca_file_is_trusted(self):
        rc, out, err = self.get_token(ca_bundle=self.idp.ca_path)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.count("."), 2)  # a JWT

    def test_a_server_in_no_trust_store_is_refused(self):
        self.assert_refused(*self.get_token())

    def test_a_server_not_certified_by_the_profiles_ca_file_is_refused(self):
        self.assert_refused(*self.get_token(ca_bundle=self.other_ca))

    def test_the_system_certificate_folder_is_looked_up_by_hash(self):
        rc, out, err = self.get_token(env={"SSL_CERT_DIR": self.with_provider_ca})
        self.assertEqual(rc, 0, err)

    def test_system_trust_stays_in_force_beside_the_profiles_ca_file(self):
        rc, out, err = self.get_token(ca_bundle=self.other_ca, env={"SSL_CERT_DIR": self.with_provider_ca})
        self.assertEqual(rc, 0, err)

    def test_a_certificate_folder_without_the_servers_ca_does_not_make_it_trusted(self):
        self.assert_refused(*self.get_token(ca_bundle=self.other_ca, env={"SSL_CERT_DIR": self.without_provider_ca}))


if __name__ == "__main__":
    unittest.main()
