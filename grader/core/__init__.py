"""The grading core: one submission in, one record out.

The sandbox that runs a learner's notebook once (runner), the judge that runs the
test cells where no learner code runs, the wire between them, and the records of
what was decided. Nothing here imports the course tools (grader.tools).
"""
