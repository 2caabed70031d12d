#!/bin/sh
# Runs a test (the arguments) in a session keyring of its own (`keyctl session -`), so that a
# passphrase store a test creates keeps its unlocked key there and never in the developer's keyrings;
# the keyring dies with the test. Where the kernel keyring cannot be used at all (a seccomp filter),
# entratool can keep nothing there either, and the test runs as it is (the keyring tests then fail
# on their own check). Without keyctl (package keyutils) it refuses to run.
if ! command -v keyctl >/dev/null 2>&1; then
  echo "own_keyring.sh: keyctl is missing (package keyutils; scripts/install-deps.sh --test)" >&2
  exit 1
fi
if keyctl session - true >/dev/null 2>&1; then
  exec keyctl session - "$@"
fi
exec "$@"
