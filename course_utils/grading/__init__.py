"""Trusted grading of submitted lessons (``python3 course.py grade``; see docs/instructors.md).

Student code never runs in the grader's process: each submitted lesson runs
in a sandbox (:mod:`course_utils.grading.sandbox`), driven by
:mod:`course_utils.grading.runner`. The trusted process sends its own inputs,
gets back plain values (tensors, numbers, containers, module descriptions,
in a bounded format that is never unpickled: :mod:`course_utils.grading.protocol`)
and compares them with the instructor's reference solution
(:mod:`course_utils.grading.probes`). :mod:`course_utils.grading.grade` runs a
class of submissions in parallel (or a share of it) and writes ``grades.csv``,
feedback, the class report (:mod:`course_utils.grading.report`) and (when
present) nbgrader's gradebook. The sandbox runs as root (a uid per sandbox) or
rootless (a user namespace per sandbox): :mod:`course_utils.grading.sandbox`.
"""
