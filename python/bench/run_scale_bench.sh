#!/usr/bin/env bash
# Measure sift.ray on a 2-node local Ray cluster (head + worker, one CPU
# each, like ray_cluster_check.sh) against single-process runs.
# usage: python/bench/run_scale_bench.sh VENV INPUT_DIR WORK_DIR [ray_throughput.py args...]
set -euo pipefail
VENV=$(cd "${1:?usage: run_scale_bench.sh VENV INPUT WORK}" && pwd)
INPUT=$(cd "${2:?}" && pwd)
mkdir -p "${3:?}"
WORK=$(cd "$3" && pwd)
shift 3
HERE=$(cd "$(dirname "$0")" && pwd)
if [[ -z "${SIFT_RAY_NETNS:-}" ]] && unshare -n -p -f --mount-proc true 2>/dev/null; then
  export SIFT_RAY_NETNS=1
  exec unshare -n -p -f --mount-proc --kill-child -- bash -c 'ip link set lo up 2>/dev/null || true; exec "$0" "$@"' \
    "$0" "$VENV" "$INPUT" "$WORK" "$@"
fi
PORT=${SIFT_RAY_PORT:-6392}
export RAY_USAGE_STATS_ENABLED=0 RAY_AUTH_MODE=disabled
TMP=$(mktemp -d /tmp/sift-ray.XXXXXX)
trap 'timeout 60 "$VENV/bin/ray" stop --force >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT
"$VENV/bin/ray" start --head --node-ip-address=127.0.0.1 --port="$PORT" --num-cpus=1 \
  --include-dashboard=false --temp-dir="$TMP" --disable-usage-stats >/dev/null
"$VENV/bin/ray" start --address="127.0.0.1:$PORT" --node-ip-address=127.0.0.1 --num-cpus=1 \
  --disable-usage-stats >/dev/null
cd /
"$VENV/bin/python" "$HERE/ray_throughput.py" --input "$INPUT" --work "$WORK" \
  --address "127.0.0.1:$PORT" "$@"
