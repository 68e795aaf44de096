"""The course tools around the grading core: build the notebooks, grade a class,
the gradebooks, feedback, the local hub and the benchmarks."""
