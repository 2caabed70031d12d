"""The secret-service store, the encrypted-file store's os-store key source and `config store
[migrate]`, end to end: the real entratool and plugins against the test identity provider, with a
real GNOME Keyring on a private D-Bus session bus.

Run inside tests/support/with_secret_service.sh (ctest does): it starts the bus and an unlocked
"login" keyring. Tests that need another bus state (none, no Secret Service, a locked keyring)
make it themselves.
"""

import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support"))
from provider import ProviderPerClass, Sandbox, TENANT_GUID  # noqa: E402

GRAPH = "https://graph.microsoft.com/.default"
HARNESS = os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support", "with_secret_service.sh")
ENTRATOOL = os.environ["ENTRATOOL_BIN"]
SECRET_SERVICE = {"ENTRATOOL_KEYSTORE": "secret-service"}
TIMEOUT = 60

# A session bus on which nothing provides (or can be started as) org.freedesktop.secrets.
BARE_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def secret_tool(*args, input=None):
    """secret-tool on the test's session bus; (returncode, stdout)."""
    r = subprocess.run(["secret-tool", *args], input=input, capture_output=True, text=True, timeout=TIMEOUT)
    return r.returncode, r.stdout


def lookup(name):
    rc, out = secret_tool("lookup", "application", "entratool", "name", name)
    return out if rc == 0 else None


def our_item_names():
    """Every name attribute of an application=entratool item in the session's keyrings."""
    r = subprocess.run(["secret-tool", "search", "--all", "--unlock", "application", "entratool"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    # secret-tool prints the attributes on stdout and the item headers on stderr.
    return sorted(line.split(" = ", 1)[1] for line in (r.stdout + r.stderr).splitlines()
                  if line.startswith("attribute.name = "))


def clear_all():
    secret_tool("clear", "application", "entratool")


def without_bus_noise(text):
    return "\n".join(line for line in text.splitlines() if not line.startswith("dbus-daemon[")
                     and "discover_other_daemon" not in line)


class SecretServiceCase(ProviderPerClass, unittest.TestCase):
    def setUp(self):
        self.idp.reset()
        self.sb = Sandbox()
        self.addCleanup(self.sb.close)
        clear_all()
        self.addCleanup(clear_all)

    def run_tool(self, args, env=None, input=None):
        return self.sb.run(args, env=env, input=input, timeout=TIMEOUT)

    def ok(self, args, env=None, input=None):
        rc, out, err = self.run_tool(args, env=env, input=input)
        self.assertEqual(rc, 0, "entratool %s failed: %s" % (" ".join(args), err))
        return out, err

    def profile_args(self, name, client=None):
        client = client or self.idp.simple
        return ["create-profile", "--name", name, "--tenant-id", TENANT_GUID, "--client-id", client.client_id,
                "--scope", GRAPH, "--authority-host", self.idp.authority_host, "--client-secret-stdin"]

    def create_profile(self, name, env=None, client=None, secret=None):
        client = client or self.idp.simple
        self.ok(self.profile_args(name, client), env=env, input=(secret or client.secret) + "\n")
        self.idp.reset()

    def config_json(self):
        path = os.path.join(self.sb.config_dir, "config.json")
        with open(path) as f:
            return json.load(f), stat.S_IMODE(os.stat(path).st_mode)

    def write_config(self, doc):
        os.makedirs(self.sb.config_dir, mode=0o700, exist_ok=True)
        path = os.path.join(self.sb.config_dir, "config.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        os.chmod(path, 0o600)

    def assert_secret_in_no_file(self, secret):
        for root, _, files in os.walk(self.sb.home):
            for name in files:
                path = os.path.join(root, name)
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                with open(path, "rb") as f:
                    self.assertNotIn(secret.encode(), f.read(), path)

    def in_fresh_keyring(self, script, env):
        """Runs `sh -c script` in a new bus + unlocked keyring of its own; (rc, stderr)."""
        r = subprocess.run([HARNESS, "--", "sh", "-c", script], env=self.sb.env(env), capture_output=True,
                           text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        return r.returncode, without_bus_noise(r.stderr)


class SecretServiceStoreEndToEnd(SecretServiceCase):
    def test_create_get_cached_get_delete(self):
        self.create_profile("app", env=SECRET_SERVICE)
        self.assertEqual(lookup("profile/app/client-secret"), self.idp.simple.secret)
        out, err = self.ok(["get-token", "-p", "app"], env=SECRET_SERVICE)
        token = out.strip()
        self.assertEqual(self.idp.count(), 1)
        self.assertTrue([n for n in our_item_names() if n.startswith("token/")], our_item_names())
        out2, err2 = self.ok(["get-token", "-p", "app"], env=SECRET_SERVICE)
        self.assertEqual(out2.strip(), token)
        self.assertIn("cached token", err2)
        self.assertEqual(self.idp.count(), 1, "the cached call reached the provider")
        # Nothing of the secret store is on disk.
        self.assert_secret_in_no_file(self.idp.simple.secret)
        self.assert_secret_in_no_file(token)
        self.assertFalse(os.path.exists(os.path.join(self.sb.config_dir, "keystore-encrypted-file")))
        show, _ = self.ok(["config", "show", "-p", "app"], env=SECRET_SERVICE)
        self.assertIn("the Secret Service (keyring", show)
        self.ok(["config", "delete", "-p", "app", "--yes"], env=SECRET_SERVICE)
        self.assertEqual(our_item_names(), [])

    def test_items_carry_the_attributes_and_a_readable_label(self):
        self.create_profile("app", env=SECRET_SERVICE)
        r = subprocess.run(["secret-tool", "search", "--all", "application", "entratool", "name",
                            "profile/app/client-secret"], capture_output=True, text=True, timeout=TIMEOUT)
        text = r.stdout + r.stderr
        self.assertIn("label = entratool: profile/app/client-secret", text)
        self.assertIn("attribute.application = entratool", text)
        self.assertIn("attribute.name = profile/app/client-secret", text)

    def test_large_values_round_trip(self):
        # A token bundle is several KB; this is 64 KB of everything printable.
        big = ("".join(chr(c) for c in range(33, 127)) * 700)[:65536]
        self.create_profile("big", env=SECRET_SERVICE, secret=big)
        self.assertEqual(lookup("profile/big/client-secret"), big)
        out, _ = self.ok(["config", "export", "-p", "big", "--include-secrets", "--file",
                          os.path.join(self.sb.home, "big.export")],
                         env=dict(SECRET_SERVICE, ENTRATOOL_EXPORT_PASSPHRASE="a long export passphrase"))
        self.assertEqual(out, "")

    def test_duplicate_items_are_reported_by_name_and_left_untouched(self):
        self.create_profile("app", env=SECRET_SERVICE)
        # Another tool stored a second item with our attributes (and its own schema, so the
        # keyring keeps both).
        rc, _ = secret_tool("store", "--label", "foreign", "application", "entratool", "name",
                            "profile/app/client-secret", "xdg:schema", "org.example.Other", input="something else")
        self.assertEqual(rc, 0)
        rc, out, err = self.run_tool(["get-token", "-p", "app"], env=SECRET_SERVICE)
        self.assertEqual(rc, 1, err)
        self.assertEqual(out, "")
        self.assertIn("holds 2 items for secret 'profile/app/client-secret'; they were left untouched", err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertEqual(our_item_names().count("profile/app/client-secret"), 2)

    def test_config_store_says_what_chose_the_store(self):
        out, _ = self.ok(["config", "store"], env=SECRET_SERVICE)
        self.assertIn("Secret store:     secret-service\n", out)
        self.assertIn("Chosen:           chosen by ENTRATOOL_KEYSTORE\n", out)
        self.assertIn("Where:            the Secret Service (keyring", out)
        self.assertIn("encrypted-file", out)
        out, _ = self.ok(["config", "store", "-o", "json"])
        doc = json.loads(out)
        self.assertEqual((doc["store"], doc["source"], doc["available"]), ("encrypted-file", "default", True))
        self.write_config({"keystore": "secret-service"})  # the older key still works
        doc = json.loads(self.ok(["config", "store", "-o", "json"])[0])
        self.assertEqual((doc["store"], doc["source"]), ("secret-service", "config"))
        self.assertIn('"keystore"', doc["reason"])
        self.write_config({"secret_store": "secret-service", "keystore": "encrypted-file"})
        rc, _, err = self.run_tool(["config", "store"])
        self.assertEqual(rc, 1)
        self.assertIn("names two secret stores", err)

    def test_a_store_that_is_not_installed_is_named_with_the_alternatives(self):
        rc, out, err = self.run_tool(self.profile_args("app"), env={"ENTRATOOL_KEYSTORE": "keychain"}, input="s\n")
        self.assertEqual(rc, 1, err)
        self.assertIn("the secret store 'keychain' (chosen by ENTRATOOL_KEYSTORE) cannot be used: no secret-store "
                      "plugin 'keychain'", err)
        self.write_config({"secret_store": "keychain"})
        rc, out, err = self.run_tool(["config", "store"])
        self.assertEqual(rc, 1)
        self.assertIn("Where:            unavailable", out)
        self.assertIn("the secret store 'keychain' (chosen by \"secret_store\" in", err)
        self.assertIn("no secret-store plugin 'keychain'", err)
        self.assertIn("other installed stores: encrypted-file, secret-service", err)


class NoSecretService(SecretServiceCase):
    def test_no_session_bus_fails_at_once_and_names_the_cause(self):
        env = dict(SECRET_SERVICE, DBUS_SESSION_BUS_ADDRESS="", DISPLAY=":0")
        args = self.profile_args("app")
        # A hang would be killed by the timeout and fail the test.
        r = subprocess.run([ENTRATOOL, *args], input="s3cret\n", env=self.sb.env(env), capture_output=True,
                           text=True, timeout=10)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("the secret store 'secret-service' (chosen by ENTRATOOL_KEYSTORE) cannot be used: there is no "
                      "D-Bus session bus", r.stderr)
        self.assertIn("other installed stores: encrypted-file", r.stderr)
        # Never a silent fallback to another store.
        self.assertFalse(os.path.exists(os.path.join(self.sb.config_dir, "keystore-encrypted-file")))
        rc, out, _ = self.run_tool(["config", "list", "-o", "json"])
        self.assertEqual(json.loads(out), [])

    def test_a_bus_without_a_secret_service_fails_at_once_and_names_the_cause(self):
        conf = os.path.join(self.sb.home, "bare-bus.conf")
        with open(conf, "w") as f:
            f.write(BARE_BUS_CONFIG)
        env = self.sb.env(SECRET_SERVICE)
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        r = subprocess.run(["dbus-run-session", "--config-file=" + conf, "--", ENTRATOOL, *self.profile_args("app")],
                           env=env, capture_output=True, text=True, timeout=10, input="s3cret\n")
        err = without_bus_noise(r.stderr)
        self.assertEqual(r.returncode, 1, err)
        self.assertIn("there is no Secret Service on the D-Bus session bus (nothing provides org.freedesktop.secrets)",
                      err)

    def test_a_locked_keyring_gets_the_unlock_hint(self):
        lock = ("dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets "
                "org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login")
        script = ('printf "%%s\\n" "$SECRET" | "$ENTRATOOL_BIN" %s >/dev/null || exit 77; %s >/dev/null || exit 78; '
                  'exec "$ENTRATOOL_BIN" get-token -p app' % (" ".join("'%s'" % a for a in self.profile_args("app")),
                                                              lock))
        rc, err = self.in_fresh_keyring(script, dict(SECRET_SERVICE, SECRET=self.idp.simple.secret))
        self.assertEqual(rc, 1, err)
        self.assertIn("the Secret Service keyring 'Login' is locked; unlock it", err)
        self.assertIn("gnome-keyring-daemon --unlock", err)
        self.assertEqual(self.idp.count(), 0)


class KeyInTheOsStore(SecretServiceCase):
    def store_dir(self):
        return os.path.join(self.sb.config_dir, "keystore-encrypted-file")

    def setUp(self):
        super().setUp()
        self.write_config({"keystore_settings": {"key_source": "os-store"}})

    def key_name(self):
        with open(os.path.join(self.store_dir(), "store.json")) as f:
            settings = json.load(f)
        self.assertEqual(settings["mode"], "os-store")
        return "platform-secret/encrypted-file/data-key/" + settings["key_id"]

    def test_create_get_cached_get_delete(self):
        self.create_profile("app")
        self.assertFalse(os.path.exists(os.path.join(self.store_dir(), "key")), os.listdir(self.store_dir()))
        self.assertEqual(len([f for f in os.listdir(self.store_dir()) if f.endswith(".sec")]), 1)
        self.assertEqual(our_item_names(), [self.key_name()])
        self.assertTrue(lookup(self.key_name()).startswith("entratool-data-key-v1:"))
        out, _ = self.ok(["get-token", "-p", "app"])
        self.assertEqual(self.idp.count(), 1)
        out2, err2 = self.ok(["get-token", "-p", "app"])
        self.assertEqual(out2, out)
        self.assertIn("cached token", err2)
        self.assertEqual(self.idp.count(), 1)
        self.assert_secret_in_no_file(self.idp.simple.secret)
        show, _ = self.ok(["config", "show", "-p", "app"])
        self.assertIn("data key '%s' in the Secret Service" % self.key_name()[len("platform-secret/"):], show)
        self.ok(["config", "delete", "-p", "app", "--yes"])
        self.assertEqual([f for f in os.listdir(self.store_dir()) if f.endswith(".sec")], [])

    def test_the_folder_alone_cannot_be_read(self):
        self.create_profile("app")
        name = self.key_name()
        secret_tool("clear", "application", "entratool", "name", name)
        rc, out, err = self.run_tool(["get-token", "-p", "app"])
        self.assertEqual(rc, 1, err)
        self.assertEqual(out, "")
        self.assertIn("the data key of the secret store at %s ('%s') is not in the Secret Service"
                      % (self.store_dir(), name[len("platform-secret/"):]), err)
        self.assertEqual(self.idp.count(), 0)

    def test_a_damaged_key_is_reported_by_name_and_left_untouched(self):
        self.create_profile("app")
        name = self.key_name()
        secret_tool("clear", "application", "entratool", "name", name)
        secret_tool("store", "--label", "damaged", "application", "entratool", "name", name, input="not a key")
        rc, _, err = self.run_tool(["get-token", "-p", "app"])
        self.assertEqual(rc, 1, err)
        self.assertIn("('%s' in the Secret Service" % name[len("platform-secret/"):], err)
        self.assertIn("is damaged; it was left untouched", err)
        self.assertEqual(lookup(name), "not a key")

    def test_a_locked_keyring_gets_the_unlock_hint(self):
        lock = ("dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets "
                "org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login")
        script = ('printf "%%s\\n" "$SECRET" | "$ENTRATOOL_BIN" %s >/dev/null || exit 77; %s >/dev/null || exit 78; '
                  'exec "$ENTRATOOL_BIN" get-token -p app' % (" ".join("'%s'" % a for a in self.profile_args("app")),
                                                              lock))
        rc, err = self.in_fresh_keyring(script, {"SECRET": self.idp.simple.secret})
        self.assertEqual(rc, 1, err)
        self.assertIn("is locked; unlock it", err)
        self.assertEqual(self.idp.count(), 0)


class Migrate(SecretServiceCase):
    def sec_files(self):
        d = os.path.join(self.sb.config_dir, "keystore-encrypted-file")
        return sorted(f for f in os.listdir(d) if f.endswith(".sec")) if os.path.isdir(d) else []

    def test_round_trip_moves_secrets_and_cached_tokens(self):
        self.create_profile("one")
        self.create_profile("two", client=self.idp.secret)
        token, _ = self.ok(["get-token", "-p", "one", "-q"])
        self.assertEqual(self.idp.count(), 1)
        files = len(self.sec_files())
        self.assertGreaterEqual(files, 3)
        _, err = self.ok(["config", "store", "migrate", "--to", "secret-service"])
        self.assertIn("Moved %d secret(s) and cached token(s) from 'encrypted-file' to 'secret-service'" % files, err)
        doc, mode = self.config_json()
        self.assertEqual(doc["secret_store"], "secret-service")
        self.assertNotIn("secret_store_previous", doc)
        self.assertEqual(mode, 0o600)
        self.assertEqual(self.sec_files(), [])
        self.assertEqual(lookup("profile/two/client-secret"), self.idp.secret.secret)
        self.assertEqual(len(our_item_names()), files)
        out, _ = self.ok(["config", "store"])
        self.assertIn('chosen by "secret_store" in', out)
        # The cached token moved too: no provider call.
        again, err = self.ok(["get-token", "-p", "one", "-q"])
        self.assertEqual(again, token)
        self.assertEqual(self.idp.count(), 1)
        # And back.
        self.ok(["config", "store", "migrate", "--to", "encrypted-file"])
        self.assertEqual(our_item_names(), [])
        self.assertEqual(len(self.sec_files()), files)
        self.assertEqual(self.config_json()[0]["secret_store"], "encrypted-file")
        again, _ = self.ok(["get-token", "-p", "one", "-q"])
        self.assertEqual(again, token)
        self.assertEqual(self.idp.count(), 1)
        _, err = self.ok(["config", "store", "migrate", "--to", "encrypted-file"])
        self.assertIn("already 'encrypted-file'", err)

    def test_migrate_to_an_unavailable_store_changes_nothing(self):
        self.create_profile("one")
        before = self.sec_files()
        rc, _, err = self.run_tool(["config", "store", "migrate", "--to", "secret-service"],
                                   env={"DBUS_SESSION_BUS_ADDRESS": ""})
        self.assertEqual(rc, 1)
        self.assertIn("cannot migrate to the secret store 'secret-service': there is no D-Bus session bus", err)
        self.assertIn("(nothing was changed)", err)
        self.assertEqual(self.sec_files(), before)
        self.assertFalse(os.path.exists(os.path.join(self.sb.config_dir, "config.json")))

    def migrate_killed_after(self, marker, count):
        """Starts migrate --to secret-service and SIGKILLs it after `count` stderr lines with `marker`."""
        p = subprocess.Popen([ENTRATOOL, "--verbose", "config", "store", "migrate", "--to", "secret-service"],
                             env=self.sb.env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        seen = 0
        try:
            for line in p.stderr:
                if line.startswith(marker):
                    seen += 1
                    if seen == count:
                        p.send_signal(signal.SIGKILL)
                        break
        finally:
            p.stderr.close()
            p.wait(timeout=TIMEOUT)
        self.assertEqual(seen, count, "migrate ended before the point to kill it")
        self.assertEqual(p.returncode, -signal.SIGKILL, "migrate finished before it was killed")

    def make_profiles(self, n):
        for i in range(n):
            self.ok(self.profile_args("p%02d" % i), input="secret-%02d\n" % i)
        return ["profile/p%02d/client-secret" % i for i in range(n)]

    def assert_every_secret_is_readable(self, names):
        """The store config.json names holds every secret (and entratool reads them from it)."""
        doc = self.config_json()[0] if os.path.exists(os.path.join(self.sb.config_dir, "config.json")) else {}
        if doc.get("secret_store", "encrypted-file") == "secret-service":
            self.assertEqual(our_item_names(), sorted(names))
        else:
            self.assertEqual(len(self.sec_files()), len(names))
        for i in (0, len(names) // 2, len(names) - 1):
            out, _ = self.ok(["config", "show", "-p", "p%02d" % i])
            self.assertIn("Client secret:        stored in", out)

    def test_killed_while_copying_loses_nothing_and_a_rerun_finishes(self):
        names = self.make_profiles(20)
        self.migrate_killed_after("migrate: copied ", 7)
        self.assertFalse(os.path.exists(os.path.join(self.sb.config_dir, "config.json")))
        self.assertEqual(len(self.sec_files()), 20, "the old store lost something")
        self.assertLess(len(our_item_names()), 20)
        self.assert_every_secret_is_readable(names)
        _, err = self.ok(["config", "store", "migrate", "--to", "secret-service"])
        self.assertIn("Moved 20 secret(s)", err)
        self.assertEqual(self.config_json()[0]["secret_store"], "secret-service")
        self.assertEqual(self.sec_files(), [])
        self.assert_every_secret_is_readable(names)

    def test_killed_while_removing_old_copies_loses_nothing_and_a_rerun_finishes(self):
        names = self.make_profiles(20)
        self.migrate_killed_after("migrate: removed ", 7)
        doc, _ = self.config_json()
        self.assertEqual((doc["secret_store"], doc["secret_store_previous"]), ("secret-service", "encrypted-file"))
        self.assertLess(len(self.sec_files()), 20)
        self.assertGreater(len(self.sec_files()), 0)
        self.assert_every_secret_is_readable(names)
        out, _ = self.ok(["config", "store"])
        self.assertIn("old copies in 'encrypted-file' remain", out)
        _, err = self.ok(["config", "store", "migrate", "--to", "secret-service"])
        self.assertIn("Finished the migration from 'encrypted-file'", err)
        self.assertEqual(self.sec_files(), [])
        self.assertNotIn("secret_store_previous", self.config_json()[0])
        self.assert_every_secret_is_readable(names)

    def test_an_unfinished_migration_must_be_finished_before_another(self):
        self.write_config({"secret_store": "secret-service", "secret_store_previous": "encrypted-file"})
        rc, _, err = self.run_tool(["config", "store", "migrate", "--to", "keychain"])
        self.assertEqual(rc, 1)
        self.assertIn("an earlier migration from 'encrypted-file' to 'secret-service' is unfinished; run 'entratool "
                      "config store migrate --to secret-service' first", err)
        self.assertEqual(self.config_json()[0]["secret_store_previous"], "encrypted-file")


if __name__ == "__main__":
    unittest.main()
