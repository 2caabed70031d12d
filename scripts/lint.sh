#!/usr/bin/env bash
# Lint as CI enforces it (run by ctest as lint.clang_format and lint.clang_tidy):
#   scripts/lint.sh format          every C/C++ source matches .clang-format
#   scripts/lint.sh tidy BUILD_DIR  .clang-tidy's checks (errors) on the product sources of BUILD_DIR's
#                                   compile_commands.json (tests are left out: doctest macros)
# Fix formatting with: scripts/lint.sh fix
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-format}

sources() {
  find host sdk flows formatters keystores examples bench tests \
    \( -name node_modules -o -name build -o -name 'corpus*' \) -prune -o \
    -type f \( -name '*.cpp' -o -name '*.h' -o -name '*.c' \) -print | sort
}

case "$mode" in
  format | fix)
    command -v clang-format >/dev/null || { echo "lint: clang-format is missing (scripts/install-deps.sh --test)" >&2; exit 1; }
    if [[ "$mode" == fix ]]; then sources | xargs clang-format -i; exit 0; fi
    bad=()
    while read -r f; do clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f"); done < <(sources)
    if ((${#bad[@]})); then
      printf 'lint: not formatted: %s\n' "${bad[@]}" >&2
      echo "lint: ${#bad[@]} file(s) differ from .clang-format; run scripts/lint.sh fix" >&2
      exit 1
    fi
    echo "lint: $(sources | wc -l) files formatted"
    ;;
  tidy)
    build=${2:?give the build folder}
    command -v clang-tidy >/dev/null || { echo "lint: clang-tidy is missing (scripts/install-deps.sh --test)" >&2; exit 1; }
    [[ -f "$build/compile_commands.json" ]] || { echo "lint: $build/compile_commands.json is missing" >&2; exit 1; }
    files=$(python3 - "$build/compile_commands.json" "$PWD" <<'PY'
import json, sys
root = sys.argv[2] + "/"
files = {e["file"] for e in json.load(open(sys.argv[1]))}
print("\n".join(sorted(f for f in files if f.startswith(root) and not f.startswith(root + "tests/")
                       and "/build" not in f[len(root):])))
PY
)
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    if ! printf '%s\n' $files | xargs -P2 -n4 clang-tidy -p "$build" --quiet >"$log" 2>&1; then
      grep -E "error:" "$log" | sort -u >&2 || tail -n 40 "$log" >&2
      echo "lint: clang-tidy reports errors (checks in .clang-tidy)" >&2
      exit 1
    fi
    echo "lint: clang-tidy clean on $(printf '%s\n' $files | wc -l) files"
    ;;
  *) echo "usage: scripts/lint.sh format|fix|tidy BUILD_DIR" >&2; exit 2 ;;
esac
