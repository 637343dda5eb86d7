"""Medians over runs of transport.sh's rows, as the markdown table in Benchmarks/README.md.

Input lines: run, client, connections, concurrency, calls/s, p50 µs, p99 µs, errors.
The ratios are per run (each run measures the clients back to back), then medians.
"""
import statistics
import sys
from collections import defaultdict

rows = defaultdict(list)  # (connections, concurrency, client) -> [(rate, p50, p99, errors)]
for line in sys.stdin:
    run, client, conns, conc, rate, p50, p99, errors = line.split("\t")
    rows[(int(conns), int(conc), client)].append((int(run), int(rate), int(p50), int(p99), int(errors)))

def median(values):
    return statistics.median(values)

def ratio(conns, conc, client, base):
    """The median of the per-run ratios, or a dash when either client was not run."""
    mine = {r[0]: r[1] for r in rows[(conns, conc, client)]}
    theirs = {r[0]: r[1] for r in rows[(conns, conc, base)]}
    ratios = [mine[run] / theirs[run] for run in mine if theirs.get(run)]
    return f"{median(ratios):.2f}" if ratios else "-"

print("| connections | concurrency | Manifold calls/s (p50 / p99 µs) | Manifold on its event loop "
      "| grpc-swift-2 | h2load | Manifold / grpc-swift-2 | Manifold / h2load | on its event loop / h2load |")
print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for conns, conc in sorted({(k[0], k[1]) for k in rows}):
    cells = []
    for client in ("manifold", "manifold-el", "grpc-swift", "h2load"):
        samples = rows[(conns, conc, client)]
        if not samples:
            cells.append("-")
            continue
        errors = sum(s[4] for s in samples)
        cell = f"{median([s[1] for s in samples]):,.0f} ({median([s[2] for s in samples]):.0f} / {median([s[3] for s in samples]):.0f})"
        cells.append(cell + (f" **{errors} errors**" if errors else ""))
    cells.append(ratio(conns, conc, 'manifold', 'grpc-swift'))
    cells.append(ratio(conns, conc, 'manifold', 'h2load'))
    cells.append(ratio(conns, conc, 'manifold-el', 'h2load'))
    print(f"| {conns} | {conc} | " + " | ".join(cells) + " |")
