#!/usr/bin/env bash
# CI for the Python package, called by .ci/run (from any directory):
#   0. clippy -D warnings on crates/sift-py;
#   1. a fresh venv; `pip install ./python` exactly as a user does (maturin
#      from PyPI builds crates/sift-py), plus pytest and ray from PyPI;
#   2. pytest on the bindings (tests not marked `ray`);
#   3. the real Ray check: a 2-node local cluster (head + worker on
#      127.0.0.1), the `ray` tests against it, cluster stopped.
# Time on the 2-core CI machine: about 1 min for the venv and ray, the
# extension build (shares target/ with the Rust jobs), about 1 min of tests.
#
# SIFT_PY_RELEASE=1 builds the extension in release mode (what a plain
# `pip install ./python` does); by default CI builds the dev profile, which
# reuses the artifacts of `cargo test` and skips LTO.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${SIFT_PY_VENV:-$ROOT/target/py-venv}

echo "== python: clippy on the bindings (crates/sift-py is not a default member)"
(cd "$ROOT" && cargo clippy -p sift-py --all-targets -- -D warnings)

echo "== python: venv $VENV"
python3 -m venv --clear "$VENV"
if [[ "${SIFT_PY_RELEASE:-0}" != 1 ]]; then
  export MATURIN_PEP517_ARGS="--profile dev"
fi
echo "== python: pip install ./python pytest ray"
timeout 2400 "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir \
  "$ROOT/python" "pytest>=8" "ray==2.60.0"

echo "== python: pytest"
cd /  # import the installed package, not the source tree
timeout 600 "$VENV/bin/pytest" -q -p no:cacheprovider -m "not ray" "$ROOT/python/tests"

echo "== python: ray cluster check"
timeout 900 "$ROOT/python/tests/ray_cluster_check.sh" "$VENV"
