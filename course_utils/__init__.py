"""Shared helpers for the course *Logistic Regression with PyTorch*.

The package is organized by what each module does:

- :mod:`course_utils.seeding`    -- make runs reproducible (``set_seed``)
- :mod:`course_utils.devices`    -- pick the CPU or a GPU (``get_device``), and the CPU thread count (``torch_threads``)
- :mod:`course_utils.validation` -- input checks with messages that say how to fix things
- :mod:`course_utils.models`     -- ``LogisticRegression`` and ``SoftmaxRegression``
- :mod:`course_utils.data`       -- the data root (``COURSE_DATA_DIR``, else ``data/``)
- :mod:`course_utils.synthetic`  -- 2-D two-class toy data and seeded splits (lessons 04 and 05)
- :mod:`course_utils.training`   -- binary logistic regression: ``train_logistic_regression``, ``fit_lbfgs``
- :mod:`course_utils.features`   -- lesson 05's polynomial features, standardized on the training split
- :mod:`course_utils.tabular`    -- lesson 06's breast-cancer data (malignant = 1), stratified split, ``Standardizer``
- :mod:`course_utils.mnist`      -- everything MNIST (lesson 07): its files (``python -m course_utils.mnist``),
  in-memory tensors and splits, and softmax regression by the course recipe (``train_softmax_regression``)
- :mod:`course_utils.bench`      -- the MNIST benchmark (``python -m course_utils.bench``)
- :mod:`course_utils.metrics`    -- accuracy, confusion matrices, binary decision metrics
- :mod:`course_utils.plotting`   -- the course's figures
- :mod:`course_utils.widgets`    -- interactive explorers (ipywidgets)
- :mod:`course_utils.checks`     -- feedback for the graded exercises
- :mod:`course_utils.grading`    -- the sandboxed grader (``python3 course.py grade``)

Names are fixed across the course, as in d2l: ``X``, ``y``, ``model``, ``loss_fn``,
``optimizer``, ``lr``; ``num_`` counts how many times something is done (``num_epochs``,
``num_threads``), ``n_`` how many things there are (``n_samples``, ``n_inputs``, ``n_classes``).
Spelling is American (``color``, ``center``, ``normalize``), as in PyTorch and matplotlib.
"""

from course_utils.devices import get_device
from course_utils.models import LogisticRegression
from course_utils.seeding import set_seed

__all__ = ["LogisticRegression", "get_device", "set_seed"]
__version__ = "0.1.0"
