#!/usr/bin/env bash
# Builds skiff-dns, cluster DNS alone compiled ahead of time (NativeAOT), into .skiff/dns/skiff-dns; prints its
# path. Rebuilds only when a source it is made of is newer than the binary. Needs clang (scripts/prereqs.sh).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$repo/.skiff/dns
bin=$out/skiff-dns
if [[ ! -x $bin ]] || [[ -n $(find "$repo/src/Skiff.Dns" "$repo/src/Skiff.Networking" "$repo/src/Skiff.Client" "$repo/src/Skiff.Api" \
      "$repo/Directory.Build.props" "$repo/Directory.Packages.props" -newer "$bin" -type f \
      \( -name '*.cs' -o -name '*.csproj' -o -name '*.xml' -o -name '*.props' \) -not -path '*/obj/*' -not -path '*/bin/*' -print -quit) ]]; then
  echo "skiff: building skiff-dns (native code: a few minutes)..." >&2
  # The native compiler does not see ILLink.Substitutions.xml as an input: start its step afresh.
  rm -rf "$repo/src/Skiff.Dns/obj/Release/net10.0/linux-x64/native"
  dotnet publish "$repo/src/Skiff.Dns/Skiff.Dns.csproj" -c Release -o "$out" -nologo -v q >&2
  touch "$bin"
fi
echo "$bin"
