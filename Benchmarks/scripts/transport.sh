#!/usr/bin/env bash
# Unary gRPC calls per second and p50/p99 latency against one echo server (Manifold's server
# role, 1 event-loop thread, 64-byte messages both ways), from three clients side by side:
# Manifold's GRPCBackendClient (as manifold-el its calls on the client's one event-loop
# thread, as the gateway makes them; as manifold from the Swift concurrency pool),
# grpc-swift-2's GRPCClient
# (grpc-swift-nio-transport), and h2load sending the same gRPC frame, as the limit. Each row
# runs them back to back, so their ratios come from one run; RUNS repeats everything and the
# summary takes medians. CLIENTS picks some of them (e.g. CLIENTS="manifold-el h2load": the
# pair whose ratio is the target, measured twice as often in the same time, each run of one
# right after the other's).
# Usage: Benchmarks/scripts/transport.sh
#        (env: RUNS=3 DURATION=5 WARMUP=1 PORT=50070 CLIENTS="manifold manifold-el grpc-swift h2load")
set -euo pipefail
scripts="$(cd "$(dirname "$0")" && pwd)"
cd "$scripts/.."
runs="${RUNS:-3}" duration="${DURATION:-5}" warmup="${WARMUP:-1}" port="${PORT:-50070}"
clients="${CLIENTS:-manifold manifold-el grpc-swift h2load}"
swift build -c release --product TransportBench >&2
bench="$(swift build -c release --show-bin-path)/TransportBench"
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

"$bench" serve --port "$port" --threads 1 > "$work/server.out" &
server=$!
until grep -q serving "$work/server.out" 2>/dev/null; do
    kill -0 $server 2>/dev/null || { cat "$work/server.out" >&2; exit 1; }  # it failed to start
    sleep 0.1
done

# The gRPC frame of a 64-byte message: no compression, 4-byte big-endian length.
python3 -c 'import sys; sys.stdout.buffer.write(b"\0\0\0\0\x40" + b"b" * 64)' > "$work/request"

h2load_row() {  # connections concurrency -> the same columns as `TransportBench load`
    local conns=$1 conc=$2
    rm -f "$work/h2load.log"  # h2load appends to it
    h2load -c "$conns" -m $((conc / conns)) -D "$duration" --warm-up-time="$warmup" \
        -d "$work/request" -H 'content-type: application/grpc' -H 'te: trailers' \
        --log-file="$work/h2load.log" "http://127.0.0.1:$port/bench.Echo/Unary" > "$work/h2load.out"
    python3 - "$work/h2load.log" "$work/h2load.out" "$conns" "$conc" <<'PY'
import re, sys
rate = float(re.search(r"finished in [0-9.]+s, ([0-9.]+) req/s", open(sys.argv[2]).read()).group(1))
rows = [line.split("\t") for line in open(sys.argv[1]) if line.strip()]
latencies = sorted(int(r[2]) for r in rows if r[1] == "200")
# Status 0: still in flight when the run ended, not failed.
errors = sum(1 for r in rows if r[1] not in ("200", "0"))
pick = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))]
print("h2load", sys.argv[3], sys.argv[4], round(rate), pick(0.50), pick(0.99), errors, sep="\t")
PY
}

for run in $(seq 1 "$runs"); do
    for conns in 1 4; do
        for conc in 1 4 16 64 256; do
            [ "$conc" -lt "$conns" ] && continue
            for client in $clients; do
                printf '%s\t' "$run"
                if [ "$client" = h2load ]; then
                    h2load_row "$conns" "$conc"
                    continue
                fi
                flags=(--client "${client%-el}")
                [ "$client" = manifold-el ] && flags+=(--on-event-loop)
                "$bench" load "${flags[@]}" --port "$port" --connections "$conns" \
                    --concurrency "$conc" --warmup "$warmup" --duration "$duration"
            done
        done
    done
done | tee "$work/results.tsv" >&2

python3 "$scripts/transport-summary.py" < "$work/results.tsv"
