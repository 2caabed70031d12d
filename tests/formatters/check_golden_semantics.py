#!/usr/bin/env python3
"""Guards what the golden files mean, not just what they say: real readers (PyYAML, which uses the
strict YAML 1.1 resolver, and Python's json) must read the formatted output back as exactly the
input data, types and member order included. Also guards what a cached `-o json`/`-o yaml` loads:
the json and yaml plugins link no third-party library (they did: Poco JSON and yaml-cpp, whose
load cost more than the rest of the call), and the entratool executable neither."""
import datetime
import json
import os
import subprocess
import sys

import yaml

GOLDEN = os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "golden")
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def read(name):
    with open(os.path.join(GOLDEN, name), encoding="utf-8") as f:
        return f.read()


def ordered(value):
    """Canonical form that keeps object member order and the int/float/bool distinction."""
    if isinstance(value, dict):
        return [("{}", k, ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [("[]", ordered(v)) for v in value]
    return (type(value).__name__, value)


document = json.loads(read("document-input.json"))
check(ordered(yaml.safe_load(read("document.yaml"))) == ordered(document),
      "document.yaml does not load (PyYAML) as the input document")
check(ordered(json.loads(read("document.json"))) == ordered(document),
      "document.json does not load as the input document")
for raw in ("123456789012345678901234567890", "-9223372036854775809", "1.5e3", "-2.5E-7",
            "3.141592653589793238462643383279"):
    check(raw in read("document.json"), f"document.json lost the number text {raw}")

fields = ["token_type", "scope", "expires_in", "access_token", "refresh_token", "expires_at"]
for suffix, names in (("", fields), ("-no-refresh", [f for f in fields if f != "refresh_token"])):
    as_json = json.loads(read(f"token{suffix}.json"))
    as_yaml = yaml.safe_load(read(f"token{suffix}.yaml"))
    check(list(as_json) == names, f"token{suffix}.json fields {list(as_json)}")
    check(list(as_yaml) == names, f"token{suffix}.yaml fields {list(as_yaml)}")
    check(as_json["expires_in"] == 3599 and as_yaml["expires_in"] == 3599, f"token{suffix}: expires_in")
    check(as_json["expires_at"] == "2025-12-28T15:30:00Z", f"token{suffix}.json: expires_at")
    # YAML has a timestamp type, and the reference page writes expires_at as one (unquoted).
    check(as_yaml["expires_at"] == datetime.datetime(2025, 12, 28, 15, 30, tzinfo=datetime.timezone.utc),
          f"token{suffix}.yaml: expires_at is {as_yaml['expires_at']!r}")
    for name in names:
        if name not in ("expires_in", "expires_at"):
            check(as_json[name] == as_yaml[name], f"token{suffix}: {name} differs between json and yaml")
check(read("token.txt") == json.loads(read("token.json"))["access_token"] + "\n", "token.txt")


def needed(path):
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=True).stdout
    return [line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]


plugins = os.environ["ENTRATOOL_PLUGIN_DIR"]
host = needed(os.environ["ENTRATOOL_BIN"])
check(not any("Poco" in lib or "yaml-cpp" in lib for lib in host), f"entratool links {host}")
check(not any("Poco" in lib or "yaml-cpp" in lib for lib in needed(f"{plugins}/entratool-json.so")),
      "the json plugin links a third-party library")
check(not any("Poco" in lib or "yaml-cpp" in lib for lib in needed(f"{plugins}/entratool-yaml.so")),
      "the yaml plugin links a third-party library")
check(not any("Poco" in lib or "yaml-cpp" in lib for lib in needed(f"{plugins}/entratool-token.so")),
      "the token plugin links a third-party library")

for failure in failures:
    print("FAIL:", failure, file=sys.stderr)
sys.exit(1 if failures else 0)
