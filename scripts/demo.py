"""Walks the first-token tutorial (spec 000) against the local test identity provider."""
import os
import shlex
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
os.environ.setdefault("ENTRATOOL_SOURCE_DIR", ROOT)
from provider import Provider  # noqa: E402

entratool = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "bin", "entratool"))


def step(title, args, env, stdin=None, show_stdout=True):
    print(f"\n\033[1m# {title}\033[0m")
    print("$ " + " ".join(["entratool"] + [shlex.quote(a) for a in args]) + (" <<< '…'" if stdin else ""))
    r = subprocess.run([entratool] + args, env=env, input=stdin, capture_output=True, text=True, timeout=120)
    if r.stdout and show_stdout:
        sys.stdout.write(r.stdout)
    if r.stderr:
        sys.stderr.write(r.stderr)
    if r.returncode != 0:
        print(f"(exit {r.returncode})")
        sys.exit(r.returncode)
    return r.stdout


with Provider(https=True) as idp, tempfile.TemporaryDirectory(prefix="entratool-demo-") as home:
    client = idp.clients["simple"]
    env = dict(os.environ, HOME=home, ENTRATOOL_CONFIG_DIR=os.path.join(home, "config"),
               ENTRATOOL_CA_BUNDLE=idp.ca_path)
    env.pop("AZURE_CLIENT_SECRET", None)
    print(f"Local identity provider: {idp.base_url} (tenant '{idp.tenant}', HTTPS with a CA made for this run)")
    step("Create a profile for an app that authenticates with a client secret (read from stdin)",
         ["create-profile", "--name", "demo", "--tenant-id", idp.tenant, "--client-id", client.client_id,
          "--scope", "https://graph.microsoft.com/.default", "--client-secret-stdin",
          "--authority-host", idp.base_url, "--set-default"], env, stdin=client.secret + "\n")
    step("Show it (the secret is in the encrypted store, never in profiles.json)", ["config", "show", "-p", "demo"], env)
    token = step("Get a token, the way a script does", ["get-token", "-p", "demo", "--silent"], env, show_stdout=False)
    print(token[:40] + "…")
    step("Again: served from the cache, no request to the provider", ["get-token", "-p", "demo", "-o", "json"], env)
    print(f"(token requests the provider received: {idp.count('token')})")
    step("Decode the cached token", ["inspect", "-p", "demo"], env)
    step("Summarise it (exit 0 while valid, 1 once expired)", ["discover", "-p", "demo"], env)
    print("\nDone. The same commands work against a real tenant: see README.md.")
