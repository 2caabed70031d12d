"""The formats other tools speak, end to end with the real plugins against the test provider:
-o exec-credential read by a kubectl-like check (v1 and v1beta1 from KUBERNETES_EXEC_INFO, served
from the cache without a provider request), -o env evaluated by a real shell, -o header fed to an
HTTP request the way curl -H @- uses it."""

import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "integration"))
from test_get_token import GetTokenCase  # noqa: E402

V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"


class OutputFormats(GetTokenCase):
    def test_exec_credential_as_kubectl_asks_for_it_and_from_the_cache(self):
        self.create_profile("k8s", self.idp.secret)
        token = self.token_of(self.ok(["get-token", "-p", "k8s"])[0])
        self.idp.reset()
        for version in (V1, V1BETA1):
            info = json.dumps({"kind": "ExecCredential", "apiVersion": version, "spec": {"interactive": False}})
            out, _ = self.ok(["get-token", "-p", "k8s", "-o", "exec-credential"], env={"KUBERNETES_EXEC_INFO": info})
            doc = json.loads(out)
            self.assertEqual((doc["kind"], doc["apiVersion"]), ("ExecCredential", version))
            self.assertEqual(doc["status"]["token"], token)
            self.assertRegex(doc["status"]["expirationTimestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(self.idp.count(), 0, "kubectl calls on every request: the cache answers them")
        rc, out, err = self.run_tool(["get-token", "-p", "k8s", "-o", "exec-credential"],
                                     env={"KUBERNETES_EXEC_INFO": '{"apiVersion":"client.authentication.k8s.io/v1alpha1"}'})
        self.assertEqual(rc, 1, err)
        self.assertIn("v1alpha1", err)
        self.assertEqual(out, "")

    def test_env_output_evaluated_by_a_shell(self):
        self.create_profile("app", self.idp.simple)
        out, _ = self.ok(["get-token", "-p", "app", "-o", "env"])
        shell = subprocess.run(["sh", "-c", out + 'printf "%s\\n%s" "$ACCESS_TOKEN" "$ACCESS_TOKEN_EXPIRES_ON"'],
                               capture_output=True, text=True, check=True)
        token, expires = shell.stdout.split("\n")
        self.token_of(token)
        self.assertRegex(expires, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    def test_header_output_is_one_authorization_line(self):
        self.create_profile("app", self.idp.simple)
        out, _ = self.ok(["get-token", "-p", "app", "-o", "header"])
        self.assertTrue(out.endswith("\n"))
        self.assertEqual(out.count("\n"), 1)
        name, value = out.rstrip("\n").split(": ", 1)
        self.assertEqual(name, "Authorization")
        scheme, token = value.split(" ", 1)
        self.assertEqual(scheme, "Bearer")
        self.token_of(token)


if __name__ == "__main__":
    unittest.main()
