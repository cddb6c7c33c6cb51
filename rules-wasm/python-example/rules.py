"""The `prepared` resource of the `rules` interface: one document, parsed
once, evaluated rule by rule."""

import json

from componentize_py_types import Err, Ok
from wit_world.imports import types

RULE = "python-maintainer-deprecated"


def from_tree(tree):
    """The document from the flat tree bulwark hands over (`tree` in
    wit/rules.wit): four numbers a value in document order, offsets in
    bytes of the UTF-8 `strings`."""
    nodes, strings = tree.nodes, tree.strings.encode()

    def text(start, length):
        return strings[start : start + length].decode()

    def value(i):
        start, key_len, kind_len, end = nodes[4 * i : 4 * i + 4]
        kind, length = kind_len >> 29, kind_len & ((1 << 29) - 1)
        if kind == 0:
            return None
        if kind in (1, 2):
            return kind == 2
        if kind == 3:
            return json.loads(text(start + key_len, length))
        if kind == 4:
            return text(start + key_len, length)
        children, child = [], i + 1
        while child < end:
            children.append(child)
            child = nodes[4 * child + 3]
        if kind == 5:
            return [value(c) for c in children]
        return {text(nodes[4 * c], nodes[4 * c + 1]): value(c) for c in children}

    return value(0)


class Prepared:
    def __init__(self, doc, opts):
        # bulwark sends Dockerfiles as JSON text; read both forms anyway.
        if isinstance(doc.content, types.Content_Json):
            self.doc = json.loads(doc.content.value)
        else:
            self.doc = from_tree(doc.content.value)

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
