#!/usr/bin/env bash
# Builds the Python example rule module with componentize-py (from PyPI,
# pinned below) into target/python-example/python-example.wasm and prints
# its pin. No Rust toolchain involved: only Python 3 and pip.
#
#   bash rules-wasm/python-example/build.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="$root/target/componentize-venv"
out="$root/target/python-example"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "componentize-py==0.25.1"
mkdir -p "$out"
cd "$here"
"$venv/bin/componentize-py" --wit-path "$root/wit" --world rule-module \
  componentize app --output "$out/python-example.wasm"
digest=$(sha256sum "$out/python-example.wasm" | cut -c1-64)
echo "pin: --rules $out/python-example.wasm@sha256:$digest"
