# Shared by the benchmark scripts; sourced with $tmp set to a scratch
# directory.

# measure N CMD… : prints "median_seconds median_kib"
measure() {
  local n=$1
  shift
  : >"$tmp/samples"
  for _ in $(seq "$n"); do
    # Wall time from bash's clock (no process started to read it;
    # /usr/bin/time rounds to 10 ms), peak RSS from /usr/bin/time.
    local start end
    start=${EPOCHREALTIME/[^0-9]/}
    /usr/bin/time -f "%M" -o "$tmp/rss" "$@" >/dev/null 2>&1 || true
    end=${EPOCHREALTIME/[^0-9]/}
    echo "$((end - start)) $(tail -n 1 "$tmp/rss")" >>"$tmp/samples"
  done
  python3 - "$tmp/samples" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print(statistics.median(int(r[0]) for r in rows) / 1e6, int(statistics.median(int(r[1]) for r in rows)))
PY
}
