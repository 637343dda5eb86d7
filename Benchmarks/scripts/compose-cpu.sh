#!/usr/bin/env bash
# The gateway's CPU time per request for a 1-, 3- and 8-call fan-out route, against a
# backend that answers at once (the Python echo backend; its own CPU is not counted).
# Reads the gateway's utime+stime from /proc/PID/stat around a fixed number of requests
# sent by h2load over HTTP/1.1. Needs a release build: swift build -c release --product manifold
# Usage: Benchmarks/scripts/compose-cpu.sh [REQUESTS]   (default 4000)
set -euo pipefail
cd "$(dirname "$0")/../.."
requests="${1:-4000}"
work=$(mktemp -d)
trap 'kill $gateway $backend 2>/dev/null || true; rm -rf "$work"' EXIT

python3 Tests/Backends/echo_backend.py --port 0 > "$work/backend.out" &
backend=$!
until grep -q LISTENING "$work/backend.out" 2>/dev/null; do sleep 0.1; done
backend_port=$(awk '/LISTENING/ {print $2}' "$work/backend.out")

call() { echo "      $1: {rpc: manifold.test.v1.EchoService/Echo, request: \"{text: '$1'}\"}"; }
{
    echo "server: {listen: 127.0.0.1:18089}"
    echo "schema: {protos: [$PWD/Tests/Protos]}"
    echo "backends: {echo: {services: [manifold.test.v1.EchoService], targets: [127.0.0.1:$backend_port]}}"
    echo "routes:"
    for n in 1 3 8; do
        echo "  - get: /calls$n"
        echo "    calls:"
        for i in $(seq 1 $n); do call "c$i"; done
        echo "    respond: \"[$(seq -s, -f 'c%g.text' 1 $n)]\""
    done
} > "$work/compose.yaml"

.build/release/manifold serve --config "$work/compose.yaml" > "$work/gateway.out" 2>&1 &
gateway=$!
until curl -s -o /dev/null http://127.0.0.1:18089/calls1; do sleep 0.1; done

ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' /proc/$gateway/stat; }
for n in 1 3 8; do
    h2load --h1 -n 500 -c 8 "http://127.0.0.1:18089/calls$n" > /dev/null  # warm up
    before=$(cpu)
    h2load --h1 -n "$requests" -c 8 "http://127.0.0.1:18089/calls$n" > "$work/h2load.out"
    after=$(cpu)
    ok=$(awk '/status codes:/ {print $3}' "$work/h2load.out")
    rate=$(awk '/finished in/ {print $4}' "$work/h2load.out")
    awk -v n="$n" -v t="$((after - before))" -v hz="$ticks" -v r="$requests" -v ok="$ok" -v rate="$rate" \
        'BEGIN { printf "%d-call route: %.1f µs CPU per request (%d requests, %s 2xx, %s req/s)\n", n, t / hz / r * 1e6, r, ok, rate }'
done
