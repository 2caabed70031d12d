#!/usr/bin/env bash
# Rebuilds the jwt unit tests (tests/unit/jwt_*.cpp) with AddressSanitizer and UBSan, together
# with exactly the sources they test, and runs them. Any sanitizer report fails the test.
#   run_sanitized_tests.sh SOURCE_DIR WORK_DIR [CXX]
set -euo pipefail
src=$1 work=$2 cxx=${3:-g++}
mkdir -p "$work"
bin="$work/jwt_tests"
sources=("$src"/tests/unit/jwt_*.cpp "$src/tests/support/doctest_main.cpp" "$src/host/core/jwt.cpp"
         "$src/sdk/support/src/json.cpp" "$src/sdk/support/src/encoding.cpp")
launcher=()
command -v ccache >/dev/null && launcher=(ccache)
# float-cast-overflow: not part of g++'s "undefined", and huge NumericDates are exactly that risk.
# -O0 -g1: a third of the compile time of -O1 -g on this doctest-heavy code, same checks.
flags=(-std=c++17 -g1 -O0 -fno-omit-frame-pointer -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all
       -I"$src/host" -I"$src/sdk/include")

# One object per source, compiled two at a time (the machine's budget), so ccache helps on reruns.
objects=()
pids=()
for s in "${sources[@]}"; do
  o="$work/$(basename "${s%.cpp}").o"
  objects+=("$o")
  "${launcher[@]}" "$cxx" "${flags[@]}" -c "$s" -o "$o" &
  pids+=($!)
  if ((${#pids[@]} >= 2)); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p"; done
"$cxx" "${flags[@]}" "${objects[@]}" -o "$bin"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$bin"
