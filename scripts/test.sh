#!/usr/bin/env bash
# Runs the whole test suite: unit, integration (real SQLite, etcd, containerd) and end-to-end (real kubectl).
# Installs missing prerequisites first (as root). Prints one closing line "tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/prereqs.sh || exit 1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! dotnet build Skiff.slnx -c Release -nologo -v q >"$log" 2>&1; then
  grep -E 'error|warning' "$log" | sort -u | head -n 50
  echo "skiff: the build failed" >&2
  exit 1
fi
# skiff-dns (NativeAOT) is a native binary that `dotnet build` does not make; its end-to-end test runs it.
if ! bash scripts/build-skiff-dns.sh >"$log" 2>&1; then
  tail -n 30 "$log"
  echo "skiff: building skiff-dns failed" >&2
  exit 1
fi
dotnet test Skiff.slnx -c Release --no-build -nologo "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# One summary line over every test assembly ("Passed!  - Failed: 0, Passed: 12, Skipped: 0, ...").
# An assembly whose test host could not start ("Test Run Aborted.") counts as aborted, so the line never reads
# green while dotnet test failed.
awk '/^(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1));
         if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     /^Test Run Aborted/ { a++ }
     END { printf "tests: %d passed, %d failed, %d skipped", p, f, s;
           if (a) printf ", %d test assemblies aborted", a; printf "\n" }' "$log"
exit "$rc"
