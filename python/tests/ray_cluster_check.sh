#!/usr/bin/env bash
# Real Ray cluster check: a head node and one worker node (two raylets on
# 127.0.0.1, one CPU each), the Ray tests run against it (a per-document
# pipeline, and pipelines with exact + MinHash + paragraph dedup whose MinHash
# step shuffles band records between the nodes), then the cluster
# is stopped. Bounded in time; the cluster is stopped on any exit.
#
# usage: python/tests/ray_cluster_check.sh VENV
#   VENV: a virtualenv with `ray`, pytest and sift installed (python/ci.sh).
#
# Ray replaces 127.0.0.1 by the host's first non-loopback address; to keep
# every packet on loopback the check runs in a private network namespace
# (which has only `lo`), and in a private PID namespace so that `ray stop`
# sees only this cluster's processes and every process of it ends with the
# script (`unshare -n -p -f --mount-proc`, when the machine allows it).
set -euo pipefail
VENV=$(cd "${1:?usage: ray_cluster_check.sh VENV}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)

if [[ -z "${SIFT_RAY_NETNS:-}" ]] && unshare -n -p -f --mount-proc true 2>/dev/null; then
  export SIFT_RAY_NETNS=1
  exec unshare -n -p -f --mount-proc --kill-child -- bash -c 'ip link set lo up 2>/dev/null || true; exec "$0" "$@"' "$0" "$VENV"
fi

PORT=${SIFT_RAY_PORT:-6391}
RAY="$VENV/bin/ray"
export RAY_USAGE_STATS_ENABLED=0
# Ray 2.60 turns on token auth by default; a loopback-only test cluster does
# not need it (the multi-machine recipe in python/README.md keeps it on).
export RAY_AUTH_MODE=disabled
TMP=$(mktemp -d /tmp/sift-ray.XXXXXX)

stop() {
  timeout 60 "$RAY" stop --force >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap stop EXIT

echo "== ray: head node on 127.0.0.1:$PORT"
timeout 120 "$RAY" start --head --node-ip-address=127.0.0.1 --port="$PORT" \
  --num-cpus=1 --include-dashboard=false --temp-dir="$TMP" --disable-usage-stats
echo "== ray: worker node"
timeout 120 "$RAY" start --address="127.0.0.1:$PORT" --node-ip-address=127.0.0.1 \
  --num-cpus=1 --disable-usage-stats
timeout 60 "$VENV/bin/python" - "$PORT" <<'PY'
import sys, time, ray
ray.init(address=f"127.0.0.1:{sys.argv[1]}", log_to_driver=False)
while len([n for n in ray.nodes() if n["Alive"]]) < 2:
    time.sleep(0.5)
alive = [n for n in ray.nodes() if n["Alive"]]
print("ray: nodes alive:", len(alive), "at", sorted({n["NodeManagerAddress"] for n in alive}),
      "cpus:", ray.cluster_resources().get("CPU"))
PY
echo "== ray: tests on the cluster"
cd /  # import the installed package, not python/sift
SIFT_RAY_ADDRESS="127.0.0.1:$PORT" SIFT_RAY_EXPECT_NODES=2 \
  timeout 600 "$VENV/bin/pytest" -q -p no:cacheprovider -m ray "$HERE"
