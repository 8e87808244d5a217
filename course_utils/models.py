"""The two models of the course.

Both return **logits** from ``forward``: the losses that take logits
(``BCEWithLogitsLoss``, ``CrossEntropyLoss``) are numerically stable, and
one model serves training and prediction alike. ``predict_proba`` and
``predict`` turn logits into probabilities and classes.
"""

from __future__ import annotations

import torch
from torch import nn

from course_utils.validation import (
    check_finite,
    check_float_features,
    check_int,
    check_matching_dtype,
    check_positive_int,
    check_probability,
    check_tensor,
)


class LogisticRegression(nn.Module):
    """Binary logistic regression: ``p(y=1 | x) = sigmoid(w . x + b)``.

    Parameters
    ----------
    n_inputs:
        The number of features per example.

    Examples
    --------
    >>> model = LogisticRegression(n_inputs=2)
    >>> model(torch.zeros(3, 2)).shape          # logits, one per row
    torch.Size([3, 1])
    >>> model.predict(torch.zeros(3, 2)).shape  # classes 0/1
    torch.Size([3, 1])
    """

    def __init__(self, n_inputs: int) -> None:
        super().__init__()
        check_positive_int(n_inputs, "n_inputs", hint="It is the number of features, e.g. LogisticRegression(2).")
        self.n_inputs = n_inputs
        self.linear = nn.Linear(n_inputs, 1)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Return the logits ``w . x + b``, shaped ``(batch, 1)``."""
        X = check_float_features(X, self.n_inputs)
        check_matching_dtype(X, self)
        return self.linear(X)

    @torch.no_grad()
    def predict_proba(self, X: torch.Tensor) -> torch.Tensor:
        """Return ``p(y=1 | x)`` for each row, shaped ``(batch, 1)``; a NaN or inf in ``X`` is refused."""
        X = check_float_features(X, self.n_inputs)
        check_finite(X, "X")
        return torch.sigmoid(self(X))

    @torch.no_grad()
    def predict(self, X: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
        """Return the class (0 or 1, as ``torch.long``) for each row, shaped ``(batch, 1)``.

        A row is class 1 when its probability is at least ``threshold``.
        """
        check_probability(threshold, "threshold")
        return (self.predict_proba(X) >= threshold).long()

    def extra_repr(self) -> str:
        return f"n_inputs={self.n_inputs}"


class SoftmaxRegression(nn.Module):
    """Multinomial logistic (softmax) regression: ``nn.Flatten()`` then ``nn.Linear``.

    For MNIST, ``SoftmaxRegression()`` maps a ``(batch, 1, 28, 28)`` image
    batch (or ``(batch, 784)`` rows) to ``(batch, 10)`` logits, with
    ``784 * 10 + 10 = 7,850`` parameters.
    """

    def __init__(self, n_inputs: int = 784, n_classes: int = 10) -> None:
        super().__init__()
        check_int(n_inputs, "n_inputs", minimum=1, hint="For MNIST it is 784 (28 x 28 pixels).")
        check_int(n_classes, "n_classes", minimum=2, hint="For MNIST it is 10 (the digits 0-9).")
        self.n_inputs = n_inputs
        self.n_classes = n_classes
        self.flatten = nn.Flatten()
        self.linear = nn.Linear(n_inputs, n_classes)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Return the logits, shaped ``(batch, n_classes)``."""
        X = check_tensor(X, "X")
        if X.ndim < 2:
            raise ValueError(
                f"X must be a batch, shaped (batch, {self.n_inputs}) or (batch, 1, 28, 28); "
                f"got shape {tuple(X.shape)}. For one image use X.unsqueeze(0)."
            )
        X = check_float_features(self.flatten(X), self.n_inputs)
        check_matching_dtype(X, self)
        return self.linear(X)

    def _finite_logits(self, X: torch.Tensor) -> torch.Tensor:
        logits = self(X)  # checks the type and shape of X first
        check_finite(X, "X")
        return logits

    @torch.no_grad()
    def predict_proba(self, X: torch.Tensor) -> torch.Tensor:
        """Return the class probabilities, shaped ``(batch, n_classes)``; rows sum to 1. NaN/inf inputs are refused."""
        return torch.softmax(self._finite_logits(X), dim=1)

    @torch.no_grad()
    def predict(self, X: torch.Tensor) -> torch.Tensor:
        """Return the most probable class for each row, shaped ``(batch,)``. NaN/inf inputs are refused."""
        return self._finite_logits(X).argmax(dim=1)

    def extra_repr(self) -> str:
        return f"n_inputs={self.n_inputs}, n_classes={self.n_classes}"


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Return the number of (trainable) scalar parameters in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
