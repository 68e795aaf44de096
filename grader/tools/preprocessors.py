"""nbgrader preprocessors the course adds to autograding."""

from __future__ import annotations

import json

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Int


class LimitRichOutput(NbGraderPreprocessor):
    """Replace any rich output (HTML, images, JSON) larger than `max_bytes` with a note.

    nbgrader's LimitOutput trims stream text and tracebacks only; a submission that
    displays megabytes of HTML would otherwise be stored and sent back in feedback.
    """

    max_bytes = Int(100_000, help="largest rich output kept, in bytes").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.outputs = [self._limit(o) for o in cell.outputs]
        return cell, resources

    def _limit(self, output):
        if output.output_type not in ("display_data", "execute_result"):
            return output
        size = len(json.dumps(output.get("data", {})))
        if size <= self.max_bytes:
            return output
        note = f"[{size // 1000} kB of output removed by the grader: the limit is {self.max_bytes // 1000} kB]"
        return new_output("stream", name="stdout", text=note + "\n")
