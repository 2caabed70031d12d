"""Managed identity end to end against a loopback fake of IMDS (reached through
AZURE_POD_IDENTITY_AUTHORITY_HOST, as azure-identity allows) and of App Service's identity
endpoint (IDENTITY_ENDPOINT/IDENTITY_HEADER): `create-profile --managed-identity` with no tenant
or client, user-assigned identities by client id, object id or resource id, the resource without
/.default, string expiries, the documented retries, and every refusal with its exit code. Nothing
here contacts 169.254.169.254."""

import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support"))
from provider import Sandbox, decode_jwt  # noqa: E402
from cloud_fakes import IDENTITY_HEADER, Imds  # noqa: E402

ARM = "https://management.azure.com/.default"


class ManagedIdentity(unittest.TestCase):
    def setUp(self):
        self.sb = Sandbox()
        self.addCleanup(self.sb.close)
        self.imds = Imds().__enter__()
        self.addCleanup(self.imds.__exit__)

    def run_tool(self, args, env=None):
        rc, out, err = self.sb.run(args, env=env)
        self.assertNotIn(IDENTITY_HEADER, out + err)
        return rc, out, err

    def ok(self, args, env=None):
        rc, out, err = self.run_tool(args, env=env)
        self.assertEqual(rc, 0, f"{args} failed: {err}")
        return out, err

    def fails(self, args, code, *needles, env=None):
        rc, out, err = self.run_tool(args, env=env)
        self.assertEqual(rc, code, f"expected exit {code}, got {rc}: {err}")
        self.assertEqual(out, "")
        lines = [line for line in err.strip().splitlines() if line.startswith("entratool: ")]
        self.assertEqual(len(lines), 1, err)
        for n in needles:
            self.assertIn(n, lines[0])
        return lines[0]

    def profile(self, *extra, name="mi"):
        self.ok(["create-profile", "--name", name, "--managed-identity", "--scope", ARM] + list(extra))

    def test_a_system_assigned_identity_needs_no_tenant_or_client(self):
        self.profile()
        out, _ = self.ok(["get-token", "-p", "mi", "-o", "json"], env=self.imds.env())
        self.assertIn('"expires_in": 3', out)
        seen = self.imds.requests[-1]
        self.assertEqual(seen["path"], "/metadata/identity/oauth2/token")
        self.assertEqual(seen["headers"]["metadata"], "true")
        self.assertEqual(seen["query"], {"api-version": "2018-02-01", "resource": "https://management.azure.com"})
        self.ok(["get-token", "-p", "mi", "-q"], env=self.imds.env())  # from the cache
        self.assertEqual(len(self.imds.requests), 1)

    def test_user_assigned_identities(self):
        for flag, param in (("--client-id", "client_id"), ("--object-id", "object_id"),
                            ("--resource-id", "msi_res_id")):
            with self.subTest(flag=flag):
                name = param.replace("_", "-")
                self.profile(flag, "id-" + name, name=name)
                out, _ = self.ok(["get-token", "-p", name, "-q"], env=self.imds.env())
                self.assertEqual(self.imds.requests[-1]["query"][param], "id-" + name)
                self.assertEqual(decode_jwt(out.strip())[1]["oid"], "id-" + name)

    def test_app_service_identity_endpoint(self):
        self.profile("--client-id", "app-mi")
        self.ok(["get-token", "-p", "mi", "-q"], env=self.imds.app_service_env())
        seen = self.imds.requests[-1]
        self.assertEqual(seen["path"], "/msi/token")
        self.assertEqual(seen["query"]["api-version"], "2019-08-01")
        self.assertEqual(seen["query"]["client_id"], "app-mi")
        self.assertEqual(seen["headers"]["x-identity-header"], IDENTITY_HEADER)

    def test_transient_answers_are_retried(self):
        self.profile()
        self.imds.script = [(500, {}), (429, {}), (410, {}), (404, {})]
        self.ok(["get-token", "-p", "mi", "-q", "--timeout", "30s"], env=self.imds.env())
        self.assertEqual(len(self.imds.requests), 5)

    def test_refusals_and_bad_answers(self):
        self.profile()
        env = self.imds.env()
        self.imds.script = [(400, {"error": "invalid_request", "error_description": "Identity not found"})]
        self.fails(["get-token", "-p", "mi"], 3, "HTTP 400", "Identity not found", "--client-id", env=env)
        self.imds.script = [(500, {})] * 10
        self.fails(["get-token", "-p", "mi", "--timeout", "3s"], 4, "unavailable", "HTTP 500", env=env)
        self.imds.script = [(200, "not json")]
        self.fails(["get-token", "-p", "mi"], 4, "unusable", env=env)
        self.imds.script = [(200, {"access_token": "x", "token_type": "Bearer"})]
        self.fails(["get-token", "-p", "mi"], 4, "expires_on", env=env)

    def test_the_identity_header_is_required(self):
        self.profile()
        env = self.imds.app_service_env()
        self.fails(["get-token", "-p", "mi"], 1, "IDENTITY_HEADER", env=dict(env, IDENTITY_HEADER=""))
        self.fails(["get-token", "-p", "mi"], 3, "HTTP 401", env=dict(env, IDENTITY_HEADER="wrong"))

    def test_unreachable_endpoint_is_a_network_error(self):
        self.profile()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.fails(["get-token", "-p", "mi"], 4, "managed identity",
                   env={"AZURE_POD_IDENTITY_AUTHORITY_HOST": f"http://127.0.0.1:{port}"})

    def test_one_resource_per_token(self):
        self.profile()
        self.fails(["get-token", "-p", "mi", "-s", "https://a.example/.default https://b.example/.default"], 1,
                   "one resource", env=self.imds.env())

    def test_create_profile_bad_input(self):
        self.fails(["create-profile", "--name", "x", "--managed-identity", "--client-id", "a", "--object-id", "b"],
                   1, "not several")
        self.fails(["create-profile", "--name", "x", "--managed-identity", "--client-secret", "s"], 1,
                   "no client secret")
        self.fails(["create-profile", "--name", "x", "--tenant-id", "common", "--client-id", "c",
                    "--object-id", "b"], 1, "--managed-identity")


if __name__ == "__main__":
    unittest.main(verbosity=2)
