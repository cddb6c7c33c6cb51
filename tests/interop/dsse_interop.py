"""bulwark's signed evidence against an independent DSSE implementation.

    python dsse_interop.py PATH/TO/bulwark

Run by `.ci/run` in a venv with `securesystemslib[crypto]` and `jsonschema`
from PyPI. For
Ed25519 and ECDSA P-256:

1. bulwark generates a key and signs the evidence of a failing scan;
   securesystemslib verifies the envelope with the public key, and rejects it
   once one payload byte is changed; the predicate validates against
   docs/scan-predicate.schema.json (with `jsonschema`);
2. securesystemslib signs the same statement with a key of its own;
   `bulwark verify` accepts it with that public key (exit 0) and rejects it
   with bulwark's key (exit 4);
3. the private key `bulwark keygen` wrote loads in Python's `cryptography`
   as a key of the right type, whose public key is bulwark's `.pub`.
"""

import base64
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import jsonschema
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import CryptoSigner, SSlibKey

SCHEMES = {"ed25519": "ed25519", "p256": "ecdsa-sha2-nistp256"}


def run(*args, expect):
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != expect:
        sys.exit(
            f"{' '.join(map(str, args))}: exit {done.returncode}, expected {expect}\n"
            f"{done.stdout}{done.stderr}"
        )
    return done.stdout


def main(bulwark):
    for algorithm, scheme in SCHEMES.items():
        tmp = Path(tempfile.mkdtemp())
        out = run(bulwark, "keygen", "--algorithm", algorithm, "--out", tmp / "bulwark",
                  "--format", "json", expect=0)
        keyid = json.loads(out)["keyid"]
        run(bulwark, "scan", "tests/fixtures/scan/insecure", "--evidence", tmp / "evidence.json",
            "--key", tmp / "bulwark.key", expect=1)

        # 3. bulwark's private key is a standard PKCS#8 key.
        private = load_pem_private_key((tmp / "bulwark.key").read_bytes(), password=None)
        expected = ed25519.Ed25519PrivateKey if algorithm == "ed25519" else ec.EllipticCurvePrivateKey
        if not isinstance(private, expected):
            sys.exit(f"{algorithm}: cryptography reads a {type(private).__name__}")
        if private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo) != \
                (tmp / "bulwark.pub").read_bytes():
            sys.exit(f"{algorithm}: the private key's public key is not bulwark.pub")

        # 1. bulwark signs, securesystemslib verifies.
        public = load_pem_public_key((tmp / "bulwark.pub").read_bytes())
        key = SSlibKey.from_crypto(public, keyid=keyid, scheme=scheme)
        envelope = Envelope.from_dict(json.loads((tmp / "evidence.json").read_text()))
        envelope.verify([key], 1)
        statement = json.loads(envelope.payload)
        assert statement["_type"] == "https://in-toto.io/Statement/v1", statement["_type"]
        assert statement["predicateType"] == "https://bulwark.dev/attestation/scan/v0.1"
        schema = json.loads(Path("docs/scan-predicate.schema.json").read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.validate(statement["predicate"], schema, cls=jsonschema.Draft202012Validator)
        tampered = Envelope.from_dict(json.loads((tmp / "evidence.json").read_text()))
        tampered.payload = envelope.payload.replace(b'"fail"', b'"pass"')
        assert tampered.payload != envelope.payload
        try:
            tampered.verify([key], 1)
            sys.exit(f"{algorithm}: securesystemslib accepted a tampered payload")
        except VerificationError:
            pass
        print(f"{algorithm}: securesystemslib verifies bulwark's envelope and rejects a tampered one")

        # 2. securesystemslib signs, bulwark verifies.
        private = (
            ed25519.Ed25519PrivateKey.generate()
            if algorithm == "ed25519"
            else ec.generate_private_key(ec.SECP256R1())
        )
        signer = CryptoSigner(private)
        theirs = Envelope(payload=envelope.payload, payload_type=envelope.payload_type,
                          signatures={})
        theirs.sign(signer)
        (tmp / "theirs.json").write_text(json.dumps(theirs.to_dict()))
        (tmp / "theirs.pub").write_bytes(
            private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        )
        run(bulwark, "verify", tmp / "theirs.json", "--pub", tmp / "theirs.pub", expect=0)
        run(bulwark, "verify", tmp / "theirs.json", "--pub", tmp / "bulwark.pub", expect=4)
        print(f"{algorithm}: bulwark verifies securesystemslib's envelope and rejects the wrong key")


if __name__ == "__main__":
    main(sys.argv[1])
