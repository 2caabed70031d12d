#!/usr/bin/env bash
# Installs what building and testing entratool needs on Debian 12, only when missing.
#   scripts/install-deps.sh          build dependencies
#   scripts/install-deps.sh --test   plus the test identity provider, browser and fuzzing tools
#   scripts/install-deps.sh --bench  plus what bench/ compares with (curl, python3-msal, msal-node)
set -euo pipefail
cd "$(dirname "$0")/.."

# lld: links the executable and the cached-path plugins with their cached path's functions laid out
# together (cmake/CachedPathOrder.cmake).
want=(build-essential cmake ninja-build pkg-config libboost-dev doctest-dev libssl-dev openssl
  libsodium-dev libkeyutils-dev libsecret-1-dev lld)
if [[ "${1:-}" == "--test" ]]; then
  # keyutils: `keyctl session` gives the keystore tests a keyring of their own; valgrind: bench/.
  want+=(python3 python3-yaml nodejs npm chromium clang clang-format clang-tidy libclang-rt-14-dev libc++-dev libc++abi-dev curl
    keyutils valgrind)
  # The secret-service store's tests: a private session bus with GNOME Keyring, and secret-tool.
  want+=(dbus dbus-bin gnome-keyring libsecret-tools)
  # Completions (zsh, fish), the .deb and the man page checks.
  want+=(zsh fish dpkg-dev file man-db groff-base)
  # The DPAPI store (Windows) is cross-built with mingw-w64 and tested under Wine (tests/dpapi).
  want+=(g++-mingw-w64-x86-64-posix wine64)
fi
# What bench/peers.sh compares with; no test needs it. (The bench also starts the test provider.)
if [[ "${1:-}" == "--bench" ]]; then
  want+=(python3 python3-yaml nodejs npm curl valgrind python3-msal)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs/npm may come from elsewhere (a newer Node on the image): a working node is enough.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -ra missing <<<"${missing[*]}"
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ "${1:-}" == "--test" || "${1:-}" == "--bench" ]] && [[ -f tests/provider/package-lock.json ]]; then
  if [[ ! -d tests/provider/node_modules ]] || [[ tests/provider/package-lock.json -nt tests/provider/node_modules ]]; then
    echo "install-deps: installing the test identity provider (npm ci)" >&2
    (cd tests/provider && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
fi

# playwright-core drives Debian's chromium in the browser sign-in tests (tests/browser); it
# downloads no browser of its own.
if [[ "${1:-}" == "--test" && -f tests/browser/package-lock.json ]]; then
  if [[ ! -d tests/browser/node_modules ]] || [[ tests/browser/package-lock.json -nt tests/browser/node_modules ]]; then
    echo "install-deps: installing the test browser driver (npm ci in tests/browser)" >&2
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
fi

# @azure/msal-node, pinned with its lock file, for bench/peers.sh.
if [[ "${1:-}" == "--bench" && -f bench/peers/package-lock.json ]]; then
  if [[ ! -d bench/peers/node_modules ]] || [[ bench/peers/package-lock.json -nt bench/peers/node_modules ]]; then
    echo "install-deps: installing the bench peers (npm ci in bench/peers)" >&2
    (cd bench/peers && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
fi
