#!/usr/bin/env bash
# Cross-builds the DPAPI plugin and its test program with mingw-w64 and runs the test under Wine.
#   run_wine_test.sh <source dir> <build dir for the Windows project>
# Exit 77 (ctest: skipped) only when mingw-w64 or Wine is missing and cannot be installed here.
set -euo pipefail
src=$1
build=$2
packages=(g++-mingw-w64-x86-64-posix wine64)
cxx=x86_64-w64-mingw32-g++-posix
objdump=x86_64-w64-mingw32-objdump

find_wine() {
  # Debian's wine64 package puts the loader in /usr/lib/wine; the `wine` package adds /usr/bin/wine.
  local c
  for c in wine64 /usr/lib/wine/wine64 wine; do
    if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return 0; fi
  done
  return 1
}

if ! command -v "$cxx" >/dev/null 2>&1 || ! find_wine >/dev/null; then
  echo "dpapi_wine: mingw-w64 or Wine is missing; installing ${packages[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo -n)
  if command -v apt-get >/dev/null 2>&1 && "${sudo_cmd[@]}" true 2>/dev/null; then
    "${sudo_cmd[@]}" apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" \
      >/dev/null || true
  fi
  if ! command -v "$cxx" >/dev/null 2>&1 || ! find_wine >/dev/null; then
    echo "SKIPPED: the DPAPI store's Windows test needs ${packages[*]} (Debian), which are not installed" \
      "and could not be installed here; scripts/install-deps.sh --test installs them" >&2
    exit 77
  fi
fi
wine=$(find_wine)
wineserver=$(command -v wineserver 2>/dev/null || echo "$(dirname "$wine")/wineserver")

# ---- build ------------------------------------------------------------------------------------
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$src/tests/dpapi/windows" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_TOOLCHAIN_FILE="$src/cmake/mingw-w64.cmake" "${launcher[@]}" >"$build.configure.log" 2>&1 ||
    { cat "$build.configure.log" >&2; echo "dpapi_wine: configuring the mingw-w64 build failed" >&2; exit 1; }
fi
nice cmake --build "$build" -j2 >"$build.build.log" 2>&1 ||
  { tail -50 "$build.build.log" >&2; echo "dpapi_wine: the mingw-w64 build failed" >&2; exit 1; }
dll=$build/plugins/entratool-dpapi.dll
exe=$build/dpapi_plugin_test.exe

# The static runtime: nothing but Windows' own DLLs may be imported (no libstdc++-6.dll,
# libgcc_s_seh-1.dll or libwinpthread-1.dll that a Windows machine would not have).
for f in "$dll" "$exe"; do
  imports=$("$objdump" -p "$f" | sed -n 's/^[[:space:]]*DLL Name: //p' | tr 'A-Z' 'a-z' | sort -u | tr '\n' ' ')
  for i in $imports; do
    case $i in
      kernel32.dll | crypt32.dll | msvcrt.dll) ;;
      *) echo "dpapi_wine: $(basename "$f") imports $i; it must link the C++ runtime statically (imports: $imports)" >&2; exit 1 ;;
    esac
  done
done
exports=$("$objdump" -p "$dll")
grep -q '\] entratool_plugin_entry$' <<<"$exports" ||
  { echo "dpapi_wine: $(basename "$dll") does not export entratool_plugin_entry" >&2; exit 1; }
[[ -f $build/plugins/dpapi.plugin.json ]] || { echo "dpapi_wine: no manifest beside the DLL" >&2; exit 1; }

# ---- run under Wine: a fresh prefix, headless -------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/entratool-wine.XXXXXX")
cleanup() {
  WINEPREFIX=$tmp/pfx "$wineserver" -k >/dev/null 2>&1 || true
  WINEPREFIX=$tmp/pfx "$wineserver" -w >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
winpath() { local p; p=$(realpath "$1"); echo "Z:${p//\//\\}"; }

set +e
env -i PATH=/usr/bin:/bin HOME="$tmp" WINEPREFIX="$tmp/pfx" WINEDEBUG=-all \
  WINEDLLOVERRIDES='winemenubuilder.exe=d;mscoree,mshtml=' \
  ENTRATOOL_DPAPI_PLUGIN="$(winpath "$dll")" \
  setsid -w "$wine" "$(winpath "$exe")" </dev/null >"$tmp/out.txt" \
  2> >(grep -v -E '^wine: (created the configuration directory|configuration in .* has been updated|failed to open .*rundll32)' >&2)
rc=$?
set -e
cat "$tmp/out.txt"
if ((rc != 0)); then
  echo "dpapi_wine: the test program failed under Wine (exit $rc)" >&2
  exit 1
fi
# Exit 0 alone is not enough: the program must have run its test cases, all of them passing.
if ! grep -q -E 'test cases: +[1-9][0-9]* \| +[1-9][0-9]* passed \| +0 failed' "$tmp/out.txt"; then
  echo "dpapi_wine: Wine exited 0 but the test program did not report its test cases as passed" >&2
  exit 1
fi
