"""An example bulwark rule module in Python, built with componentize-py.

It shows the WIT contract is language-neutral: the same `bulwark:rules`
world the Rust packs export, the same documents, the same JSON-pointer
findings. componentize-py names the classes after the exported interface:
`Rules` here, and the interface's resource `Prepared` in `rules.py`.
"""

from wit_world import exports
from wit_world.imports import types

EXPLANATION = """# python-maintainer-deprecated: deprecated MAINTAINER instruction

**Control:** Dockerfile reference, "MAINTAINER (deprecated)".

## Why it matters
`MAINTAINER` was deprecated in favour of labels: tools that read image
metadata (registries, SBOM generators, scanners) look for
`org.opencontainers.image.authors`, not the MAINTAINER field.

## What the rule checks
Every `MAINTAINER` instruction, in every stage.

This rule is written in Python (rules-wasm/python-example) to show that any
language that builds a WebAssembly component for the `bulwark:rules` world
can write rules.
"""


class Rules(exports.Rules):
    def rules(self):
        return [
            types.RuleMeta(
                id="python-maintainer-deprecated",
                title="Deprecated MAINTAINER instruction",
                severity=types.Severity.INFO,
                kinds=[types.InputKind.DOCKERFILE],
                controls=["Dockerfile MAINTAINER"],
                remediation='Replace it with `LABEL org.opencontainers.image.authors="…"`.',
                explanation=EXPLANATION,
                reads=[],
            )
        ]
