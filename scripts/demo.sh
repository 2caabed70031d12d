#!/usr/bin/env bash
# The main job on a fresh machine: installs what is missing, builds entratool, starts the project's
# local test identity provider (oidc-provider with Entra's URL layout, on 127.0.0.1) and walks the
# first-token tutorial against it: create a profile, get a token, get it again from the cache,
# print it as JSON, decode it. No Azure tenant needed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
build=${ENTRATOOL_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
exec python3 scripts/demo.py "$build/bin/entratool"
