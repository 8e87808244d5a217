"""Shared helpers for the course *Logistic Regression with PyTorch*.

The package is organised by what each module does:

- :mod:`course_utils.seeding`    -- make runs reproducible (``set_seed``)
- :mod:`course_utils.devices`    -- pick the CPU or a GPU (``get_device``)
- :mod:`course_utils.validation` -- input checks with messages that say how to fix things
- :mod:`course_utils.models`     -- ``LogisticRegression`` and ``SoftmaxRegression``
- :mod:`course_utils.data`       -- the data root and MNIST
- :mod:`course_utils.fetch_data` -- download MNIST ahead of time (``python -m course_utils.fetch_data``)
- :mod:`course_utils.synthetic`  -- 2-D two-class toy data and a seeded split (``make_two_blobs``, ``train_test_split``)
  and, for lesson 05, data a line cannot separate (``make_moons``, ``make_circles``, ``make_xor``) and ``train_val_test_split``
- :mod:`course_utils.training`   -- training loops and evaluation
- :mod:`course_utils.features`   -- lesson 05's feature maps: polynomial features and a standardiser fitted on the training split
- :mod:`course_utils.tabular`    -- lesson 06: breast-cancer data as tensors (malignant = 1), stratified split, ``Standardizer``
- :mod:`course_utils.mnist`      -- MNIST as one normalized in-memory tensor, and the per-image ``ToTensor()`` loader
- :mod:`course_utils.mnist_training` -- lesson 07's recipe (``train_mnist``, ``evaluate``, ``COURSE_RECIPE``)
- :mod:`course_utils.bench`      -- the MNIST benchmark (``python -m course_utils.bench``)
- :mod:`course_utils.metrics`    -- accuracy and confusion matrices; binary decision metrics (precision/recall, ROC, PR, Brier, calibration, cost)
- :mod:`course_utils.plotting`   -- the course's figures
- :mod:`course_utils.widgets`    -- interactive explorers (ipywidgets)
- :mod:`course_utils.checks`     -- feedback for the graded exercises
"""

from course_utils.devices import get_device
from course_utils.models import LogisticRegression
from course_utils.seeding import set_seed

__all__ = ["LogisticRegression", "get_device", "set_seed"]
__version__ = "0.1.0"
