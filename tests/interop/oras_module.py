"""A standard OCI client (the `oras` package from PyPI) on both sides of
bulwark's rule module artifacts, for tests/oci.rs.

    oras_module.py pull REF OUTDIR
        pulls REF as `oras` does (layers named by their title annotation)
    oras_module.py push REF FILE LAYER_TYPE CONFIG_TYPE [FILE LAYER_TYPE ...]
        pushes FILE(s) as layers of LAYER_TYPE with a config of CONFIG_TYPE
        (the CNCF Wasm layout when `application/wasm` and
        `application/vnd.wasm.config.v0+json`); prints the manifest digest

Plain HTTP: the registries of the tests are on loopback.
"""

import json
import os
import sys
import tempfile

import oras.client


def main() -> int:
    client = oras.client.OrasClient(insecure=True)
    command, ref = sys.argv[1], sys.argv[2]
    if command == "pull":
        for path in client.pull(target=ref, outdir=sys.argv[3]):
            print(path)
        return 0
    if command == "push":
        rest = sys.argv[3:]
        config_type = rest[2]
        files = [f"{rest[0]}:{rest[1]}"]
        extra = rest[3:]
        for i in range(0, len(extra), 2):
            files.append(f"{extra[i]}:{extra[i + 1]}")
        with tempfile.TemporaryDirectory() as tmp:
            config = os.path.join(tmp, "config.json")
            with open(config, "w", encoding="utf-8") as f:
                json.dump({"architecture": "wasm", "os": "wasip2"}, f)
            response = client.push(
                files=files,
                target=ref,
                manifest_config=f"{config}:{config_type}",
                disable_path_validation=True,
            )
        print(response.headers.get("Docker-Content-Digest", ""))
        return 0 if response.status_code in (200, 201) else 1
    print(f"unknown command {command}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
