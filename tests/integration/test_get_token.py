"""get-token end to end against the real test identity provider (tests/provider): client secret
sent as HTTP Basic and in the body, every output format, --file, the token cache (hit, --force,
--no-cache, --min-validity), scope and flow overrides, the implicit AZURE_* profile, and the
-o token.txt mistake. GetTokenCase is the shared base of the other test_get_token_*.py files."""

import json
import os
import re
import stat
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support"))
from provider import ProviderPerClass, Sandbox, TENANT_GUID, decode_jwt  # noqa: E402

GRAPH = "https://graph.microsoft.com/.default"
JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


class GetTokenCase(ProviderPerClass, unittest.TestCase):
    """One provider per class, a fresh config folder per test."""

    def setUp(self):
        self.idp.reset()
        self.sb = Sandbox()
        self.addCleanup(self.sb.close)

    def run_tool(self, args, env=None, input=None, timeout=60):
        rc, out, err = self.sb.run(args, env=env, input=input, timeout=timeout)
        self.last = (rc, out, err)
        return rc, out, err

    def ok(self, args, env=None, input=None):
        rc, out, err = self.run_tool(args, env=env, input=input)
        self.assertEqual(rc, 0, f"entratool {' '.join(args)} failed: {err}\nprovider log: {self.idp.log()[-1500:]}")
        return out, err

    def create_profile(self, name, client, *extra, secret=None, authority=None, stdin_secret=True):
        """create-profile for a provider client; the secret goes through stdin, never argv."""
        args = ["create-profile", "--name", name, "--tenant-id", TENANT_GUID, "--client-id", client.client_id,
                "--scope", GRAPH, "--authority-host", authority or self.idp.authority_host]
        if self.https:
            args += ["--ca-bundle", self.idp.ca_path]
        secret = secret if secret is not None else client.secret
        data = None
        if secret is not None and stdin_secret:
            args.append("--client-secret-stdin")
            data = secret + "\n"
        args += list(extra)
        self.ok(args, input=data)
        self.idp.reset()  # profile creation must not count as provider traffic

    def token_of(self, out):
        token = out.strip()
        self.assertRegex(token, JWT)
        return token


class SecretClients(GetTokenCase):
    def test_secret_as_http_basic_with_reserved_characters(self):
        # TRICKY_SECRET holds '%', '+', ':' and spaces: only a correctly form-encoded Basic header passes.
        self.create_profile("app", self.idp.secret)
        out, err = self.ok(["get-token", "-p", "app", "--silent"])
        self.assertEqual(err, "")
        header, claims = decode_jwt(self.token_of(out))
        self.assertEqual(claims["aud"], "https://graph.microsoft.com")
        self.assertEqual(claims["appid"], self.idp.secret.client_id)
        last = self.idp.last_request()
        self.assertEqual(last["auth_method"], "basic")
        self.assertEqual(last["grant_type"], "client_credentials")
        self.assertEqual(last["status"], 200)

    def test_secret_in_the_form_body(self):
        self.create_profile("body", self.idp.secret, "--client-auth", "body")
        out, _ = self.ok(["get-token", "-p", "body", "-q"])
        self.token_of(out)
        self.assertEqual(self.idp.last_request()["auth_method"], "post")

    def test_status_lines_go_to_stderr_and_stdout_is_only_the_token(self):
        self.create_profile("app", self.idp.simple)
        out, err = self.ok(["get-token", "-p", "app"])
        self.assertEqual(len(out.splitlines()), 1)
        self.token_of(out)
        self.assertIn("Authenticating with profile 'app'", err)
        out2, err2 = self.ok(["get-token", "-p", "app"])
        self.assertEqual(out2, out)
        self.assertIn("cached token", err2)

    def test_default_profile_is_used_without_p(self):
        self.create_profile("main", self.idp.simple, "--set-default")
        out, _ = self.ok(["get-token", "--silent"])
        self.token_of(out)

    def test_scope_override_space_or_comma_separated(self):
        self.create_profile("app", self.idp.simple)
        out, _ = self.ok(["get-token", "-p", "app", "-q", "-s", "https://management.azure.com/.default"])
        self.assertEqual(decode_jwt(self.token_of(out))[1]["aud"], "https://management.azure.com")
        self.assertEqual(self.idp.last_request()["scope"], "https://management.azure.com/.default")
        # The same scope set, given with a comma and a duplicate, is the same cache entry.
        out2, _ = self.ok(["get-token", "-p", "app", "-q", "--scope",
                           "https://management.azure.com/.default,https://management.azure.com/.default"])
        self.assertEqual(out2, out)
        self.assertEqual(self.idp.count(), 1)

    def test_flow_names_in_any_spelling(self):
        self.create_profile("app", self.idp.simple)
        first, _ = self.ok(["get-token", "-p", "app", "-q", "-f", "ClientCredentials"])
        second, _ = self.ok(["get-token", "-p", "app", "-q", "--flow", "client-credentials"])
        self.assertEqual(first, second)
        self.assertEqual(self.idp.count(), 1)

    def test_authority_host_flag_overrides_the_profile(self):
        # The profile points at a closed port; the flag points at the provider.
        self.create_profile("app", self.idp.simple, authority="http://127.0.0.1:9")
        out, _ = self.ok(["get-token", "-p", "app", "-q", "--authority-host", self.idp.authority_host])
        self.token_of(out)


class OutputFormats(GetTokenCase):
    def setUp(self):
        super().setUp()
        self.create_profile("app", self.idp.simple)

    def check_fields(self, doc, token=None):
        self.assertEqual(list(doc)[:4], ["token_type", "scope", "expires_in", "access_token"])
        self.assertEqual(doc["token_type"], "Bearer")
        self.assertEqual(doc["scope"], GRAPH)
        self.assertTrue(3500 <= int(doc["expires_in"]) <= 3600, doc["expires_in"])
        self.assertRegex(doc["access_token"], JWT)
        self.assertRegex(str(doc["expires_at"]), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertNotIn("refresh_token", doc)  # client credentials never get one
        if token:
            self.assertEqual(doc["access_token"], token)

    def test_token_is_the_default(self):
        out, _ = self.ok(["get-token", "-p", "app", "-q"])
        explicit, _ = self.ok(["get-token", "-p", "app", "-q", "-o", "token"])
        self.assertEqual(out, explicit)
        self.assertTrue(out.endswith("\n"))

    def test_json(self):
        token = self.token_of(self.ok(["get-token", "-p", "app", "-q"])[0])
        out, _ = self.ok(["get-token", "-p", "app", "-q", "-o", "json"])
        self.check_fields(json.loads(out), token)
        short, _ = self.ok(["get-token", "-p", "app", "-q", "--json"])
        self.assertEqual(json.loads(short)["access_token"], token)
        upper, _ = self.ok(["get-token", "-p", "app", "-q", "--output", "JSON"])
        self.assertEqual(json.loads(upper)["access_token"], token)

    def test_yaml(self):
        import yaml
        token = self.token_of(self.ok(["get-token", "-p", "app", "-q"])[0])
        out, _ = self.ok(["get-token", "-p", "app", "-q", "-o", "yaml"])
        doc = yaml.safe_load(out)
        if not isinstance(doc["expires_at"], str):  # YAML timestamps load as datetime
            doc["expires_at"] = doc["expires_at"].strftime("%Y-%m-%dT%H:%M:%SZ")
        self.check_fields(doc, token)

    def test_output_file_name_suggests_file_flag(self):
        rc, out, err = self.run_tool(["get-token", "-p", "app", "-o", "token.txt"])
        self.assertEqual(rc, 1)
        self.assertEqual(out, "")
        self.assertEqual(err.strip(), "entratool: unknown output format 'token.txt'; to write to a file use --file token.txt")
        self.assertEqual(self.idp.count(), 0)

    def test_unknown_format_lists_the_formatters(self):
        rc, out, err = self.run_tool(["get-token", "-p", "app", "-o", "xml"])
        self.assertEqual(rc, 1)
        self.assertIn("unknown output format 'xml' (available: ", err)
        self.assertIn("json", err)
        self.assertEqual(self.idp.count(), 0)

    def test_json_flag_conflicting_with_output(self):
        rc, _, err = self.run_tool(["get-token", "-p", "app", "--json", "-o", "yaml"])
        self.assertEqual(rc, 1)
        self.assertIn("give one", err)

    def test_file_is_private_and_stdout_says_where(self):
        path = os.path.join(self.sb.home, "out", "token.txt")
        os.makedirs(os.path.dirname(path))
        out, _ = self.ok(["get-token", "-p", "app", "--file", path])
        self.assertEqual(out, f"Token written to {path}\n")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path) as f:
            self.token_of(f.read())
        # Replacing an existing, world-readable file leaves a private one.
        os.chmod(path, 0o644)
        out, _ = self.ok(["get-token", "-p", "app", "-o", "json", "--file", path])
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path) as f:
            self.check_fields(json.load(f))
        quiet, err = self.ok(["get-token", "-p", "app", "--file", path, "--silent"])
        self.assertEqual((quiet, err), ("", ""))

    def test_file_in_a_missing_folder_is_a_clear_error(self):
        path = os.path.join(self.sb.home, "no-such-folder", "token.txt")
        rc, out, err = self.run_tool(["get-token", "-p", "app", "--file", path])
        self.assertEqual(rc, 1)
        self.assertEqual(out, "")
        self.assertIn(path, err)


class Caching(GetTokenCase):
    def setUp(self):
        super().setUp()
        self.create_profile("app", self.idp.simple)

    def test_cache_hit_makes_no_request(self):
        first, _ = self.ok(["get-token", "-p", "app", "-q"])
        for _ in range(3):
            again, _ = self.ok(["get-token", "-p", "app", "-q"])
            self.assertEqual(again, first)
        self.assertEqual(self.idp.count(), 1)

    def test_force_gets_a_new_token_and_caches_it(self):
        first, _ = self.ok(["get-token", "-p", "app", "-q"])
        time.sleep(1.1)  # iat has a one-second resolution
        forced, _ = self.ok(["get-token", "-p", "app", "-q", "--force"])
        self.assertNotEqual(forced, first)
        self.assertEqual(self.idp.count(), 2)
        cached, _ = self.ok(["get-token", "-p", "app", "-q"])
        self.assertEqual(cached, forced)
        self.assertEqual(self.idp.count(), 2)

    def test_no_cache_neither_reads_nor_writes(self):
        self.ok(["get-token", "-p", "app", "-q", "--no-cache"])
        self.ok(["get-token", "-p", "app", "-q", "--no-cache"])
        self.assertEqual(self.idp.count(), 2)
        cached_before, _ = self.ok(["get-token", "-p", "app", "-q"])  # nothing was written: a miss
        self.assertEqual(self.idp.count(), 3)
        self.ok(["get-token", "-p", "app", "-q", "--no-cache"])  # does not read: another request
        self.assertEqual(self.idp.count(), 4)
        again, _ = self.ok(["get-token", "-p", "app", "-q"])  # and did not overwrite
        self.assertEqual(again, cached_before)
        self.assertEqual(self.idp.count(), 4)

    def test_min_validity_expires_cached_tokens(self):
        # The provider's tokens live one hour: asking for more than that left is always a miss.
        self.ok(["get-token", "-p", "app", "-q"])
        self.ok(["get-token", "-p", "app", "-q", "--min-validity", "59m"])
        self.assertEqual(self.idp.count(), 1)
        self.ok(["get-token", "-p", "app", "-q", "--min-validity", "61m"])
        self.assertEqual(self.idp.count(), 2)
        self.ok(["get-token", "-p", "app", "-q", "--min-validity", "2h"])
        self.assertEqual(self.idp.count(), 3)

    def test_cache_hit_loads_neither_the_flow_plugin_nor_the_network_module(self):
        # glibc's LD_DEBUG=files names every library the process loads, on stderr.
        def loaded(args):
            rc, out, err = self.run_tool(args, env={"LD_DEBUG": "files"})
            self.assertEqual(rc, 0, err[-2000:])
            return {name for name in ("entratool-client-credentials.so", "entratool-http.so", "libssl.so")
                    if re.search(r"file=\S*" + re.escape(name), err)}
        self.assertEqual(loaded(["get-token", "-p", "app", "-q"]),
                         {"entratool-client-credentials.so", "entratool-http.so", "libssl.so"})
        self.assertEqual(loaded(["get-token", "-p", "app", "-q"]), set())
        self.assertEqual(self.idp.count(), 1)

    def test_tokens_and_secrets_never_reach_plain_files(self):
        out, _ = self.ok(["get-token", "-p", "app", "-q"])
        token = out.strip()
        for root, _, files in os.walk(self.sb.home):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    data = f.read()
                self.assertNotIn(token.encode(), data, os.path.join(root, name))
                self.assertNotIn(self.idp.simple.secret.encode(), data, os.path.join(root, name))

    def test_a_damaged_cache_entry_is_a_miss(self):
        first, _ = self.ok(["get-token", "-p", "app", "-q"])
        path = cache_entry_file(self.sb.config_dir, "app", self.idp.authority_host, TENANT_GUID,
                                self.idp.simple.client_id, "client-credentials", [GRAPH])
        self.assertTrue(os.path.exists(path), "the cache entry is not where docs/caching.md says")
        for damage in (b"", b"ETKS\x01", os.urandom(200)):
            with open(path, "wb") as f:
                f.write(damage)
            out, err = self.ok(["get-token", "-p", "app", "-q"])
            self.token_of(out)
        self.assertEqual(self.idp.count(), 4)
        again, _ = self.ok(["get-token", "-p", "app", "-q"])  # the entry was replaced by a good one
        self.assertEqual(self.idp.count(), 4)
        self.assertEqual(again, out)


def cache_entry_file(config_dir, profile, authority, tenant, client_id, flow, scopes):
    """The encrypted-file store's file for a cache entry: the store names files by the SHA-256 of
    the secret's name, and the cache names entries token/<profile>/<SHA-256 of the normalised key>."""
    import hashlib
    key = "\n".join(["v1", authority.lower(), tenant.lower(), client_id, flow] + sorted(set(scopes)))
    name = f"token/{profile}/" + hashlib.sha256(key.encode()).hexdigest()
    return os.path.join(config_dir, "keystore-encrypted-file", hashlib.sha256(name.encode()).hexdigest() + ".sec")


class ImplicitProfile(GetTokenCase):
    def env(self, **extra):
        e = {"AZURE_TENANT_ID": TENANT_GUID, "AZURE_CLIENT_ID": self.idp.simple.client_id,
             "AZURE_CLIENT_SECRET": self.idp.simple.secret, "AZURE_AUTHORITY_HOST": self.idp.authority_host}
        e.update(extra)
        return e

    def test_azure_variables_work_without_a_profile(self):
        out, _ = self.ok(["get-token", "-q"], env=self.env())
        self.assertEqual(decode_jwt(self.token_of(out))[1]["appid"], self.idp.simple.client_id)
        again, _ = self.ok(["get-token", "-q"], env=self.env())
        self.assertEqual(again, out)
        self.assertEqual(self.idp.count(), 1)

    def test_incomplete_azure_variables_say_what_is_missing(self):
        rc, out, err = self.run_tool(["get-token"], env={"AZURE_TENANT_ID": TENANT_GUID})
        self.assertEqual(rc, 2)
        self.assertIn("AZURE_CLIENT_ID", err)
        self.assertEqual(out, "")

    def test_no_profile_and_no_environment_explains_how_to_create_one(self):
        rc, out, err = self.run_tool(["get-token"])
        self.assertEqual(rc, 2)
        self.assertEqual(out, "")
        self.assertIn("create-profile", err)
        self.assertEqual(len(err.strip().splitlines()), 1)

    def test_named_profile_that_does_not_exist(self):
        rc, out, err = self.run_tool(["get-token", "-p", "nope"], env=self.env())
        self.assertEqual(rc, 2)
        self.assertIn("profile 'nope' not found", err)
        self.assertEqual(self.idp.count(), 0)


if __name__ == "__main__":
    unittest.main()
