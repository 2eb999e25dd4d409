#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks for Skiff: the container runtime (containerd, runc, the CNI
# plugins), etcd (for the etcd backend and its tests), busybox and a C compiler (the local images are built
# from host packages), and the tools the tests drive (python3 gives them a pseudo-terminal). Idempotent; needs root.
set -euo pipefail

packages=(containerd runc containernetworking-plugins etcd-server etcd-client busybox-static
          iptables iproute2 gcc libc6-dev jq curl ca-certificates python3
          skopeo nftables docker-registry)  # skopeo, docker-registry: the image tests; nftables: the service proxy
packages+=(bind9-dnsutils)  # dig: the cluster DNS tests query it with a real resolver
packages+=(clang zlib1g-dev)  # skiff-dns is compiled ahead of time (NativeAOT links with clang)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) != 0 ]]; then
    echo "skiff: missing packages: ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "skiff: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The image builder downloads Debian's nginx package (apt-get download); that needs package lists.
if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null && [[ $(id -u) == 0 ]]; then
  apt-get update -qq
fi

command -v dotnet >/dev/null || { echo "skiff: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
