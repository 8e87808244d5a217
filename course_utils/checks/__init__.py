"""Feedback for the graded exercises: one place for the check logic.

Every lesson ends with graded exercises. Each answer cell is followed by a
test cell that calls a ``check_*`` function from this module, so a learner
working alone gets the same feedback as the instructor's autograder
(nbgrader):

- on a right answer a check prints **one line** starting with ``✓``;
- on a wrong answer it raises :class:`ExerciseError`, whose message is the
  hint: what is wrong (wrong shape, wrong value at which input, ``nan`` at
  large inputs, ...) and how to fix it.

The visible test cells call the checks whose names match the exercise
(``check_my_sigmoid``); the hidden tests of the grader call the extra
checks that probe other inputs and edge cases (``check_my_sigmoid_extremes``).

The principle: **a visible check tests every rule its task states** (the
values, the edge cases the task names, the return types, new and trainable
models, any number of features, logits rather than probabilities, ...), so a
learner never sees ✓ for an answer the task forbids. Hidden tests then probe
*other inputs of the same rules* (fresh values, shapes, dtypes), never a rule
the task does not state. When the learner's code raises, the check keeps the
original error and, for the common attempts (Python's ``max`` on a tensor,
``.max(dim=...)`` without ``.values``, a missing ``keepdim``, ``fill_`` with a
vector, ...), adds what to write instead (``common._hint_for``).
Checks never change the global random state: they draw their inputs from
their own seeded generators, and each is decorated with
:func:`~course_utils.checks.common.keeps_random_state`.

The package mirrors the course: :mod:`~course_utils.checks.common` holds
:class:`ExerciseError` and the small self-explaining assertions; the modules
``lesson01`` to ``lesson07`` hold each lesson's checks, all re-exported here
(``checks.check_x`` is the same function as ``checks.lessonNN.check_x``).
"""

from course_utils.checks import lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07
from course_utils.checks.common import ExerciseError
from course_utils.checks.lesson01 import *  # noqa: F403
from course_utils.checks.lesson02 import *  # noqa: F403
from course_utils.checks.lesson03 import *  # noqa: F403
from course_utils.checks.lesson04 import *  # noqa: F403
from course_utils.checks.lesson05 import *  # noqa: F403
from course_utils.checks.lesson06 import *  # noqa: F403
from course_utils.checks.lesson07 import *  # noqa: F403

__all__ = [
    "ExerciseError",
    *lesson01.__all__,
    *lesson02.__all__,
    *lesson03.__all__,
    *lesson04.__all__,
    *lesson05.__all__,
    *lesson06.__all__,
    *lesson07.__all__,
]
