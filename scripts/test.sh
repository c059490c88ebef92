#!/usr/bin/env bash
# Builds MiniVmm and runs every test project; ends with one line: "tests: N passed, N failed[, N skipped]".
# Usage: scripts/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Uart]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-prerequisites.sh

results="artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

status=0
dotnet test MiniVmm.sln -c Release --logger "trx" --results-directory "$results" "$@" || status=$?

# Sum the counters of every TRX file (one per test project).
passed=0 failed=0 skipped=0 total=0
shopt -s nullglob
trx_files=("$results"/*.trx)
for trx in "${trx_files[@]}"; do
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
    total=$((total + $(get total)))
    passed=$((passed + $(get passed)))
    failed=$((failed + $(get failed)))
    # xunit's skipped tests are counted in total but not in executed.
    skipped=$((skipped + $(get total) - $(get executed)))
done
if [[ ${#trx_files[@]} -eq 0 ]]; then
    echo "test.sh: no test results were written (the build failed?)" >&2
    status=1
fi
if [[ $status -ne 0 && $failed -eq 0 ]]; then
    failed=1   # a build or runner failure with no failing test still fails the run
fi

line="tests: $passed passed, $failed failed"
[[ $skipped -gt 0 ]] && line="$line, $skipped skipped"
echo "$line"
exit $status
