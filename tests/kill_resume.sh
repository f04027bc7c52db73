#!/usr/bin/env bash
# Kills 'nabla train' with SIGKILL at random moments (KILLS times, 20 by default), resumes it after each kill, and
# checks that no file of the run directory is ever torn and that the resumed run's metrics equal an uninterrupted
# run's, epoch for epoch and bit for bit (the seconds and samples_per_second aside). Usage: tests/kill_resume.sh [KILLS] [SEED]
set -euo pipefail
kills_wanted=${1:-20}
RANDOM=${2:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
dotnet build "$root/src/Nabla.Cli" -c Release -nologo -v quiet >/dev/null
cli=(dotnet "$root/src/Nabla.Cli/bin/Release/net10.0/Nabla.Cli.dll")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
train=(train --data moons --epochs 120 --seed 7 --threads 1)

# Every file present must be whole: metrics.jsonl lines parse and count 1..n with n the checkpoint's epoch or one
# less, the safetensors files' headers parse and their sizes match, config.json parses, the SVGs, report.html and graph.dot are complete.
check() {
  python3 - "$1" "${2:-}" <<'PY'
import json, os, struct, sys, xml.etree.ElementTree as ET
run, final = sys.argv[1], sys.argv[2] == "final"
def safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    end = max((v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"), default=0)
    assert 8 + n + end == len(data), f"{path}: {len(data)} bytes, header says {8 + n + end}"
    return header.get("__metadata__", {})
ckpt = os.path.join(run, "checkpoint.safetensors")
epoch = int(safetensors(ckpt)["epoch"]) if os.path.exists(ckpt) else 0
metrics = os.path.join(run, "metrics.jsonl")
if os.path.exists(metrics):
    with open(metrics) as f:
        text = f.read()
    assert text == "" or text.endswith("\n"), "metrics.jsonl ends inside a line"
    epochs = [json.loads(l)["epoch"] for l in text.splitlines()]
    assert epochs == list(range(1, len(epochs) + 1)), f"metrics.jsonl epochs {epochs}"
    assert epoch - 1 <= len(epochs) <= epoch, f"metrics.jsonl has {len(epochs)} epochs, the checkpoint {epoch}"
for name in ("curves.svg", "confusion.svg"):
    p = os.path.join(run, name)
    if os.path.exists(p): ET.parse(p)
c = os.path.join(run, "config.json")
if os.path.exists(c):
    with open(c) as f: json.load(f)
r = os.path.join(run, "report.html")
if os.path.exists(r):
    with open(r) as f: assert f.read().rstrip().endswith("</html>"), "report.html is cut short"
if os.path.exists(os.path.join(run, "model.safetensors")): safetensors(os.path.join(run, "model.safetensors"))
g = os.path.join(run, "graph.dot")
if os.path.exists(g):
    with open(g) as f: assert f.read().rstrip().endswith("}"), "graph.dot is cut short"
if final:
    for name in ("config.json", "model.safetensors", "curves.svg", "confusion.svg", "report.html", "graph.dot", "metrics.jsonl", "checkpoint.safetensors"):
        assert os.path.exists(os.path.join(run, name)), f"{name} is missing"
PY
}

same_metrics() {
  python3 - "$1" "$2" <<'PY'
import json, sys
def load(p):
    with open(p) as f:
        return [{k: v for k, v in json.loads(l).items() if k not in ("seconds", "samples_per_second")} for l in f]
a, b = load(sys.argv[1]), load(sys.argv[2])
assert a == b, f"resumed run differs from the uninterrupted one: {len(a)} vs {len(b)} epochs, first difference at {next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))}"
PY
}

"${cli[@]}" "${train[@]}" --out "$work/whole" >/dev/null
check "$work/whole" final
run="$work/run"
kills=0 completed=0
while (( kills < kills_wanted )); do
  resume=()
  [[ -f "$run/checkpoint.safetensors" ]] && resume=(--resume)
  "${cli[@]}" "${train[@]}" --out "$run" "${resume[@]}" >/dev/null 2>"$work/error" &
  pid=$!
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", 0.15 + r / 32767 * 1.2 }')"
  if kill -KILL "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null || true
    kills=$((kills + 1))
    check "$run"
    epoch=$(python3 -c 'import json,struct,sys; d=open(sys.argv[1],"rb").read(); n=struct.unpack("<Q",d[:8])[0]; print(json.loads(d[8:8+n])["__metadata__"]["epoch"])' "$run/checkpoint.safetensors" 2>/dev/null || echo 0)
    echo "kill $kills: checkpoint at epoch $epoch, $(ls -A "$run" | tr '\n' ' ')"
  else
    wait "$pid" || { cat "$work/error"; exit 1; }
    check "$run" final
    same_metrics "$work/whole/metrics.jsonl" "$run/metrics.jsonl"
    completed=$((completed + 1))
    echo "the run finished between kills and matches the uninterrupted run; starting another"
    rm -rf "$run"
  fi
done
"${cli[@]}" "${train[@]}" --out "$run" $([[ -f "$run/checkpoint.safetensors" ]] && echo --resume) >/dev/null
check "$run" final
same_metrics "$work/whole/metrics.jsonl" "$run/metrics.jsonl"
echo "kill_resume: $kills kills, $((completed + 1)) resumed run(s) finished, every file whole after every kill, metrics equal to the uninterrupted run's"
