#!/usr/bin/env bash
# bench/compare.sh — sift vs datatrove on the same input; regenerates BENCHMARKS.md.
#
#   bench/compare.sh                      # 100 MB corpus, 10 MB for the peer, 3 runs each, memory at 100 MB and 1 GB
#   bench/compare.sh --mb 20 --peer-mb 2 --runs 1 --peer-runs 1 --rss-mb ''   # quick look
#   bench/compare.sh --profile            # add the perf breakdown of the default pipeline
#
# Environment:
#   PEER_VENV  datatrove virtualenv (default: ../peer-venv next to the repository). Created when
#              missing, as the header of ../shared/tools/peer_decisions.py says, plus orjson and
#              tokenizers (datatrove's JSONL reader/writer and its dedup package import them).
#              If another process is creating it, we wait for its .ready marker.
#   SIFT_BIN   use this sift binary instead of building target/release/sift.
#   SIG_BIN    use this MinHash signature program instead of building
#              target/release/examples/minhash_throughput.
# Everything else is passed to bench/compare.py (see its --help). Output data goes to
# ../bench-data (outside the repository; --data-dir to change).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEER_VENV=${PEER_VENV:-$(dirname "$ROOT")/peer-venv}

log() { echo "[compare.sh] $*" >&2; }

ensure_peer_venv() {
    local py="$PEER_VENV/bin/python"
    if [[ ! -f "$PEER_VENV/.ready" ]]; then
        if [[ -d "$PEER_VENV" ]]; then
            log "waiting for $PEER_VENV/.ready (another process is creating the virtualenv)"
            for _ in $(seq 1 180); do
                [[ -f "$PEER_VENV/.ready" ]] && break
                sleep 10
            done
        fi
        if [[ ! -f "$PEER_VENV/.ready" ]]; then
            log "creating $PEER_VENV"
            (
                flock 9
                if [[ ! -f "$PEER_VENV/.ready" ]]; then
                    python3 -m venv "$PEER_VENV"
                    "$PEER_VENV/bin/pip" install -q datatrove spacy 'xxhash<4' tldextract pyahocorasick \
                        fasteners requests aiohttp
                    touch "$PEER_VENV/.ready"
                fi
            ) 9>"$PEER_VENV.lock"
        fi
    fi
    if ! "$py" -c 'import orjson, tokenizers' 2>/dev/null; then
        log "adding orjson and tokenizers to $PEER_VENV (datatrove's JSONL reader/writer and dedup need them)"
        "$PEER_VENV/bin/pip" install -q orjson tokenizers
    fi
}

if [[ -z "${SIFT_BIN:-}" ]]; then
    log "building sift (release)"
    (cd "$ROOT" && cargo build --release -q -p sift-cli)
    SIFT_BIN="$ROOT/target/release/sift"
fi
# MinHash signatures alone (issue #7's signature target): sift-dedup's
# minhash_throughput example, timed as a whole process like the CLI.
if [[ -z "${SIG_BIN:-}" ]]; then
    log "building the MinHash signature program (release)"
    (cd "$ROOT" && cargo build --release -q -p sift-dedup --example minhash_throughput)
    SIG_BIN="$ROOT/target/release/examples/minhash_throughput"
fi

peer_args=()
if [[ " $* " != *" --peer-python "* ]]; then
    ensure_peer_venv
    peer_args=(--peer-python "$PEER_VENV/bin/python")
fi

COMPARE_ARGS=$(printf '%q ' "$@")
export COMPARE_ARGS
exec python3 "$ROOT/bench/compare.py" --sift "$SIFT_BIN" --sig-bin "$SIG_BIN" "${peer_args[@]}" "$@"
