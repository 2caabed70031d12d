"""Secret canary mode for the integration suite (issue 14 item 14).

When ENTRATOOL_TEST_CANARY_DIR names a folder, the fixtures use canary secrets (provider.py and
cloud_fakes.py take theirs from `value()`), and ENTRATOOL_BIN is tests/support/canary_exec.py,
which runs the real entratool and records into that folder, for every run:

  runs/<id>/argv.json   the command line
  runs/<id>/stdout      what entratool wrote to stdout and stderr (unless a terminal)
  runs/<id>/stderr
  runs/<id>/files/...   every file the run created or changed under the run's HOME, XDG and
                        config folders, its working folder and the folders of paths it was given
                        (the secret store's encrypted *.sec files excepted)
  children/<id>.json    the environment and argv of every $BROWSER entratool started
  canaries.jsonl        the secrets each run was given (by environment variable, option value,
                        stdin of a *-stdin option, the federated token file) and every federated
                        token the test provider minted

tests/integration/test_secret_canary.py runs the integration suite in this mode and then
`scan()`s the folder for every canary, in plain, base64 (any alignment, standard and url-safe),
url-encoded and hex form. Standard library only.
"""

import base64
import binascii
import json
import os
import urllib.parse

ENV = "ENTRATOOL_TEST_CANARY_DIR"

# The fixtures' secrets in canary mode. Each keeps what the tests rely on in the normal value
# (TRICKY_SECRET's '%', '+', ':' and spaces) behind a prefix nothing else contains.
CANARIES = {
    "client_secret": "cnry1-cs p%40ss+word:with spaces%",
    "simple_secret": "cnry2-simple-secret-value",
    "webapp_secret": "cnry3-webapp-secret value+%",
    "key_password": "cnry4-key pass:w%rd",
    "pfx_password": "cnry5-pfx pass+w%rd",
    "github_request_token": "cnry6-gh-request-token-7f3a9c",
    "pipelines_token": "cnry7-ado-system-access-token-4b2e",
    "identity_header": "cnry8-app-service-identity-header-91d0",
}

# Environment variables whose value entratool reads as a secret (harvested from every run).
SECRET_VARIABLES = (
    "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_PASSWORD",
    "ENTRATOOL_KEYSTORE_PASSPHRASE", "ENTRATOOL_EXPORT_PASSPHRASE",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "SYSTEM_ACCESSTOKEN", "IDENTITY_HEADER", "MSI_SECRET",
)
# Options whose value is a secret, and the *-stdin options whose input is one.
SECRET_OPTIONS = ("--client-secret", "--certificate-password", "--password")
# Shorter values are too common to be told apart from ordinary text ("short" passphrase tests).
MIN_LENGTH = 8


def directory():
    return os.environ.get(ENV) or None


def active():
    return directory() is not None


def value(kind, normal):
    """The canary for `kind` in canary mode, else `normal`."""
    return CANARIES[kind] if active() else normal


def record(kind, secret, folder=None):
    """Adds a secret found at run time (a minted token, a value a test passed) to the canaries."""
    folder = folder or directory()
    if not folder or not secret or len(secret) < MIN_LENGTH:
        return
    line = json.dumps({"kind": kind, "value": secret}) + "\n"
    # One write of a short line with O_APPEND: safe between concurrent runs.
    fd = os.open(os.path.join(folder, "canaries.jsonl"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def harvested(folder):
    """[(kind, value)] of everything record()ed into `folder`, in order."""
    path = os.path.join(folder, "canaries.jsonl")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [(e["kind"], e["value"]) for e in (json.loads(line) for line in f if line.strip())]


def recorded(folder):
    """{value: kind} of the fixed canaries and everything record()ed into `folder`."""
    out = {v: k for k, v in CANARIES.items()}
    for kind, secret in harvested(folder):
        out.setdefault(secret, kind)
    return out


def _base64_forms(raw):
    """What base64 of `raw` looks like inside a longer base64 text, at each of the three
    alignments: the characters whose six bits all come from `raw`."""
    forms = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)
        start = (shift * 8 + 5) // 6          # first character past the prefix's bits
        end = (8 * (shift + len(raw))) // 6   # last character before what follows `raw`
        body = encoded[start:end]
        if len(body) >= 8:
            forms.add(body)
            forms.add(body.replace(b"+", b"-").replace(b"/", b"_"))
    return forms


def forms(secret):
    """Byte strings that give `secret` away: plain, url-encoded, base64 (of it and of its
    url-encoded forms), hex."""
    raw = secret.encode("utf-8")
    out = {raw}
    for quoted in (urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret), urllib.parse.quote(secret)):
        out.add(quoted.encode())
        out.add(quoted.lower().encode())
        out |= _base64_forms(quoted.encode())  # HTTP Basic: base64 of the form-encoded secret
    out |= _base64_forms(raw)
    out.add(binascii.hexlify(raw))
    out.add(binascii.hexlify(raw).upper())
    return out


def scan_bytes(data, needles):
    """[(kind, form)] of every needle (from needles_for) in `data`."""
    return [(kind, form) for form, kind in needles.items() if form in data]


def needles_for(secrets):
    """{form bytes: kind} for {value: kind}."""
    out = {}
    for secret, kind in secrets.items():
        for form in forms(secret):
            out.setdefault(form, kind)
    return out


def scan(folder):
    """Every place in the recordings of `folder` that holds a canary: [(where, kind, form)]."""
    needles = needles_for(recorded(folder))
    findings = []
    for sub in ("runs", "children"):
        root = os.path.join(folder, sub)
        for dirpath, _, files in os.walk(root):
            for name in files:
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, folder)
                # What the test gave entratool (its command line and secret input), not what
                # entratool wrote.
                if sub == "runs" and len(rel.split(os.sep)) == 3 and name in ("argv.json", "stdin"):
                    continue
                with open(path, "rb") as f:
                    data = f.read()
                for kind, form in scan_bytes(data, needles):
                    findings.append((rel, kind, form.decode("latin-1")))
    return findings
