#!/usr/bin/env bash
# The gateway's requests per second and CPU time per request, for routes of 1, 3 and 8
# independent calls, with one client connection (one request at a time: latency) and with
# eight (throughput). The backend is TransportBench's nghttp2 server on one thread,
# answering each call at once with an empty message, so the gateway, not the backend, is
# what is measured. CPU is the gateway's utime+stime from /proc/PID/stat around a fixed
# number of requests sent by h2load over HTTP/1.1: everything it spends on a request.
# Usage: Benchmarks/scripts/gateway.sh
#   env: RUNS=3 REQUESTS=10000 ROUTES="1 3 8" CONNECTIONS="1 8" MANIFOLD=path-to-binary
# Raw rows (run, route, connections, req/s, µs CPU per request) go to stderr; a table of
# medians to stdout.
set -euo pipefail
scripts="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$scripts/../.." && pwd)"
runs="${RUNS:-3}" requests="${REQUESTS:-10000}" routes="${ROUTES:-1 3 8}" connections="${CONNECTIONS:-1 8}"
(cd "$root" && swift build -c release --product manifold >&2)
(cd "$root/Benchmarks" && swift build -c release --product TransportBench >&2)
manifold="${MANIFOLD:-$root/.build/release/manifold}"
bench="$(cd "$root/Benchmarks" && swift build -c release --show-bin-path)/TransportBench"
work=$(mktemp -d)
trap 'kill $gateway $backend 2>/dev/null || true; rm -rf "$work"' EXIT

"$bench" serve --port 50091 --threads 1 --response-size 0 > "$work/backend.out" &
backend=$!
until grep -q serving "$work/backend.out" 2>/dev/null; do sleep 0.1; done

call() { echo "      $1: {rpc: bench.Echo/Unary, request: \"{text: '$1'}\"}"; }
{
    echo "server: {listen: 127.0.0.1:18089}"
    echo "schema: {protos: [$root/Benchmarks/Protos]}"
    echo "backends: {echo: {services: [bench.Echo], targets: [127.0.0.1:50091]}}"
    echo "routes:"
    for n in 1 3 8; do
        echo "  - get: /calls$n"
        echo "    calls:"
        for i in $(seq 1 "$n"); do call "c$i"; done
    done
} > "$work/gateway.yaml"

"$manifold" serve --config "$work/gateway.yaml" > "$work/gateway.out" 2>&1 &
gateway=$!
until curl -s -o /dev/null http://127.0.0.1:18089/calls1; do sleep 0.1; done

ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' /proc/$gateway/stat; }
for run in $(seq 1 "$runs"); do
    for n in $routes; do
        for conns in $connections; do
            h2load --h1 -n 1000 -c "$conns" "http://127.0.0.1:18089/calls$n" > /dev/null  # warm up
            before=$(cpu)
            h2load --h1 -n "$requests" -c "$conns" "http://127.0.0.1:18089/calls$n" > "$work/h2load.out"
            after=$(cpu)
            ok=$(awk '/status codes:/ {print $3}' "$work/h2load.out")
            [ "$ok" = "$requests" ] || { echo "calls$n: only $ok of $requests requests succeeded" >&2; exit 1; }
            rate=$(awk '/finished in/ {print $4}' "$work/h2load.out")
            awk -v run="$run" -v n="$n" -v c="$conns" -v rate="$rate" -v t="$((after - before))" -v hz="$ticks" -v r="$requests" \
                'BEGIN { printf "%d\t%d\t%d\t%.0f\t%.1f\n", run, n, c, rate, t / hz / r * 1e6 }' | tee -a "$work/rows" >&2
        done
    done
done

python3 - "$work/rows" <<'PY'
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1])]
print("| route | connections | requests/s | CPU per request |")
print("| --- | ---: | ---: | ---: |")
for n in sorted({r[1] for r in rows}, key=int):
    for c in sorted({r[2] for r in rows}, key=int):
        picked = [r for r in rows if r[1] == n and r[2] == c]
        rate = statistics.median(float(r[3]) for r in picked)
        cpu = statistics.median(float(r[4]) for r in picked)
        print(f"| {n} call{'s' if n != '1' else ''} | {c} | {rate:,.0f} | {cpu:.0f} µs |")
PY
