"""The `prepared` resource of the `rules` interface: one document, parsed
once, evaluated rule by rule."""

import json

from componentize_py_types import Err, Ok
from wit_world.imports import types

RULE = "python-maintainer-deprecated"


class Prepared:
    def __init__(self, doc, opts):
        self.doc = json.loads(doc.json)

    def evaluate(self, rule_id):
        if rule_id != RULE:
            raise Err(types.RuleError_Internal(f"no rule {rule_id}"))
        findings = []
        for s, stage in enumerate(self.doc.get("stages", [])):
            for i, instruction in enumerate(stage.get("instructions", [])):
                if instruction.get("keyword") == "MAINTAINER":
                    findings.append(
                        types.Finding(
                            rule_id=RULE,
                            message="MAINTAINER is deprecated; use the org.opencontainers.image.authors label",
                            pointer=f"/stages/{s}/instructions/{i}",
                            detail=None,
                            redact=[],
                        )
                    )
        return findings

    def evaluate_all(self, rule_ids):
        results = []
        for rule_id in rule_ids:
            try:
                results.append(Ok(self.evaluate(rule_id)))
            except Err as e:
                results.append(e)
        return results
