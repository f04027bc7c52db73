#!/usr/bin/env bash
# Runs the benchmark workloads (bench/Nabla.Bench) in Nabla and in PyTorch side by side, alternating, and prints the
# median of each figure with the ratio Nabla/PyTorch (higher is better, except for peak memory).
#
#   bench/compare.sh                       # every workload, 3 rounds
#   ROUNDS=5 bench/compare.sh gemm moons   # chosen workloads
set -euo pipefail
cd "$(dirname "$0")/.."

PY=/usr/bin/python3
if ! "$PY" -c 'import torch, numpy' 2>/dev/null || [ ! -d /usr/share/datasets/fashion-mnist ]; then
  echo "installing the peer: python3-torch, OpenBLAS and Fashion-MNIST from Debian" >&2
  apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    python3-torch python3-sklearn libopenblas0-pthread dataset-fashion-mnist >&2
fi

workloads=("$@")
[ ${#workloads[@]} -gt 0 ] || workloads=(gemm moons mlp cnn lstm transformer)
rounds=${ROUNDS:-3}
threads=${THREADS:-2}

dotnet build bench/Nabla.Bench -c Release -v quiet -nologo >&2
nabla_bin=(dotnet bench/Nabla.Bench/bin/Release/net10.0/Nabla.Bench.dll)

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for round in $(seq 1 "$rounds"); do
  for w in "${workloads[@]}"; do
    echo "round $round/$rounds: $w" >&2
    NABLA_NUM_THREADS=$threads "${nabla_bin[@]}" --workload "$w" | sed 's/^/nabla /' >> "$results"
    OPENBLAS_CORETYPE=SkylakeX OMP_NUM_THREADS=$threads "$PY" bench/peers/pytorch_bench.py --workload "$w" | sed 's/^/pytorch /' >> "$results"
  done
done

"$PY" - "$results" "$rounds" "$threads" <<'PYEOF'
import json, statistics, sys, platform
path, rounds, threads = sys.argv[1], sys.argv[2], sys.argv[3]
values = {}
order = []
for line in open(path):
    side, _, payload = line.partition(" ")
    row = json.loads(payload)
    key = (row["workload"], row["figure"], row["unit"])
    if key not in values:
        values[key] = {"nabla": [], "pytorch": []}
        order.append(key)
    values[key][side].append(row["value"])
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"Medians of {rounds} alternating rounds, {threads} threads, {cpu}; ratio = Nabla / PyTorch (for peak memory, PyTorch / Nabla), higher is better.")
print()
print("| workload | figure | Nabla | PyTorch | ratio |")
print("|---|---|---:|---:|---:|")
for key in order:
    workload, figure, unit = key
    n, p = values[key]["nabla"], values[key]["pytorch"]
    if not n or not p:
        continue
    mn, mp = statistics.median(n), statistics.median(p)
    lower_is_better = figure in ("peak_rss_mb", "alloc_bytes_per_step")
    ratio = (mp / mn if mn else float("inf")) if lower_is_better else (mn / mp if mp else float("inf"))
    print(f"| {workload} | {figure} | {mn:,.4g} | {mp:,.4g} | {ratio:.2f} |")
PYEOF
