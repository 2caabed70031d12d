#!/bin/sh
# Runs a command inside a private D-Bus session bus with GNOME Keyring's Secret Service, as a
# headless desktop would have it (tests of the secret-service store and of the encrypted-file
# store's os-store key source):
#
#   tests/support/with_secret_service.sh [--home DIR] -- COMMAND [ARGS...]
#
# HOME and XDG_* point into DIR (a fresh temporary folder, removed afterwards, unless --home is
# given), so the keyring file is the test's own. The "login" keyring is created and unlocked with
# the password in $ENTRATOOL_TEST_KEYRING_PASSWORD (default "test-keyring-password"), which is
# also exported to COMMAND. The exit status is COMMAND's; 90 when the bus or keyring cannot start.
set -eu

if [ "${1:-}" != "--inside-session" ]; then
  home=""
  if [ "${1:-}" = "--home" ]; then
    home=$2
    shift 2
  fi
  [ "${1:-}" = "--" ] && shift
  if [ $# -eq 0 ]; then
    echo "usage: $0 [--home DIR] -- COMMAND [ARGS...]" >&2
    exit 2
  fi
  for tool in dbus-run-session gnome-keyring-daemon dbus-send; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "with_secret_service: '$tool' is missing; run scripts/install-deps.sh --test (dbus, gnome-keyring)" >&2
      exit 90
    fi
  done
  own_home=""
  if [ -z "$home" ]; then
    home=$(mktemp -d "${TMPDIR:-/tmp}/entratool-keyring-XXXXXX")
    own_home=$home
  fi
  mkdir -p "$home"
  # The runtime folder (gnome-keyring's control socket) is always the session's own, so nested
  # sessions over the same --home do not meet.
  runtime=$(mktemp -d "${TMPDIR:-/tmp}/entratool-runtime-XXXXXX")
  chmod 700 "$runtime"
  status=0
  HOME=$home XDG_RUNTIME_DIR=$runtime XDG_DATA_HOME=$home/.local/share XDG_CONFIG_HOME=$home/.config \
    XDG_CACHE_HOME=$home/.cache DBUS_SESSION_BUS_ADDRESS= DISPLAY= WAYLAND_DISPLAY= \
    dbus-run-session -- "$0" --inside-session "$@" || status=$?
  rm -rf "$runtime"
  [ -n "$own_home" ] && rm -rf "$own_home"
  exit $status
fi
shift

: "${ENTRATOOL_TEST_KEYRING_PASSWORD:=test-keyring-password}"
export ENTRATOOL_TEST_KEYRING_PASSWORD
log=$XDG_RUNTIME_DIR/gnome-keyring.log
# The password goes through a pipe, never a command line.
printf %s "$ENTRATOOL_TEST_KEYRING_PASSWORD" |
  gnome-keyring-daemon --foreground --unlock --components=secrets >"$log" 2>&1 &
daemon=$!
trap 'kill $daemon 2>/dev/null || true; wait $daemon 2>/dev/null || true' EXIT

# Ready when the daemon owns org.freedesktop.secrets and the login keyring exists (bounded: 10 s).
ready=""
i=0
while [ $i -lt 200 ]; do
  # NameHasOwner first: asking org.freedesktop.secrets itself before our daemon owns it would
  # make the bus start a second keyring daemon (D-Bus activation).
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
    string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" &&
    dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets/aliases/default \
      org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection string:Locked 2>/dev/null |
    grep -q "boolean false"; then
    ready=1
    break
  fi
  if ! kill -0 $daemon 2>/dev/null; then break; fi
  sleep 0.05
  i=$((i + 1))
done
if [ -z "$ready" ]; then
  echo "with_secret_service: gnome-keyring did not provide an unlocked login keyring within 10 s:" >&2
  cat "$log" >&2
  exit 90
fi

status=0
"$@" || status=$?
exit $status
