#!/usr/bin/env bash
# bulwark reading a large image, side by side with the cost of
# decompressing its layers once (`gzip -dc`) and with what a user scripts
# without bulwark to find setuid files (`skopeo copy` + `umoci unpack` +
# `find -perm`), on the same synthetic OCI layout (benches/make_image.py).
#
#   bash benches/image.sh [RUNS]        FILES=100000 BYTES=1073741824 LAYERS=4
#
# Prints a table of median wall times and peak RSS, the ratios, and whether
# bulwark and find name the same setuid/setgid files. Needs skopeo and umoci
# (Debian) for the side-by-side rows; writes under target/image-bench (about
# three times the image's size while the peers run).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-3}
files=${FILES:-100000}
bytes=${BYTES:-1073741824}
layers=${LAYERS:-4}
work=target/image-bench
layout=$work/layout-$files-$bytes-$layers

cargo build --release --locked --quiet
cargo build --release --locked --quiet -p bulwark-image --example read_image
bulwark=target/release/bulwark
reader=target/release/examples/read_image
export BULWARK_CACHE_DIR=off
if [ ! -f "$layout/index.json" ]; then
  rm -rf "$work" && mkdir -p "$work"
  python3 benches/make_image.py "$layout" --files "$files" --bytes "$bytes" --layers "$layers"
fi
image_bytes=$(du -sb "$layout" | cut -f1)
tmp=$(mktemp -d -p "$work")
trap 'rm -rf "$tmp"' EXIT

# measure N CMD… : prints "median_seconds median_kib"
. benches/measure.sh

mapfile -t blobs < <(python3 -c '
import json, sys
d = sys.argv[1]
top = json.load(open(d + "/index.json"))["manifests"][0]["digest"]
m = json.load(open(d + "/blobs/sha256/" + top[7:]))
print("\n".join(d + "/blobs/sha256/" + l["digest"][7:] for l in m["layers"]))
' "$layout")

printf 'image: %s files, %s layers, %s MB stored\n\n' "$files" "$layers" "$((image_bytes / 1048576))"
echo "| job | wall (median) | peak RSS | vs gzip -dc |"
echo "| --- | --- | --- | --- |"
read -r gz gzk < <(measure "$runs" sh -c 'for b; do gzip -dc "$b"; done' sh "${blobs[@]}")
row() { python3 -c '
import sys
job, s, k, base = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
print(f"| {job} | {s:.2f} s | {k/1024:.0f} MB | {s/base:.2f}× |")' "$@"; }
row "gzip -dc, every layer once, one after another" "$gz" "$gzk" "$gz"
read -r s k < <(measure "$runs" sh -c 'printf "%s\n" "$@" | xargs -P "$(nproc)" -n 1 gzip -dc' sh "${blobs[@]}")
row "gzip -dc, layers in parallel ($(nproc) at once)" "$s" "$k" "$gz"
read -r s k < <(measure "$runs" "$reader" "oci:$layout:bench")
row "bulwark-image alone (every layer read, the file table made)" "$s" "$k" "$gz"
read -r s k < <(measure "$runs" "$bulwark" scan --no-config --image "oci:$layout:bench" --format json)
row "bulwark scan --image (every rule)" "$s" "$k" "$gz"
read -r s k < <(measure "$runs" "$bulwark" scan --no-config --parse-only --image "oci:$layout:bench")
row "bulwark scan --image --parse-only (read the image, no rule)" "$s" "$k" "$gz"

"$bulwark" scan --no-config --rule image-setuid-files --image "oci:$layout:bench" --format json >"$tmp/bulwark.json" || true
python3 -c '
import json, re, sys
found = json.load(open(sys.argv[1]))["findings"]
for path in sorted(re.match(r"`([^`]*)`", f["message"]).group(1) for f in found):
    print(path)' "$tmp/bulwark.json" >"$tmp/bulwark.txt"

if command -v skopeo >/dev/null && command -v umoci >/dev/null; then
  peer() {
    rm -rf "$tmp/copy" "$tmp/bundle"
    skopeo copy --quiet "oci:$layout:bench" "oci:$tmp/copy:bench" &&
      umoci unpack --rootless --image "$tmp/copy:bench" "$tmp/bundle" >/dev/null &&
      (cd "$tmp/bundle/rootfs" && find . -type f \( -perm -4000 -o -perm -2000 \) | sed 's/^\.//' | sort)
  }
  export -f peer
  export layout tmp
  read -r s k < <(measure "$runs" bash -c peer)
  row "skopeo copy + umoci unpack + find -perm (what users script)" "$s" "$k" "$gz"
  bash -c peer >"$tmp/find.txt"
  echo
  if cmp -s "$tmp/bulwark.txt" "$tmp/find.txt"; then
    echo "setuid/setgid files: bulwark and find agree ($(wc -l <"$tmp/find.txt") files)"
  else
    echo "setuid/setgid files DIFFER: bulwark $(wc -l <"$tmp/bulwark.txt"), find $(wc -l <"$tmp/find.txt")"
    diff "$tmp/bulwark.txt" "$tmp/find.txt" | head -20
  fi
else
  echo
  echo "(skopeo and umoci not installed: the side-by-side rows are skipped)"
fi
