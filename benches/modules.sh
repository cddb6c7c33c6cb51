#!/usr/bin/env bash
# Rule modules from an OCI registry: what a pull costs end to end (a
# 187 KB Rust module and the 18 MB Python example, from a local CNCF
# Distribution), and what a cached, pinned module adds to a scan next to
# the same module pinned as a file and to a scan without it.
#
#   bash benches/modules.sh [RUNS]
#
# Needs docker-registry (Debian); the Python example is built by
# rules-wasm/python-example/build.sh when missing (componentize-py from
# PyPI). Writes under target/modules-bench.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-41}
work=target/modules-bench
rm -rf "$work" && mkdir -p "$work"
work=$(cd "$work" && pwd)
tmp=$work/tmp
mkdir -p "$tmp"

cargo build --release --locked --quiet
bulwark=$PWD/target/release/bulwark
small=$PWD/rules-wasm/dist/hostile.wasm
python=$PWD/target/python-example/python-example.wasm
if [ ! -f "$python" ]; then
  bash rules-wasm/python-example/build.sh >/dev/null
fi

# A registry on a free loopback port, stopped on exit.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/registry.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
EOF
docker-registry serve "$work/registry.yml" >/dev/null 2>&1 &
registry=$!
trap 'kill "$registry" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.05
done
host=127.0.0.1:$port

. benches/measure.sh

pin_of() { BULWARK_CACHE_DIR=off "$bulwark" push "$1" "$host/bench/$2:1" --format json |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["pin"])'; }
small_pin=$(pin_of "$small" hostile)
python_pin=$(pin_of "$python" python-example)

row() { python3 -c '
import sys
job, s, k = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
print(f"| {job} | {s * 1000:.1f} ms | {k / 1024:.0f} MB |")' "$@"; }

echo "| job | wall (median of $runs) | peak RSS |"
echo "| --- | --- | --- |"
# A pull into an empty cache each time: resolve nothing (pinned), fetch
# the manifest and the layer, hash both, check the layout and the world,
# write the cache.
export bulwark tmp
read -r s k < <(measure "$runs" sh -c 'rm -rf "$tmp/c"; BULWARK_CACHE_DIR="$tmp/c" "$bulwark" pull "$1"' sh "$small_pin")
row "bulwark pull, $(($(stat -c %s "$small") / 1024)) KB module, empty cache" "$s" "$k"
read -r s k < <(measure "$runs" sh -c 'rm -rf "$tmp/c"; BULWARK_CACHE_DIR="$tmp/c" "$bulwark" pull "$1"' sh "$python_pin")
row "bulwark pull, $(($(stat -c %s "$python") / 1048576)) MB Python module, empty cache" "$s" "$k"
read -r s k < <(measure "$runs" env BULWARK_CACHE_DIR="$tmp/c" "$bulwark" pull "$python_pin")
row "bulwark pull, the same, already cached" "$s" "$k"

# A scan of one Dockerfile running one rule of the module (the hostile
# module's others misbehave on purpose), the compiled code cached: the
# module pinned as a file, then pinned in the registry and read from the
# cache, which reaches no registry.
printf 'FROM alpine:3.20\nMAINTAINER someone\nUSER 10001\n' >"$tmp/Dockerfile"
export BULWARK_CACHE_DIR=$tmp/scan-cache
scan=("$bulwark" scan --no-config --fail-on critical "$tmp/Dockerfile")
small_file="$small@sha256:$(sha256sum "$small" | cut -c1-64)"
python_file="$python@sha256:$(sha256sum "$python" | cut -c1-64)"
small_rule=hostile-ok
python_rule=python-maintainer-deprecated
for which in small python; do
  file_var=${which}_file pin_var=${which}_pin rule_var=${which}_rule
  "${scan[@]}" --rule "${!rule_var}" --rules "${!file_var}" >/dev/null || true
  "${scan[@]}" --rule "${!rule_var}" --rules "${!pin_var}" >/dev/null || true
  read -r f k < <(measure "$runs" "${scan[@]}" --rule "${!rule_var}" --rules "${!file_var}")
  row "bulwark scan, one Dockerfile, the $which module pinned as a file" "$f" "$k"
  read -r o k < <(measure "$runs" "${scan[@]}" --rule "${!rule_var}" --rules "${!pin_var}" --offline)
  row "… pinned in the registry, cached (--offline)" "$o" "$k"
  python3 -c 'import sys; f, o = float(sys.argv[1]), float(sys.argv[2]); print(f"| … the registry route adds {1000 * (o - f):+.1f} ms | | |")' "$f" "$o"
done
