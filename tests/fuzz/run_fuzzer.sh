#!/usr/bin/env bash
# Builds a libFuzzer target with clang++ (ASan + UBSan) and runs it for a bounded time over its
# committed seed corpus. Fails on any crash, sanitizer report, timeout or leak.
#   run_fuzzer.sh SOURCE_DIR WORK_DIR [SECONDS [TARGET]]
# TARGET: jwt (default), json, token_response, time, profiles, manifest, export, device_code,
# loopback_request, proxy_rules, store. A long run outside the suite:
#   run_fuzzer.sh . /tmp/fz-json 3600 json
# Exit 77 (ctest: skipped) when clang++ or its fuzzer runtime is not installed.
set -euo pipefail
src=$1 work=$2 seconds=${3:-30} target=${4:-jwt}
here="$src/tests/fuzz"
support=("$src/sdk/support/src/json.cpp" "$src/sdk/support/src/encoding.cpp")
dict=() includes=(-I"$src/host" -I"$src/sdk/include") libs=()
case "$target" in
  jwt) sources=("$here/fuzz_jwt.cpp" "$src/host/core/jwt.cpp" "${support[@]}"); seeds=("$here/corpus")
       dict=(-dict="$here/jwt.dict") ;;
  json) sources=("$here/fuzz_json.cpp" "${support[@]}"); seeds=("$here/corpus-json" "$here/corpus-json-suite") ;;
  token_response) sources=("$here/fuzz_token_response.cpp" "$src/host/services/token_endpoint.cpp" "$src/host/core/acquisition.cpp" "${support[@]}") ;;
  time) sources=("$here/fuzz_time.cpp" "$src/host/services/token_endpoint.cpp" "$src/host/core/acquisition.cpp" "${support[@]}") ;;
  profiles) sources=("$here/fuzz_profiles.cpp" "$src/host/core/profiles.cpp" "$src/sdk/support/src/files.cpp"
                     "${support[@]}") ;;
  manifest) sources=("$here/fuzz_manifest.cpp" "$src/host/plugins/manifest.cpp" "${support[@]}") ;;
  export) sources=("$here/fuzz_export.cpp" "$src/host/cli/export_crypto.cpp" "$src/host/core/paths.cpp" "$src/host/core/module_path.cpp"
                  "$src/host/core/crypto_module.cpp" "$src/host/core/host_module.cpp" "$src/host/plugins/trust.cpp"
                  "$src/host/plugins/library_file.cpp" "${support[@]}")
          includes+=(-DBOOST_DLL_USE_STD_FS -DENTRATOOL_VERSION='"fuzz"') libs=(-ldl) ;;
  device_code) sources=("$here/fuzz_device_code.cpp" "$src/flows/device-code/device_authorization.cpp" "${support[@]}")
               includes+=(-I"$src/flows/device-code") ;;
  loopback_request) sources=("$here/fuzz_loopback_request.cpp" "$src/host/services/loopback_listener.cpp" "${support[@]}") ;;
  proxy_rules) sources=("$here/fuzz_proxy_rules.cpp" "$src/host/modules/http/proxy_rules.cpp") ;;
  store)
    # The store's own sources, the shared fakes without the host's services (no -I host), and
    # whichever crypto library the store uses.
    store_dir="$src/keystores/encrypted-file"
    sources=("$here/fuzz_store.cpp" "$store_dir/crypto.cpp" "$store_dir/encrypted_file_store.cpp"
             "$store_dir/key_cache.cpp" "$store_dir/os_key_source.cpp" "$src/sdk/support/src/files.cpp" "$src/sdk/support/src/sha256.cpp" "${support[@]}")
    includes=(-I"$store_dir" -I"$src/tests" -I"$src/sdk/include")
    libs+=(-ldl)
    for lib in libcrypto libsodium; do
      if pkg-config --exists "$lib" 2>/dev/null; then read -ra more <<<"$(pkg-config --libs "$lib")"; libs+=("${more[@]}"); fi
    done
    # The store fsyncs every write: on tmpfs that costs nothing.
    if [[ -d /dev/shm && -w /dev/shm ]]; then export TMPDIR=/dev/shm; fi ;;
  *) echo "run_fuzzer: unknown target '$target'" >&2; exit 2 ;;
esac
[[ -v seeds ]] || seeds=("$here/corpus-$target")

cxx=${ENTRATOOL_FUZZ_CXX:-}
if [[ -z "$cxx" ]]; then
  for candidate in clang++ clang++-14; do
    if command -v "$candidate" >/dev/null; then cxx=$candidate; break; fi
  done
fi
if [[ -z "$cxx" ]]; then
  echo "run_fuzzer: clang++ not found; install it with scripts/install-deps.sh --test" >&2
  exit 77
fi

mkdir -p "$work/corpus" "$work/artifacts"
bin="$work/fuzz_$target"
headers=("$src"/host/*/*.h "$src"/host/modules/*/*.h "$src"/sdk/include/entratool/sdk/*.h "$src"/sdk/include/entratool/support/*.h
         "$src"/keystores/encrypted-file/*.h "$src"/flows/device-code/*.h "$src"/tests/support/fakes.h)
# Rebuild only when a source or header is newer than the binary (the link takes a while).
rebuild=0
[[ -x "$bin" ]] || rebuild=1
for f in "${sources[@]}" "${headers[@]}" "$0"; do [[ "$f" -nt "$bin" ]] && rebuild=1; done
if ((rebuild)); then
  if ! "$cxx" -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined,float-cast-overflow -fno-sanitize-recover=undefined,float-cast-overflow \
      "${includes[@]}" "${sources[@]}" "${libs[@]}" -o "$bin.tmp" 2>"$work/build.log"; then
    if grep -q "libclang_rt.fuzzer\|cannot find.*fuzzer" "$work/build.log"; then
      echo "run_fuzzer: clang's fuzzer runtime is missing (apt-get install libclang-rt-14-dev)" >&2
      exit 77
    fi
    cat "$work/build.log" >&2
    echo "run_fuzzer: building the fuzzer failed" >&2
    exit 1
  fi
  mv "$bin.tmp" "$bin"
fi

# New inputs go to the work corpus (first folder); the committed seeds are only read.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if ! "$bin" "$work/corpus" "${seeds[@]}" "${dict[@]}" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 -artifact_prefix="$work/artifacts/" >"$work/fuzz.log" 2>&1; then
  tail -n 60 "$work/fuzz.log" >&2
  echo "run_fuzzer: the fuzzer found a failure; the input is in $work/artifacts/" >&2
  exit 1
fi
grep -E "^stat::number_of_executed_units|^Done|INFO: Seed:" "$work/fuzz.log" || true
echo "run_fuzzer: no failure in ${seconds}s"
