#!/usr/bin/env bash
# The front door. On a fresh Debian 12 machine, as root:
#   ./skiff.sh up      install what is missing, build, start a one-node cluster in the background, wait until
#                      its node is Ready, and point kubectl at it
#   ./skiff.sh down    stop that cluster (its data stays in the data dir)
#   ./skiff.sh test    run the whole test suite
#   ./skiff.sh dns ARGS  cluster DNS alone as a native binary (skiff-dns, built on first use), e.g.
#                      ./skiff.sh dns --kubeconfig F --listen 127.0.0.1:5353
#   ./skiff.sh ARGS    run the skiff binary itself, e.g. ./skiff.sh kubectl get pods
set -euo pipefail
repo=$(cd "$(dirname "$0")" && pwd)
bin=$repo/.skiff/bin/skiff
data_dir=${SKIFF_DATA_DIR:-/var/lib/skiff}

build() {
  # Rebuild when any source is newer than the binary.
  if [[ ! -x $bin ]] || [[ -n $(find "$repo/src" "$repo/Directory.Build.props" "$repo/Directory.Packages.props" \
        -newer "$bin" -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.proto' -o -name '*.props' \) -print -quit) ]]; then
    echo "skiff: building (first use takes a minute)..." >&2
    dotnet publish "$repo/src/Skiff/Skiff.csproj" -c Release -o "$repo/.skiff/bin" -nologo -v q >&2
    touch "$bin"
  fi
}

up() {
  bash "$repo/scripts/prereqs.sh"
  build
  mkdir -p "$data_dir"
  if [[ -f $data_dir/skiff.pid ]] && kill -0 "$(cat "$data_dir/skiff.pid")" 2>/dev/null; then
    echo "skiff: already running (pid $(cat "$data_dir/skiff.pid"))" >&2
  else
    # No registry is reachable from this machine: a present image stands in for imagePullPolicy Always (the
    # untagged nginx of `kubectl run`). SKIFF_OFFLINE=0 pulls as upstream does.
    local offline=()
    [[ ${SKIFF_OFFLINE:-1} == 1 ]] && offline=(--offline-images)
    setsid nohup "$bin" server --data-dir "$data_dir" "${offline[@]}" "$@" >>"$data_dir/skiff.log" 2>&1 < /dev/null &
    echo $! >"$data_dir/skiff.pid"
    echo "skiff: server started (pid $!), log: $data_dir/skiff.log" >&2
  fi
  export KUBECONFIG=$data_dir/kubeconfig.yaml
  local until=$((SECONDS + 300))
  until [[ -f $KUBECONFIG ]] && kubectl get nodes 2>/dev/null | grep -q ' Ready '; do
    if ! kill -0 "$(cat "$data_dir/skiff.pid")" 2>/dev/null; then
      echo "skiff: the server exited; the end of its log:" >&2; tail -n 30 "$data_dir/skiff.log" >&2; exit 1
    fi
    ((SECONDS < until)) || { echo "skiff: no Ready node after 300 s; see $data_dir/skiff.log" >&2; exit 1; }
    sleep 1
  done
  # Like k3s: make plain `kubectl` use the cluster when the user has no kubeconfig of their own.
  if [[ ! -e $HOME/.kube/config ]]; then
    mkdir -p "$HOME/.kube" && ln -s "$KUBECONFIG" "$HOME/.kube/config"
    echo "skiff: linked ~/.kube/config -> $KUBECONFIG" >&2
  fi
  kubectl get nodes
  echo "skiff: ready. kubectl uses $KUBECONFIG (export KUBECONFIG=$KUBECONFIG if ~/.kube/config is another cluster's)" >&2
}

down() {
  if [[ -f $data_dir/skiff.pid ]] && kill -0 "$(cat "$data_dir/skiff.pid")" 2>/dev/null; then
    local pid; pid=$(cat "$data_dir/skiff.pid")
    kill -TERM "$pid"
    # Wait for the process itself to be gone (it stops its kubelet, containerd, API server and store in order, in
    # about a second): a new `up` must not find the old one still holding the ports and the store.
    local deadline=$((SECONDS + ${SKIFF_STOP_TIMEOUT:-60}))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "skiff: pid $pid still running ${SKIFF_STOP_TIMEOUT:-60} s after SIGTERM; killing it (SIGKILL)" >&2
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
      rm -f "$data_dir/skiff.pid"
      echo "skiff: killed" >&2
    else
      rm -f "$data_dir/skiff.pid"
      echo "skiff: stopped (pid $pid has exited)" >&2
    fi
  else
    echo "skiff: not running" >&2
  fi
}

case ${1:-} in
  up) shift; up "$@" ;;
  down) down ;;
  test) shift; exec bash "$repo/scripts/test.sh" "$@" ;;
  dns) shift; bash "$repo/scripts/prereqs.sh"; dns=$(bash "$repo/scripts/build-skiff-dns.sh"); exec "$dns" "$@" ;;
  "" | -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) build; exec "$bin" "$@" ;;
esac
