#!/usr/bin/env bash
# Runs the benchmark workloads (bench/Nabla.Bench) in Nabla and in every peer available on this machine, side by
# side and alternating, and prints the median of each figure per side and the ratio of Nabla to the best peer
# (higher is better; for peak memory the ratio is best peer / Nabla).
#
# Peers: pytorch1.13  Debian 12's python3-torch on the host (installed here when missing)
#        pytorch2.6   Debian 13's python3-torch, in the root that ../shared/peers/debian13-root.sh sets up
#        torchsharp   TorchSharp 0.107 (LibTorch 2.10 with MKL and oneDNN), bench/peers/torchsharp, built on the
#                     host and run in that root
# The root's peers join when the root exists at $PEER_ROOT (default /tmp/debian13-root).
#
#   bench/compare.sh                                  # every workload, 3 rounds, every peer available
#   ROUNDS=5 bench/compare.sh gemm moons              # chosen workloads
#   PEERS="pytorch1.13 torchsharp" bench/compare.sh   # chosen peers
set -euo pipefail
cd "$(dirname "$0")/.."

PY=/usr/bin/python3
if ! "$PY" -c 'import torch, numpy' 2>/dev/null || [ ! -d /usr/share/datasets/fashion-mnist ]; then
  echo "installing the peer: python3-torch, OpenBLAS and Fashion-MNIST from Debian" >&2
  apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    python3-torch python3-sklearn libopenblas0-pthread dataset-fashion-mnist >&2
fi

workloads=("$@")
[ ${#workloads[@]} -gt 0 ] || workloads=(gemm moons mlp cnn cnnbn lstm gru transformer)
rounds=${ROUNDS:-3}
threads=${THREADS:-2}
root=${PEER_ROOT:-/tmp/debian13-root}
in_root=(chroot "$root" /usr/bin/env OPENBLAS_CORETYPE=SkylakeX DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
         DOTNET_CLI_TELEMETRY_OPTOUT=1 OMP_NUM_THREADS="$threads")

peers=()
if [ -n "${PEERS:-}" ]; then
  read -r -a peers <<< "$PEERS"
else
  peers=(pytorch1.13)
  if [ -x "$root/usr/bin/python3" ] && mountpoint -q "$root/bench" 2>/dev/null; then
    peers+=(pytorch2.6 torchsharp)
  elif [ -d "$root" ]; then
    echo "the peer root $root exists but bench/ is not bound in it: run ../shared/peers/debian13-root.sh from the project root" >&2
  fi
fi

dotnet build bench/Nabla.Bench -c Release -v quiet -nologo >&2
for p in "${peers[@]}"; do
  [ "$p" = torchsharp ] && dotnet build bench/peers/torchsharp -c Release -v quiet -nologo >&2
done

run_side() {
  case "$1" in
    nabla) NABLA_NUM_THREADS=$threads dotnet bench/Nabla.Bench/bin/Release/net10.0/Nabla.Bench.dll --workload "$2" ;;
    pytorch1.13) OPENBLAS_CORETYPE=SkylakeX OMP_NUM_THREADS=$threads "$PY" bench/peers/pytorch_bench.py --workload "$2" ;;
    pytorch2.6) "${in_root[@]}" /usr/bin/python3 /bench/peers/pytorch_bench.py --workload "$2" ;;
    torchsharp) "${in_root[@]}" /usr/share/dotnet/dotnet /bench/peers/torchsharp/bin/Release/net10.0/TorchSharpBench.dll --workload "$2" ;;
    *) echo "unknown peer '$1': expected pytorch1.13, pytorch2.6 or torchsharp" >&2; exit 2 ;;
  esac
}

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for round in $(seq 1 "$rounds"); do
  for w in "${workloads[@]}"; do
    for side in nabla "${peers[@]}"; do
      echo "round $round/$rounds: $w on $side" >&2
      run_side "$side" "$w" | sed "s/^/$side /" >> "$results"
    done
  done
done

"$PY" - "$results" "$rounds" "$threads" "${peers[@]}" <<'PYEOF'
import json, statistics, sys, platform
path, rounds, threads, peers = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
names = {"pytorch1.13": "PyTorch 1.13", "pytorch2.6": "PyTorch 2.6", "torchsharp": "TorchSharp 0.107"}
values, order = {}, []
for line in open(path):
    side, _, payload = line.partition(" ")
    row = json.loads(payload)
    key = (row["workload"], row["figure"])
    if key not in values:
        values[key] = {}
        order.append(key)
    values[key].setdefault(side, []).append(row["value"])
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"Medians of {rounds} alternating rounds, {threads} threads, {cpu}; ratio = Nabla / best peer "
      "(for peak memory, best peer / Nabla), higher is better.")
print()
print("| workload | figure | Nabla | " + " | ".join(names.get(p, p) for p in peers) + " | Nabla / best |")
print("|---|---|---:|" + "---:|" * len(peers) + "---:|")
for key in order:
    workload, figure = key
    sides = values[key]
    if "nabla" not in sides:
        continue
    medians = {s: statistics.median(v) for s, v in sides.items()}
    lower_is_better = figure in ("peak_rss_mb", "alloc_bytes_per_step")
    peer_values = [medians[p] for p in peers if p in medians]
    n = medians["nabla"]
    if peer_values:
        best = min(peer_values) if lower_is_better else max(peer_values)
        ratio = (best / n if n else float("inf")) if lower_is_better else (n / best if best else float("inf"))
        ratio_text = f"{ratio:.2f}"
    else:
        ratio_text = "–"
    cells = [f"{medians[p]:,.4g}" if p in medians else "–" for p in peers]
    print(f"| {workload} | {figure} | {n:,.4g} | " + " | ".join(cells) + f" | {ratio_text} |")
PYEOF
