"""Instructor side of Logits to Loss: build, grade, feedback and report (`python -m grader`)."""
