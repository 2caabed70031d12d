"""Guards SDK 2.0's rule that the host learns about flows only from their manifests: no string
literal in host/ names an in-tree flow plugin (its id or a declared alias). A flow's default,
aliases, refresh behaviour, client authentication and requirements come from its components.json;
if this test fails, the host has started to know a flow by name again."""

import glob
import json
import os
import re
import unittest

SOURCE = os.environ["ENTRATOOL_SOURCE_DIR"]
# Names that are also ordinary words of the host: "refresh" is a command (`entratool refresh`),
# "interactive" a manifest declaration. The refresh flow is found through "refresh_tokens":
# "redeems" and the alias through the registry (tests/unit/plugin_registry.cpp covers both).
# "managed-identity" (any spelling) is also a profile's auth method (`auth_method`,
# `--managed-identity`): the host finds that flow through its "default_for": ["managed-identity"],
# never by its id; tests/unit/token_cache_plan.cpp and test_managed_identity.py cover it.
AMBIGUOUS = {"refresh", "interactive", "managed-identity", "ManagedIdentity"}

STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def flow_names():
    names = set()
    for path in glob.glob(os.path.join(SOURCE, "flows", "*", "components.json")):
        with open(path) as f:
            for component in json.load(f):
                if component.get("kind") != "flow":
                    continue
                names.add(component["id"])
                names.update(component.get("flow", {}).get("aliases", []))
    return names - AMBIGUOUS


def literals(path):
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            # Drop a trailing // comment unless the // sits inside a string literal.
            stripped = STRING.sub(lambda m: "\0" * len(m.group(0)), line)
            cut = stripped.find("//")
            code = line if cut < 0 else line[:cut]
            for m in STRING.finditer(code):
                yield number, m.group(0)


class HostNamesNoFlow(unittest.TestCase):
    def test_the_in_tree_flows_are_found(self):
        names = flow_names()
        self.assertIn("client-credentials", names)
        self.assertIn("authcode", names)  # an alias
        self.assertGreaterEqual(len(names), 5)

    def test_no_host_string_literal_names_a_flow(self):
        names = flow_names()
        pattern = re.compile(r"(?<![A-Za-z0-9_-])(%s)(?![A-Za-z0-9_-])" % "|".join(map(re.escape, sorted(names))),
                             re.IGNORECASE)
        found = []
        for path in glob.glob(os.path.join(SOURCE, "host", "**", "*.[ch]*"), recursive=True):
            for number, text in literals(path):
                if pattern.search(text):
                    found.append("%s:%d: %s" % (os.path.relpath(path, SOURCE), number, text))
        self.assertEqual(found, [], "the host names flows; declare it in the flow's manifest instead")


if __name__ == "__main__":
    unittest.main(verbosity=2)
