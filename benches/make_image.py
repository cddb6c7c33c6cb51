#!/usr/bin/env python3
"""Writes a synthetic OCI image layout for benches/image.sh.

    python3 benches/make_image.py DIR [--files N] [--bytes B] [--layers L]

N files (default 100,000) totalling about B bytes (default 1 GiB) spread
over L gzip layers (default 4), half of each file's bytes random (which
gzip cannot shrink) and half text; every 1,000th file setuid or setgid, and
in each layer after the first a few files of the one below deleted by
whiteouts. Deterministic: the same arguments give the same image.
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import random
import tarfile


def blob(root, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(root, "blobs", "sha256", digest)
    with open(path, "wb") as out:
        out.write(data)
    return "sha256:" + digest, len(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--bytes", type=int, default=1 << 30)
    ap.add_argument("--layers", type=int, default=4)
    a = ap.parse_args()
    rng = random.Random(7)
    os.makedirs(os.path.join(a.dir, "blobs", "sha256"), exist_ok=True)
    per_file = max(1, a.bytes // a.files)
    per_layer = (a.files + a.layers - 1) // a.layers
    text = (b"the quick brown fox jumps over the lazy dog 0123456789\n" * (per_file // 50 + 2))
    layers, diff_ids, history = [], [], []
    previous = []
    n = 0
    for layer in range(a.layers):
        raw = io.BytesIO()
        # Written uncompressed first: the diff_id is the tar's digest.
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for gone in previous[:5]:
                head, name = os.path.split(gone)
                info = tarfile.TarInfo(os.path.join(head, ".wh." + name))
                tar.addfile(info, io.BytesIO(b""))
            names = []
            for i in range(per_layer):
                if n >= a.files:
                    break
                name = f"srv/l{layer}/d{i // 1000}/f{i}.dat"
                half = per_file // 2
                data = rng.randbytes(half) + text[: per_file - half]
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mode = 0o644
                if n % 1000 == 999:
                    info.mode = 0o4755 if (n // 1000) % 2 == 0 else 0o2755
                tar.addfile(info, io.BytesIO(data))
                names.append(name)
                n += 1
            previous = names
        tar_bytes = raw.getvalue()
        diff_ids.append("sha256:" + hashlib.sha256(tar_bytes).hexdigest())
        digest, size = blob(a.dir, gzip.compress(tar_bytes, compresslevel=1, mtime=0))
        layers.append({
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": digest,
            "size": size,
        })
        history.append({"created_by": f"COPY l{layer} /srv/l{layer} # buildkit"})
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"User": "1000", "Healthcheck": {"Test": ["CMD", "/bin/true"]}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }
    config_digest, config_size = blob(a.dir, json.dumps(config).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": config_digest,
            "size": config_size,
        },
        "layers": layers,
    }
    manifest_digest, manifest_size = blob(a.dir, json.dumps(manifest).encode())
    with open(os.path.join(a.dir, "index.json"), "w") as out:
        json.dump({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": manifest_digest,
                "size": manifest_size,
                "annotations": {"org.opencontainers.image.ref.name": "bench"},
            }],
        }, out)
    with open(os.path.join(a.dir, "oci-layout"), "w") as out:
        json.dump({"imageLayoutVersion": "1.0.0"}, out)


if __name__ == "__main__":
    main()
