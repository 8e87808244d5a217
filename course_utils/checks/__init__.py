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
their own seeded generators.

The package mirrors the course: :mod:`~course_utils.checks.common` holds
:class:`ExerciseError` and the small self-explaining assertions; the modules
``lesson01`` to ``lesson07`` hold each lesson's checks, all re-exported here.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import torch

from course_utils.checks.common import ExerciseError
from course_utils.checks.lesson01 import (
    check_my_log_sigmoid,
    check_my_log_sigmoid_extremes,
    check_my_sigmoid,
    check_my_sigmoid_extremes,
    check_sigmoid_derivative,
    check_sigmoid_derivative_tails,
)
from course_utils.checks.lesson02 import (
    check_make_logistic_model,
    check_make_logistic_model_more,
    check_model_3x,
    check_model_3x_details,
    check_prepare_input,
    check_prepare_input_more,
)
from course_utils.checks.lesson03 import (
    check_decision_boundary,
    check_decision_boundary_more,
    check_logistic_classifier,
    check_logistic_classifier_more,
    check_map_state_dict,
    check_map_state_dict_more,
)
from course_utils.checks.lesson04 import (
    check_bce_gradients,
    check_bce_gradients_more,
    check_predict_point,
    check_predict_point_more,
    check_train,
    check_train_more,
)
from course_utils.checks.lesson06 import (
    check_choose_threshold,
    check_choose_threshold_more,
    check_precision_recall,
    check_precision_recall_more,
    check_standardize,
    check_standardize_more,
)
from course_utils.checks.lesson05 import (
    check_choose_setting,
    check_choose_setting_more,
    check_poly_features,
    check_poly_features_more,
    check_standardize_splits,
    check_standardize_splits_more,
)
from course_utils.checks.lesson07 import (
    check_mnist_classifier,
    check_mnist_classifier_more,
    check_my_accuracy,
    check_my_accuracy_more,
    check_my_log_softmax,
    check_my_log_softmax_extremes,
)

__all__ = [
    "ExerciseError",
    # lesson 01
    "check_my_sigmoid",
    "check_my_sigmoid_extremes",
    "check_sigmoid_derivative",
    "check_sigmoid_derivative_tails",
    "check_my_log_sigmoid",
    "check_my_log_sigmoid_extremes",
    # lesson 02
    "check_model_3x",
    "check_model_3x_details",
    "check_make_logistic_model",
    "check_make_logistic_model_more",
    "check_prepare_input",
    "check_prepare_input_more",
    # lesson 03
    "check_logistic_classifier",
    "check_logistic_classifier_more",
    "check_map_state_dict",
    "check_map_state_dict_more",
    "check_decision_boundary",
    "check_decision_boundary_more",
    # lesson 04
    "check_bce_gradients",
    "check_bce_gradients_more",
    "check_train",
    "check_train_more",
    "check_predict_point",
    "check_predict_point_more",
    # lesson 06
    "check_precision_recall",
    "check_precision_recall_more",
    "check_standardize",
    "check_standardize_more",
    "check_choose_threshold",
    "check_choose_threshold_more",
    # lesson 05
    "check_poly_features",
    "check_poly_features_more",
    "check_standardize_splits",
    "check_standardize_splits_more",
    "check_choose_setting",
    "check_choose_setting_more",
    # lesson 07
    "check_my_log_softmax",
    "check_my_log_softmax_extremes",
    "check_my_accuracy",
    "check_my_accuracy_more",
    "check_mnist_classifier",
    "check_mnist_classifier_more",
]

# --------------------------------------------------------------------------
# Every check leaves the global random state as it found it (building a
# learner's model initialises layers from it), so a check cell never changes
# what the cells after it compute.
# --------------------------------------------------------------------------


def _keeps_random_state(check: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(check)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True
        with torch.random.fork_rng(devices=[]):
            return check(*args, **kwargs)
    return wrapper


for _name in __all__:
    if _name.startswith("check_"):
        globals()[_name] = _keeps_random_state(globals()[_name])
del _name
