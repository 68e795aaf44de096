"""Instructor side of Logits to Loss: build, grade, feedback and report (`python -m grader`)."""

import sys

# jsonschema builds an IRI grammar when it is imported (about 1 s, paid by the grader and
# by its fork server). Notebook schemas never use the "iri" format, so the grader runs
# without that optional checker.
sys.modules.setdefault("rfc3987_syntax", None)
