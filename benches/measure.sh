# Shared by the benchmark scripts; sourced with $tmp set to a scratch
# directory.

# measure N CMD… : prints "median_seconds median_kib"
measure() {
  local n=$1
  shift
  : >"$tmp/samples"
  for _ in $(seq "$n"); do
    # Wall time from the clock in nanoseconds (/usr/bin/time rounds to 10 ms),
    # peak RSS from /usr/bin/time.
    local start end
    start=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$tmp/one" "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    echo "$(((end - start) / 1000)) $(tail -n 1 "$tmp/one")" >>"$tmp/samples"
  done
  python3 - "$tmp/samples" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print(statistics.median(int(r[0]) for r in rows) / 1e6, int(statistics.median(int(r[1]) for r in rows)))
PY
}
