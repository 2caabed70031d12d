"""Secretless CI identities end to end against the suite's provider (its `federated` client
checks assertions as Entra's federated credentials do) and loopback fakes of GitHub's and Azure
DevOps' OIDC endpoints: workload identity (a rotated token file), GitHub Actions and Azure
Pipelines, chosen explicitly or by the implicit AZURE_* profile; and every bad input with its
exit code and one line, never showing an assertion or request token."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support"))
from provider import (AKS_ISSUER, AKS_SUBJECT, GITHUB_ISSUER, TENANT_GUID, ProviderPerClass,  # noqa: E402
                      Sandbox, decode_jwt)
from cloud_fakes import PIPELINES_TOKEN, REQUEST_TOKEN, GitHubOidc, PipelinesOidc  # noqa: E402

ARM = "https://management.azure.com/.default"


class FederatedCase(ProviderPerClass, unittest.TestCase):
    def setUp(self):
        self.idp.reset()
        self.sb = Sandbox()
        self.addCleanup(self.sb.close)
        self.secrets = [REQUEST_TOKEN, PIPELINES_TOKEN]

    def azure_env(self, **extra):
        env = {"AZURE_TENANT_ID": TENANT_GUID, "AZURE_CLIENT_ID": self.idp.federated.client_id,
               "AZURE_AUTHORITY_HOST": self.idp.authority_host}
        env.update(extra)
        return env

    def run_tool(self, args, env=None, input=None):
        rc, out, err = self.sb.run(args, env=env, input=input)
        for s in self.secrets:
            self.assertNotIn(s, out + err, "an assertion or request token was shown")
        return rc, out, err

    def ok(self, args, env=None, input=None):
        rc, out, err = self.run_tool(args, env=env, input=input)
        self.assertEqual(rc, 0, f"{args} failed: {err}\nprovider log: {self.idp.log()[-1500:]}")
        return out, err

    def fails(self, args, code, *needles, env=None):
        rc, out, err = self.run_tool(args, env=env)
        self.assertEqual(rc, code, f"expected exit {code}, got {rc}: {err}")
        self.assertEqual(out, "")
        lines = [line for line in err.strip().splitlines() if line.startswith("entratool: ")]
        self.assertEqual(len(lines), 1, err)
        self.assertEqual(lines[0], err.strip().splitlines()[-1])
        for n in needles:
            self.assertIn(n, lines[0])
        return lines[0]

    def token_file(self, token, name="token"):
        path = os.path.join(self.sb.home, name)
        with open(path, "w") as f:
            f.write(token + "\n")
        self.secrets.append(token)
        return path

    def assert_nowhere_on_disk(self, *values):
        for root, _, files in os.walk(self.sb.config_dir):
            for f in files:
                with open(os.path.join(root, f), "rb") as fh:
                    data = fh.read()
                for v in values:
                    self.assertNotIn(v.encode(), data, f"{v[:12]}… found in {f}")

    def last_federated(self):
        return self.idp.requests()["federated"][-1]


class WorkloadIdentity(FederatedCase):
    def test_the_implicit_environment_profile_uses_the_token_file(self):
        path = self.token_file(self.idp.mint_federated(AKS_ISSUER, AKS_SUBJECT))
        out, _ = self.ok(["get-token", "-s", ARM, "-q"], env=self.azure_env(AZURE_FEDERATED_TOKEN_FILE=path))
        _, claims = decode_jwt(out.strip())
        self.assertEqual(claims["aud"], "https://management.azure.com")
        self.assertEqual(claims["appid"], self.idp.federated.client_id)
        last = self.idp.last_request()
        self.assertEqual(last["auth_method"], "assertion")
        self.assertEqual(last["grant_type"], "client_credentials")
        self.assertEqual(self.last_federated()["sub"], AKS_SUBJECT)
        self.assert_nowhere_on_disk(open(path).read().strip())

    def test_the_file_is_read_again_for_every_acquisition(self):
        path = self.token_file(self.idp.mint_federated(AKS_ISSUER, AKS_SUBJECT))
        env = self.azure_env(AZURE_FEDERATED_TOKEN_FILE=path)
        self.ok(["get-token", "-s", ARM, "-q"], env=env)
        first = self.last_federated()["jti"]
        self.token_file(self.idp.mint_federated(AKS_ISSUER, AKS_SUBJECT))  # the platform rotated it
        self.ok(["get-token", "-s", ARM, "-q", "--force"], env=env)
        self.assertNotEqual(self.last_federated()["jti"], first)
        self.ok(["get-token", "-s", ARM, "-q"], env=env)  # cached: no third exchange
        self.assertEqual(len(self.idp.requests()["federated"]), 2)

    def test_a_profile_names_its_token_file(self):
        path = self.token_file(self.idp.mint_federated(AKS_ISSUER, AKS_SUBJECT))
        self.ok(["create-profile", "--name", "aks", "--tenant-id", TENANT_GUID, "--client-id",
                 self.idp.federated.client_id, "--scope", ARM, "--federated-token-file", path,
                 "--default-flow", "WorkloadIdentity", "--authority-host", self.idp.authority_host])
        out, _ = self.ok(["get-token", "-p", "aks", "-q"])
        self.assertEqual(decode_jwt(out.strip())[1]["aud"], "https://management.azure.com")
        self.assertIn(path, open(os.path.join(self.sb.config_dir, "profiles.json")).read())

    def test_bad_token_files(self):
        empty = self.token_file("   ", "empty")
        directory = os.path.join(self.sb.home, "a-directory")
        os.mkdir(directory)
        cases = [
            (os.path.join(self.sb.home, "missing"), "cannot read the federated token file"),
            (empty, "is empty"),
            (directory, "cannot read the federated token file"),
        ]
        for path, needle in cases:
            with self.subTest(path=path):
                self.fails(["get-token", "-s", ARM], 1, needle, path,
                           env=self.azure_env(AZURE_FEDERATED_TOKEN_FILE=path))
        self.assertEqual(self.idp.count(), 0)

    def test_refused_assertions_are_exit_3_with_what_to_check(self):
        cases = [
            (self.idp.mint_federated(AKS_ISSUER, AKS_SUBJECT, ttl=-60), "AADSTS700024", "fresh"),
            (self.idp.mint_federated(AKS_ISSUER, "system:serviceaccount:default:other"), "AADSTS70021", "subject"),
            (self.idp.mint_federated("https://issuer.example/unknown", AKS_SUBJECT), "AADSTS700211", "issuer"),
        ]
        for token, code, hint in cases:
            with self.subTest(code=code):
                path = self.token_file(token)
                self.fails(["get-token", "-s", ARM], 3, code, hint, env=self.azure_env(AZURE_FEDERATED_TOKEN_FILE=path))

    def test_an_incomplete_environment_says_what_is_missing(self):
        path = self.token_file(self.idp.mint_federated(AKS_ISSUER, AKS_SUBJECT))
        self.fails(["get-token"], 2, "AZURE_TENANT_ID", env={"AZURE_FEDERATED_TOKEN_FILE": path})


class GitHubActions(FederatedCase):
    def test_the_implicit_profile_fetches_the_job_token_for_each_acquisition(self):
        with GitHubOidc(self.idp) as gh:
            env = self.azure_env(**gh.env())
            out, _ = self.ok(["get-token", "-s", ARM, "-q"], env=env)
            self.assertEqual(decode_jwt(out.strip())[1]["appid"], self.idp.federated.client_id)
            seen = gh.requests[-1]
            self.assertEqual(seen["method"], "GET")
            self.assertEqual(seen["query"]["audience"], "api://AzureADTokenExchange")
            self.assertEqual(seen["query"]["api-version"], "2.0")
            self.assertEqual(self.last_federated()["iss"], GITHUB_ISSUER)
            self.ok(["get-token", "-s", ARM, "-q", "--force"], env=env)
            self.assertEqual(len(gh.requests), 2, "a new ID token for every acquisition")

    def test_an_explicit_flow_with_a_profile(self):
        with GitHubOidc(self.idp) as gh:
            self.ok(["create-profile", "--name", "gh", "--tenant-id", TENANT_GUID, "--client-id",
                     self.idp.federated.client_id, "--scope", ARM, "--authority-host", self.idp.authority_host])
            self.ok(["get-token", "-p", "gh", "-f", "github-actions", "-q"], env=gh.env())

    def test_bad_answers_from_the_id_token_endpoint(self):
        with GitHubOidc(self.idp) as gh:
            env = self.azure_env(**gh.env())
            gh.script = [(401, {"message": "Unauthorized"})]
            self.fails(["get-token", "-s", ARM], 3, "HTTP 401", "id-token: write", env=env)
            gh.script = [(500, "oops")]
            self.fails(["get-token", "-s", ARM], 4, "HTTP 500", env=env)
            gh.script = [(200, "<html>not json</html>")]
            self.fails(["get-token", "-s", ARM], 4, "unusable", env=env)
            gh.script = [(200, {"value": ""})]
            self.fails(["get-token", "-s", ARM], 4, "unusable", env=env)
        self.assertEqual(self.idp.count(), 0)

    def test_a_token_for_the_wrong_subject_is_refused(self):
        with GitHubOidc(self.idp, subject="repo:contoso/app:pull_request") as gh:
            self.fails(["get-token", "-s", ARM], 3, "AADSTS70021", env=self.azure_env(**gh.env()))


class AzurePipelines(FederatedCase):
    def test_the_implicit_profile_uses_the_service_connection(self):
        with PipelinesOidc(self.idp) as ado:
            out, _ = self.ok(["get-token", "-s", ARM, "-q"], env=self.azure_env(**ado.env()))
            self.assertEqual(decode_jwt(out.strip())[1]["appid"], self.idp.federated.client_id)
            seen = ado.requests[-1]
            self.assertEqual(seen["method"], "POST")
            self.assertEqual(seen["query"], {"api-version": "7.1", "serviceConnectionId": ado.connection})

    def test_the_profile_names_the_service_connection(self):
        with PipelinesOidc(self.idp, connection="11111111-0000-4000-8000-0000000005c1") as ado:
            self.ok(["create-profile", "--name", "ado", "--tenant-id", TENANT_GUID, "--client-id",
                     self.idp.federated.client_id, "--scope", ARM, "--authority-host", self.idp.authority_host,
                     "--service-connection-id", ado.connection, "--default-flow", "azure-pipelines"])
            env = ado.env()
            env["AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"] = "someone-else"
            self.ok(["get-token", "-p", "ado", "-q"], env=env)
            self.assertEqual(ado.requests[-1]["query"]["serviceConnectionId"], ado.connection)

    def test_bad_input(self):
        with PipelinesOidc(self.idp) as ado:
            env = self.azure_env(**ado.env())
            self.fails(["get-token", "-s", ARM, "-f", "azure-pipelines"], 3, "service connection", "HTTP 404",
                       env=dict(env, AZURESUBSCRIPTION_SERVICE_CONNECTION_ID="unknown"))
            # Without the job's token the environment selects no federated flow, and says so.
            self.fails(["get-token", "-s", ARM], 2, "SYSTEM_ACCESSTOKEN (azure-pipelines)",
                       env=dict(env, SYSTEM_ACCESSTOKEN=""))
            self.ok(["create-profile", "--name", "ado", "--tenant-id", TENANT_GUID, "--client-id",
                     self.idp.federated.client_id, "--scope", ARM, "--authority-host", self.idp.authority_host,
                     "--default-flow", "azure-pipelines"])
            self.fails(["get-token", "-p", "ado"], 1, "SYSTEM_ACCESSTOKEN", "$(System.AccessToken)",
                       env=dict(ado.env(), SYSTEM_ACCESSTOKEN=""))
            self.fails(["get-token", "-s", ARM, "-f", "azure-pipelines"], 3, "HTTP 401",
                       env=dict(env, SYSTEM_ACCESSTOKEN="not-this-jobs"))
            ado.script = [(503, "")]
            self.fails(["get-token", "-s", ARM], 4, "HTTP 503", env=env)


if __name__ == "__main__":
    unittest.main(verbosity=2)
