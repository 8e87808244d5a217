"""Trusted grading of submitted lessons (``python3 course.py grade``; see docs/instructors.md).

Student code never runs in the grader's process: each submitted lesson runs
in a sandbox (:mod:`course_utils.grading.sandbox`), driven by
:mod:`course_utils.grading.runner`. The trusted process sends its own inputs,
gets back plain values (tensors, numbers, containers, module descriptions,
loaded with ``torch.load(weights_only=True)``) and compares them with the
instructor's reference solution (:mod:`course_utils.grading.probes`).
:mod:`course_utils.grading.grade` runs a class of submissions in parallel
and writes ``grades.csv``, feedback and (when present) nbgrader's gradebook.
"""
