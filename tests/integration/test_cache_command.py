"""`entratool cache list` and `cache clear` (spec 003 "Clearing Cache") against the real test
provider: the listing names profile, flow, scopes and expiry but never a token; clearing removes
the cached access and refresh tokens, keeps the profiles and their secrets, and the next
get-token really goes to the provider again. Also `entratool help COMMAND`."""

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support"))
sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "userflows"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_get_token import GRAPH, GetTokenCase  # noqa: E402
from userflows_support import UserFlowCase  # noqa: E402

MGMT = "https://management.azure.com/.default"


class CacheCommand(GetTokenCase):
    def setUp(self):
        super().setUp()
        self.create_profile("app", self.idp.secret)
        self.create_profile("other", self.idp.simple)

    def token(self, *args):
        out, _ = self.ok(["get-token", "-q"] + list(args))
        return self.token_of(out)

    def store_files(self):
        d = os.path.join(self.sb.config_dir, "keystore-encrypted-file")
        return sorted(os.listdir(d))

    def test_list_names_profile_flow_scopes_and_expiry_but_never_a_token(self):
        tokens = [self.token("-p", "app"), self.token("-p", "app", "-s", MGMT), self.token("-p", "other")]
        out, err = self.ok(["cache", "list"])
        self.assertEqual(err, "")
        lines = out.splitlines()
        self.assertEqual(lines[0].split(), ["PROFILE", "FLOW", "SCOPES", "EXPIRES", "LEFT", "REFRESH"])
        rows = [line.split() for line in lines[1:]]
        self.assertEqual(len(rows), 3, out)
        self.assertEqual([(r[0], r[1], r[2]) for r in rows],
                         [("app", "client-credentials", GRAPH), ("app", "client-credentials", MGMT),
                          ("other", "client-credentials", GRAPH)])
        for r in rows:
            self.assertRegex(" ".join(r[3:]), r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC (59|60) minutes no$")
        for t in tokens:
            self.assertNotIn(t, out)
            self.assertNotIn(t.split(".")[2], out)

        out, _ = self.ok(["cache", "list", "-p", "other", "-o", "json"])
        entries = json.loads(out)
        self.assertEqual(len(entries), 1)
        e = entries[0]
        self.assertEqual((e["profile"], e["flow"], e["scopes"], e["expired"], e["refresh_token"]),
                         ("other", "client-credentials", [GRAPH], False, False))
        self.assertEqual(e["client_id"], self.idp.simple.client_id)
        self.assertRegex(e["expires_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertGreater(e["expires_in"], 3500)
        self.assertNotIn(tokens[2], out)

    def test_list_with_nothing_cached_says_so_on_stderr(self):
        out, err = self.ok(["cache", "list"])
        self.assertEqual((out, err), ("", "No cached tokens.\n"))
        out, _ = self.ok(["cache", "list", "-o", "json"])
        self.assertEqual(json.loads(out), [])

    def test_clear_one_profile_keeps_secrets_and_the_next_get_token_asks_the_provider(self):
        first = self.token("-p", "app")
        self.token("-p", "other")
        secrets_before = [f for f in self.store_files()]
        self.idp.reset()
        self.assertEqual(self.token("-p", "app"), first)  # a cache hit: no provider call
        self.assertEqual(self.idp.count(), 0)

        out, err = self.ok(["cache", "clear", "-p", "app"])
        self.assertEqual(out, "")
        self.assertEqual(err, "Removed 1 cached token (profile app); secrets kept. "
                              "The next get-token asks the identity provider.\n")
        self.assertEqual(len(self.store_files()), len(secrets_before) - 1)

        second = self.token("-p", "app")
        self.assertEqual(self.idp.count(), 1, "the next get-token must go to the provider")
        self.assertNotEqual(second, first)
        self.assertEqual(self.idp.last_request()["basic_client_id"], self.idp.secret.client_id)
        self.token("-p", "other")  # untouched: still cached
        self.assertEqual(self.idp.count(), 1)

    def test_clear_everything_removes_every_cached_token_and_nothing_else(self):
        self.token("-p", "app")
        self.token("-p", "app", "-s", MGMT)
        self.token("-p", "other")
        out, err = self.ok(["cache", "clear"])
        self.assertEqual(err, "Removed 3 cached tokens (profiles app, other); secrets kept. "
                              "The next get-token asks the identity provider.\n")
        out, err = self.ok(["cache", "list"])
        self.assertEqual(err, "No cached tokens.\n")
        out, _ = self.ok(["config", "list", "-o", "json"])
        self.assertEqual(sorted(p["name"] for p in json.loads(out)), ["app", "other"])
        self.idp.reset()
        self.token("-p", "app")
        self.token("-p", "other")
        self.assertEqual(self.idp.count(), 2)  # both secrets still work
        out, err = self.ok(["cache", "clear"])
        self.ok(["cache", "clear"])
        self.assertEqual(self.last[2], "No cached tokens to remove.\n")

    def test_unknown_profile_exits_2_and_unknown_subcommand_1(self):
        rc, out, err = self.run_tool(["cache", "clear", "-p", "nope"])
        self.assertEqual((rc, out), (2, ""))
        self.assertRegex(err, r"^entratool: profile 'nope' not found.*\n$")
        rc, _, err = self.run_tool(["cache", "list", "-p", "nope"])
        self.assertEqual(rc, 2)
        rc, _, err = self.run_tool(["cache", "purge"])
        self.assertEqual((rc, err), (1, "entratool: unknown subcommand 'cache purge'; use list or clear\n"))
        rc, _, err = self.run_tool(["cache"])
        self.assertEqual(rc, 1)
        self.assertIn("list or clear", err)


class ClearUserSignIn(UserFlowCase):
    provider_options = {"device_interval": 1}

    def sign_in(self):
        run = self.background(["get-token", "-p", "dev", "-o", "json", "--timeout", "60s"])
        self.idp.approve_device(run.wait_for_stderr(r"enter the code: (\S+)").group(1))
        rc, out, err = run.finish()
        self.assertEqual(rc, 0, err)
        return json.loads(out)

    def test_clear_removes_the_refresh_token_so_the_next_get_token_signs_in_again(self):
        self.create_profile("dev", self.idp.public, "device-code")
        first = self.sign_in()
        self.assertTrue(first.get("refresh_token"))
        out, _ = self.ok(["cache", "list", "-p", "dev"])
        self.assertRegex(out.splitlines()[1], r"^dev\s+device-code\s.*\syes$")
        self.assertNotIn(first["refresh_token"], out)
        self.ok(["cache", "clear", "-p", "dev"])
        self.idp.reset()
        # No refresh token left: `refresh` has nothing to redeem, get-token starts a new sign-in.
        rc, out, err = self.run_tool(["refresh", "-p", "dev"])
        self.assertNotEqual(rc, 0)
        self.assertEqual(out, "")
        self.assertEqual(self.token_requests("refresh_token"), [])
        second = self.sign_in()
        self.assertEqual(self.idp.count("devicecode"), 1, "a new sign-in, not the cleared refresh token")
        self.assertEqual(self.token_requests("refresh_token"), [])
        self.assertNotEqual(second["access_token"], first["access_token"])


class HelpCommand(GetTokenCase):
    def test_help_command_prints_the_same_text_as_dash_dash_help(self):
        for words in (["get-token"], ["inspect"], ["cache"], ["cache", "clear"], ["config", "create"],
                      ["git-credential"], ["create-profile"]):
            with self.subTest(words=words):
                a = self.ok(["help"] + words)
                b = self.ok(words + ["--help"])
                self.assertEqual(a, b)
                self.assertTrue(a[0])

    def test_help_alone_is_the_program_help(self):
        self.assertEqual(self.ok(["help"]), self.ok(["--help"]))

    def test_unknown_command_lists_the_commands(self):
        rc, out, err = self.run_tool(["help", "get-tokens"])
        self.assertEqual((rc, out), (1, ""))
        self.assertRegex(err, r"^entratool: unknown command 'get-tokens'; the commands are: get-token, refresh, "
                              r".*\bcache, git-credential, help.*\n$")


if __name__ == "__main__":
    unittest.main(verbosity=2)
