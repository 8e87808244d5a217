"""Everything MNIST, in one place: its files, its tensors, and lesson 07's training recipe.

- :mod:`course_utils.mnist.files`    -- find, download (``python -m course_utils.mnist``) and
  verify the four files; ``load_mnist`` returns torchvision's dataset from verified files
- :mod:`course_utils.mnist.tensors`  -- a whole split as one normalized in-memory tensor, the seeded
  validation split (``mnist_splits``), and the tutorials' per-image ``ToTensor()`` loader
- :mod:`course_utils.mnist.training` -- softmax regression trained by the course recipe
  (``train_softmax_regression``, ``evaluate``, ``COURSE_RECIPE``)

The names below are re-exported, so ``from course_utils.mnist import mnist_splits`` works.
"""

from course_utils.mnist.files import (
    MNIST_FILES, DatasetFileError, load_mnist, mnist_files_present, verify_mnist,
)
from course_utils.mnist.tensors import (
    MNIST_MEAN, MNIST_STD, N_TEST, N_TRAIN, images_to_tensor, mnist_splits, mnist_tensors, to_tensor_loader,
    to_tensor_transform, training_mean_std, validation_split,
)
from course_utils.mnist.training import (
    COURSE_RECIPE, EpochMetrics, evaluate, minibatches, train_softmax_regression,
)

__all__ = [
    "COURSE_RECIPE", "DatasetFileError", "EpochMetrics", "MNIST_FILES", "MNIST_MEAN", "MNIST_STD", "N_TEST",
    "N_TRAIN", "evaluate", "images_to_tensor", "load_mnist", "minibatches", "mnist_files_present", "mnist_splits",
    "mnist_tensors", "to_tensor_loader", "to_tensor_transform", "train_softmax_regression", "training_mean_std",
    "validation_split", "verify_mnist",
]
