"""Seeding, devices and input validation."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from course_utils import get_device, set_seed
from course_utils.devices import describe_device, torch_threads
from course_utils.validation import (
    check_binary_targets,
    check_float_features,
    check_positive,
    check_positive_int,
)


def test_set_seed_makes_every_generator_repeat():
    set_seed(3)
    first = (random.random(), np.random.rand(), torch.rand(3))
    set_seed(3)
    second = (random.random(), np.random.rand(), torch.rand(3))
    assert first[0] == second[0] and first[1] == second[1]
    torch.testing.assert_close(first[2], second[2])


def test_set_seed_returns_an_independent_seeded_generator():
    g1, g2 = set_seed(5), set_seed(5)
    torch.testing.assert_close(torch.rand(4, generator=g1), torch.rand(4, generator=g2))


@pytest.mark.parametrize("bad", [1.5, "0", None, True, -1])
def test_set_seed_refuses_non_integers(bad):
    with pytest.raises((TypeError, ValueError), match="seed"):
        set_seed(bad)


def test_get_device_cpu_when_asked_or_without_cuda(monkeypatch):
    assert get_device(prefer_gpu=False) == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert get_device() == torch.device("cpu")
    assert describe_device(get_device()) == "cpu"


def test_get_device_cuda_when_present(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device() == torch.device("cuda")


def test_torch_threads_sets_and_restores_the_thread_count():
    before = torch.get_num_threads()
    target = 1 if before != 1 else 2
    with torch_threads(target):
        assert torch.get_num_threads() == target
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError, match="inside"):
        with torch_threads(target):
            raise RuntimeError("inside")
    assert torch.get_num_threads() == before  # restored on an error too
    with torch_threads(None):
        assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="num_threads must be a positive integer"):
        with torch_threads(0):
            pass


def test_check_float_features_accepts_a_good_batch():
    X = torch.zeros(3, 2)
    assert check_float_features(X, 2) is X


def test_check_float_features_three_dims_hint():
    with pytest.raises(ValueError, match=r"reshape\(len\(X\), -1\)"):
        check_float_features(torch.zeros(2, 2, 2))


def test_check_binary_targets_reshapes_and_validates():
    y = check_binary_targets(torch.tensor([0, 1, 1]), n_rows=3)
    assert y.shape == (3, 1) and y.dtype == torch.float32
    with pytest.raises(ValueError, match="only the labels 0 and 1"):
        check_binary_targets(torch.tensor([0, 2]))
    with pytest.raises(ValueError, match="3 labels but X has 2 rows"):
        check_binary_targets(torch.tensor([0, 1, 1]), n_rows=2)


def test_check_positive_numbers():
    assert check_positive(0.1, "lr") == 0.1
    assert check_positive_int(5, "num_epochs") == 5
    with pytest.raises(ValueError, match="lr must be a positive number"):
        check_positive(0, "lr")
    with pytest.raises(ValueError, match="num_epochs must be a positive integer"):
        check_positive_int(2.0, "num_epochs")
