"""The course's figures: one look, color-blind-safe colors, titles, labels, legends.

Every function draws on a Matplotlib ``Axes`` (a new one when ``ax`` is
``None``) and returns it (or returns the ``Figure`` for multi-panel plots),
so notebooks can compose figures and tests can inspect what was drawn
(lines, labels, data) rather than pixels.

- :mod:`~course_utils.plotting.style`   -- colors and defaults
- :mod:`~course_utils.plotting.sigmoid` -- lesson 01
- :mod:`~course_utils.plotting.mnist`   -- lesson 07 (digits, epoch curves, confusion matrix, weights)
- :mod:`~course_utils.plotting.binary`  -- lessons 04-05 (2-D points, decision boundaries, BCE, training and
  validation curves)
- :mod:`~course_utils.plotting.decisions` -- lesson 06 (confusion matrix, ROC, precision-recall, reliability, cost)
"""

from course_utils.plotting.binary import (
    plot_bce_branches,
    plot_candidate_lines,
    plot_decision_boundary,
    plot_histories,
    plot_loss_curve,
    plot_points_2d,
    plot_probability_surface,
    plot_validation_curve,
)
from course_utils.plotting.decisions import (
    plot_binary_confusion,
    plot_cost_curve,
    plot_precision_recall,
    plot_reliability,
    plot_roc,
)
from course_utils.plotting.mnist import (
    most_confident_mistakes,
    plot_class_counts,
    plot_confident_mistakes,
    plot_confusion_matrix,
    plot_digit_grid,
    plot_epoch_history,
    plot_prediction,
    plot_probabilities,
    plot_weight_images,
)
from course_utils.plotting.sigmoid import plot_sigmoid, plot_sigmoid_curve, plot_sigmoid_family
from course_utils.plotting.style import CLASS_COLORS, COLORS, PALETTE, new_axes, use_course_style

__all__ = [
    "CLASS_COLORS",
    "COLORS",
    "PALETTE",
    "new_axes",
    "plot_bce_branches",
    "plot_candidate_lines",
    "plot_decision_boundary",
    "plot_histories",
    "plot_loss_curve",
    "plot_points_2d",
    "plot_probability_surface",
    "plot_validation_curve",
    "plot_sigmoid",
    "plot_sigmoid_curve",
    "plot_sigmoid_family",
    "use_course_style",
    "most_confident_mistakes",
    "plot_class_counts",
    "plot_confident_mistakes",
    "plot_confusion_matrix",
    "plot_digit_grid",
    "plot_epoch_history",
    "plot_prediction",
    "plot_probabilities",
    "plot_weight_images",
    "plot_binary_confusion",
    "plot_cost_curve",
    "plot_precision_recall",
    "plot_reliability",
    "plot_roc",
]
