"""What the trusted grader asks of each exercise, and how it compares the answers with the reference.

Each exercise has a list of probes: calls of the learner's function (or class,
or a reading of a variable) on the grader's own inputs. The same probe runs on
the instructor's reference solution in the trusted process; the two *encoded*
results (:func:`course_utils.grading.protocol.encode`) must agree: the same
exact types (a ``float`` is not an ``int`` nor a ``numpy.float64``; a tuple is
not a list), tensors of the same dtype and shape with close values, modules of
the same classes with the same parameters (and ``requires_grad`` flags), and
the inputs left as the reference leaves them (an answer that changes its input
in place is caught). A probe with ``grad_index`` also compares the gradient of
``out.sum()`` with respect to that input, computed by autograd in the sandbox.

Exercises whose value is a trained model (lesson 07 Ex3) are judged by the
course's own check, in the trusted process, on a model rebuilt from the
returned parameters.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

import torch

from course_utils.grading.protocol import describe, encode


@dataclass
class Probe:
    """One request: call ``target(*args, **kwargs)`` (``kind="call"``) or read ``target`` (``kind="get"``)."""

    target: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    kind: str = "call"
    grad_index: int | None = None
    atol: float = 1e-6
    rtol: float = 1e-4
    label: str = ""
    #: a list answers as well as a tuple (the task says "returns (a, b)" and the visible check accepts both)
    any_sequence: bool = False
    #: the result must not track gradients (the task asks for ``@torch.no_grad()`` predictions)
    no_grad: bool = False

    def text(self) -> str:
        if self.label:
            return self.label
        if self.kind == "get":
            return self.target
        return f"{self.target}({', '.join(_short(a) for a in self.args)})"


def _short(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"<tensor {tuple(value.shape)} {str(value.dtype).replace('torch.', '')}>"
    if isinstance(value, torch.nn.Module):
        return f"<{type(value).__name__}>"
    text = repr(value)
    return text if len(text) < 40 else text[:37] + "..."


def _g(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _logistic(n_inputs: int, seed: int):
    from course_utils import LogisticRegression

    torch.manual_seed(seed)
    return LogisticRegression(n_inputs=n_inputs)


def _blobs(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = _g(seed)
    y = (torch.rand(n, 1, generator=g) < 0.5).float()
    X = torch.randn(n, 2, generator=g) + 1.5 * (2 * y - 1)
    return X, y


def _results(rows: list[tuple]) -> list[dict]:
    keys = ("degree", "weight_decay", "train_accuracy", "val_accuracy", "test_accuracy")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _lesson01() -> dict[str, list[Probe]]:
    z = torch.cat([torch.linspace(-12, 12, 97), torch.tensor([-1000.0, -200.0, -88.5, -40.0, 40.0, 88.5, 1000.0])])
    # float64 beyond +-745, where exp overflows in float64 too: a float64 detour with a clamp shows there
    z64 = torch.tensor([[-700.0, -300.0, 0.5, -800.0], [2.0, 300.0, 700.0, 800.0]], dtype=torch.float64)
    rand = (torch.rand(4, 5, generator=_g(7)) * 400 - 200)
    zero_d = torch.tensor(-3.25)
    probes = {}
    for ex, name in (("ex1", "my_sigmoid"), ("ex2", "sigmoid_derivative"), ("ex3", "my_log_sigmoid")):
        cases = [Probe(name, (z,), grad_index=None if ex == "ex2" else 0, atol=1e-38),
                 Probe(name, (z64,), grad_index=None if ex == "ex2" else 0, atol=1e-322),
                 Probe(name, (rand,), grad_index=None if ex == "ex2" else 0, atol=1e-38),
                 Probe(name, (zero_d,))]
        if ex == "ex2":
            cases.append(Probe(name, (torch.tensor([20.0, -20.0, 60.0, -60.0, 0.0]),), atol=1e-38))
        probes[ex] = cases
    return probes


def _new_every_call(call: Probe, store: str) -> list[Probe]:
    """``call`` twice, with the first model's bias changed in between: a model shared between calls shows."""
    first = Probe(call.target, call.args, {"_store": store}, label=f"{call.text()} (first call)")
    poke = Probe(f"{store}.0.bias.data.fill_", (5.0,), label=f"setting the bias of the first {call.target}() to 5")
    again = Probe(call.target, call.args, label=f"{call.text()} again, after the first model's bias was changed")
    look = Probe(store, kind="get", label=f"the first {call.target}() model after the second call (a new model "
                                           "on every call)")
    return [first, poke, again, look]


def _lesson02() -> dict[str, list[Probe]]:
    return {
        "ex1": [Probe("build_model_3x"), *_new_every_call(Probe("build_model_3x"), "_grader_m3x")],
        "ex2": [*_new_every_call(Probe("make_logistic_model", ([0.5, -2.0, 1.25], -0.75)), "_grader_mlm"),
                Probe("make_logistic_model", ([0.5, -2.0, 1.25], -0.75)),
                Probe("make_logistic_model", ([4.0], 2.5)),
                Probe("make_logistic_model", ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 0.0))],
        "ex3": [Probe("prepare_input", ([1.5, -2.0, 3.0],)), Probe("prepare_input", ((7, 8),)),
                Probe("prepare_input", (torch.tensor([1, 2, 3, 4]),)),
                Probe("prepare_input", (torch.tensor([0.25, 0.5], dtype=torch.float64),)),
                Probe("prepare_input", ([5.0],)),
                # float32 tensors: torch.as_tensor returns the caller's tensor itself, so an in-place
                # unsqueeze_ or resize_ shows in the inputs after the call
                Probe("prepare_input", (torch.tensor([0.5, 1.5, -2.0]),)),
                Probe("prepare_input", (torch.tensor([[1.0], [2.0]]).reshape(-1),))],
    }


def _lesson03() -> dict[str, list[Probe]]:
    X3 = torch.randn(6, 3, generator=_g(31))
    X1 = torch.tensor([[-2.0], [0.0], [0.4], [3.0]])
    sd2 = {"0.weight": torch.tensor([[1.5, -0.5]]), "0.bias": torch.tensor([0.25])}
    sd4 = {"0.weight": torch.randn(1, 4, generator=_g(32)), "0.bias": torch.tensor([-1.0])}
    m1 = _logistic(1, 33)
    with torch.no_grad():
        m2 = _logistic(1, 34)
        m2.linear.weight.fill_(-2.0)
        m2.linear.bias.fill_(3.0)
    ex1 = []
    # logits exactly 0 at x = 0.5 (p = 0.5 exactly: class 1, "at least threshold") and large ones elsewhere
    X_tie = torch.tensor([[0.5], [0.0], [1.0], [-20.0], [20.0]])
    for i, (n, X) in enumerate(((3, X3), (1, X1), (1, X_tie))):
        obj = f"_grader_clf{i}"
        state = _state_for(n) if i < 2 else {"linear.weight": torch.tensor([[2.0]]),
                                             "linear.bias": torch.tensor([-1.0])}
        ex1 += [Probe("LogisticClassifier", (n,), label=f"LogisticClassifier({n})", kwargs={"_store": obj},
                      atol=math.inf),  # the structure; the initial values are random
                Probe(f"{obj}.load_state_dict", (state,), label=f"load_state_dict on LogisticClassifier({n})"),
                Probe(obj, (X,), label=f"LogisticClassifier({n})(X)"),
                Probe(f"{obj}.predict_proba", (X,), no_grad=True), Probe(f"{obj}.predict", (X,), no_grad=True),
                Probe(f"{obj}.predict", (X, 0.8)), Probe(f"{obj}.predict", (X,), {"threshold": 0.2})]
    return {
        "ex1": ex1,
        "ex2": [Probe("map_state_dict", (sd2,)), Probe("map_state_dict", (sd4,))],
        "ex3": [Probe("decision_boundary", (m1,)), Probe("decision_boundary", (m2,))],
    }


def _state_for(n: int) -> dict:
    g = _g(40 + n)
    return {"linear.weight": torch.randn(1, n, generator=g), "linear.bias": torch.randn(1, generator=g)}


def _lesson04() -> dict[str, list[Probe]]:
    X, y = _blobs(40, 41)
    w, b = torch.tensor([[0.3, -0.7]]), torch.tensor([0.2])
    X5 = torch.randn(9, 5, generator=_g(42))
    y5 = (torch.rand(9, 1, generator=_g(43)) < 0.5).float()
    w5, b5 = torch.randn(1, 5, generator=_g(44)), torch.tensor([-0.4])
    return {
        "ex1": [Probe("bce_gradients", (X, y, w, b)), Probe("bce_gradients", (X5, y5, w5, b5))],
        "ex2": [Probe("train", (_logistic(2, 45), X, y, 0.5, 7), atol=1e-5),
                Probe("train", (_logistic(2, 46), X[:10], y[:10], 0.05, 3), atol=1e-5),
                # a start with confident mistakes (logits beyond 20): BCELoss on probabilities differs there
                Probe("train", (_confident(), X, y, 0.1, 3), atol=1e-5),
                # 1031 rows: a loop over mini-batches of any usual size takes several steps per epoch
                Probe("train", (_logistic(2, 40), *_blobs(1031, 44), 0.5, 2), atol=1e-5)],
        "ex3": [Probe("predict_point", (_logistic(2, 47), (0.5, -1.0))),
                Probe("predict_point", (_logistic(2, 48), (-3.0, 2.0))),
                Probe("predict_point", (_logistic(2, 49), (0.0, 0.0))),
                Probe("predict_point", (_logistic(2, 49), (2, -1))),  # integer coordinates
                Probe("predict_point", (_exact_half(), (1.0, -1.0))),  # p exactly 0.5: class 1
                Probe("predict_point", (_exact_half(), (3, -3)))],
    }


def _confident():
    model = _logistic(2, 52)
    with torch.no_grad():
        model.linear.weight.copy_(torch.tensor([[-12.0, 6.0]]))
        model.linear.bias.fill_(1.0)
    return model


def _exact_half():
    """Weights (1, 1), bias 0: the logit is exactly 0 on the line x1 = -x2."""
    model = _logistic(2, 53)
    with torch.no_grad():
        model.linear.weight.fill_(1.0)
        model.linear.bias.fill_(0.0)
    return model


def _lesson05() -> dict[str, list[Probe]]:
    X = torch.randn(7, 2, generator=_g(51))
    Xtr, Xo = torch.randn(20, 3, generator=_g(52)) * 3 + 1, torch.randn(5, 3, generator=_g(53))
    return {
        "ex1": [Probe("poly_features", (X, 1)), Probe("poly_features", (X, 3)), Probe("poly_features", (X, 5)),
                Probe("poly_features", (X.double(), 3), atol=1e-12)],
        "ex2": [Probe("standardize_splits", (Xtr, Xo), any_sequence=True),
                Probe("standardize_splits", (Xtr[:4, :2], Xo[:, :2]), any_sequence=True),
                Probe("standardize_splits", (Xtr.double(), Xo.double()), atol=1e-12, any_sequence=True)],
        "ex3": [Probe("choose_setting", (_results([(1, 0.001, 0.80, 0.79, 0.95), (4, 0.01, 0.97, 0.88, 0.80),
                                                    (9, 0.0, 0.99, 0.82, 0.90)]),)),
                Probe("choose_setting", (_results([(5, 0.01, 0.90, 0.91, 0.80), (3, 0.1, 0.85, 0.91, 0.82),
                                                    (3, 0.001, 0.93, 0.91, 0.99), (7, 1.0, 0.70, 0.60, 0.97)]),)),
                Probe("choose_setting", (_results([(2, 0.0, 0.5, 0.5, 0.5)]),)),
                # ties across degrees with the larger weight decay on the higher degree: degree decides first
                Probe("choose_setting", (_results([(3, 1.0, 0.90, 0.85, 0.80), (2, 0.01, 0.88, 0.85, 0.81),
                                                    (2, 0.001, 0.91, 0.85, 0.83), (1, 0.1, 0.70, 0.70, 0.99)]),)),
                # accuracies that differ in the third decimal only are not tied (rounding first picks degree 2)
                Probe("choose_setting", (_results([(2, 0.1, 0.90, 0.901, 0.91), (6, 0.001, 0.95, 0.904, 0.86),
                                                    (9, 0.0, 0.99, 0.87, 0.92)]),))],
    }


def _on_grid(indices: list[int]) -> torch.Tensor:
    """Probabilities equal to entries of lesson 06's THRESHOLDS (torch.linspace(0.01, 0.99, 99))."""
    return torch.linspace(0.01, 0.99, 99)[indices]


def _lesson06() -> dict[str, list[Probe]]:
    y = (torch.rand(50, generator=_g(61)) < 0.4).long()
    pred = (torch.rand(50, generator=_g(62)) < 0.5).long()
    p = torch.rand(50, generator=_g(63))
    Xtr, X = torch.randn(30, 4, generator=_g(64)) * 2 + 3, torch.randn(8, 4, generator=_g(65))
    return {
        "ex1": [Probe("precision_recall", (y, pred)), Probe("precision_recall", (y.float(), pred.float())),
                Probe("precision_recall", (y, torch.zeros(50, dtype=torch.long))),
                Probe("precision_recall", (torch.zeros(5, dtype=torch.long), torch.ones(5, dtype=torch.long)))],
        "ex2": [Probe("standardize", (Xtr, X)), Probe("standardize", (Xtr, Xtr))],
        # exact: the answer is an entry of THRESHOLDS itself (a grid rebuilt by hand differs by rounding)
        "ex3": [Probe("choose_threshold", args, atol=0, rtol=0) for args in (
                    (y, p, 10, 1), (y, p, 1, 5), (y.float(), p, 2.5, 2.5),
                    # probabilities exactly on the grid THRESHOLDS: `p >= t` and `p > t` differ there
                    (torch.tensor([1.0, 0.0, 0.0, 0.0]), _on_grid([19, 29, 39, 49]), 1, 1),
                    (torch.tensor([1, 0, 1, 0, 0]), _on_grid([6, 6, 12, 33, 70]), 10, 1))]
               + [Probe("best_threshold", kind="get", atol=0, rtol=0)],
    }


def _lesson07() -> dict[str, list[Probe]]:
    logits = torch.randn(8, 10, generator=_g(71)) * 5
    big = torch.tensor([[1000.0, 0.0, -1000.0], [-500.0, -501.0, -499.0], [88.0, 89.0, 90.0]])
    labels = torch.randint(0, 10, (8,), generator=_g(72))
    return {
        "ex1": [Probe("my_log_softmax", (logits,), grad_index=0), Probe("my_log_softmax", (big,), grad_index=0),
                Probe("my_log_softmax", (logits.double(),))],
        "ex2": [Probe("my_accuracy", (logits, labels)), Probe("my_accuracy", (logits, logits.argmax(dim=1))),
                Probe("my_accuracy", (logits[:3], torch.tensor([0, 0, 0])))],
        "ex3": [Probe("mnist_model", kind="get")],
    }


def source_rule(lesson: str, exercise: str, source: str) -> str:
    """"" when the answer ``source`` follows the exercise's rules on how it is written, else the hint.

    The rules (the names an answer may not use: a ready-made sigmoid, autograd, scikit-learn, ...) are
    defined once, in :mod:`course_utils.checks.rules`, and read here from the answer cell's syntax tree
    in the trusted process; the check cell enforces the same rules at run time, in the sandbox, where a
    submission could defeat it. A name computed at run time is not caught: see docs/instructors.md.
    """
    from course_utils.checks.rules import source_violation

    return source_violation(lesson, exercise, source)


PROBES = {"01": _lesson01, "02": _lesson02, "03": _lesson03, "04": _lesson04, "05": _lesson05, "06": _lesson06,
          "07": _lesson07}


def probes(lesson: str) -> dict[str, list[Probe]]:
    """The probes of every exercise of ``lesson`` (its two-digit prefix)."""
    return PROBES[lesson]()


def request(probe: Probe) -> tuple:
    """The runner request for ``probe``."""
    if probe.kind == "get":
        return ("get", probe.target)
    kwargs = dict(probe.kwargs)
    store = kwargs.pop("_store", None)
    return ("call", probe.target, copy.deepcopy(probe.args), copy.deepcopy(kwargs), probe.grad_index, store)


def run_locally(namespace: dict, probe: Probe) -> tuple:
    """What the runner would answer for ``probe``, computed on the reference ``namespace`` (trusted)."""
    from course_utils.grading import runner

    req = request(probe)
    try:
        if req[0] == "get":
            return ("ok", encode(runner._resolve(namespace, req[1])))
        _, target, args, kwargs, grad_index, store = req
        args = list(args)
        if grad_index is not None:
            args[grad_index] = args[grad_index].detach().clone().requires_grad_(True)
        out = runner._resolve(namespace, target)(*args, **kwargs)
        grad = None
        if grad_index is not None and isinstance(out, torch.Tensor) and out.requires_grad:
            out.sum().backward()
            grad = args[grad_index].grad
        if store:
            namespace[store] = out
        return ("ok", encode(out), encode(args), encode(grad))
    except Exception as err:  # noqa: BLE001
        return ("error", type(err).__name__, str(err), "")


def compare(got: Any, want: Any, where: str, atol: float, rtol: float) -> str:
    """"" when the encoded ``got`` matches ``want``, else what differs (one sentence)."""
    if not isinstance(got, tuple) or not got or got[0] != want[0]:
        return f"{where} is {_describe_safe(got)}; expected {describe(want)}"
    tag = want[0]
    if tag == "v":
        if type(got[1]) is not type(want[1]):
            return f"{where} is a {type(got[1]).__name__}; expected a {type(want[1]).__name__}"
        if isinstance(want[1], float):
            a, b = got[1], want[1]
            if (math.isnan(a) and math.isnan(b)) or a == b or abs(a - b) <= atol + rtol * abs(b):
                return ""
            return f"{where} is {a!r}; expected {b:.6g}"
        return "" if got[1] == want[1] else f"{where} is {got[1]!r}; expected {want[1]!r}"
    if tag == "t":
        a, b = got[1], want[1]
        if not isinstance(a, torch.Tensor):
            return f"{where} is not a tensor"
        if a.dtype != b.dtype:
            return f"{where} has dtype {a.dtype}; expected {b.dtype}"
        if a.shape != b.shape:
            return f"{where} has shape {tuple(a.shape)}; expected {tuple(b.shape)}"
        if a.dtype.is_floating_point:
            a, b = a.double(), b.double()
            ok = torch.isclose(a, b, atol=atol, rtol=rtol, equal_nan=True) | (a == b)
        else:
            ok = a == b
        if not bool(ok.all()):
            i = int((~ok).flatten().nonzero()[0])
            return (f"{where} is wrong at position {i}: {a.flatten()[i].item():.6g}, expected "
                    f"{b.flatten()[i].item():.6g} ({int((~ok).sum())} of {a.numel()} values differ)")
        return ""
    if tag in ("tuple", "list"):
        if len(got[1]) != len(want[1]):
            return f"{where} has {len(got[1])} items; expected {len(want[1])}"
        for i, (g, w) in enumerate(zip(got[1], want[1], strict=True)):
            msg = compare(g, w, f"{where}[{i}]", atol, rtol)
            if msg:
                return msg
        return ""
    if tag == "dict":
        gk = [k for k, _ in got[1]]
        wk = [k for k, _ in want[1]]
        if sorted(map(repr, gk)) != sorted(map(repr, wk)):
            return f"{where} has the keys {[k[1] for k in gk][:8]}; expected {[k[1] for k in wk][:8]}"
        gd = {repr(k): v for k, v in got[1]}
        for k, w in want[1]:
            msg = compare(gd[repr(k)], w, f"{where}[{k[1]!r}]", atol, rtol)
            if msg:
                return msg
        return ""
    if tag == "module":
        _, gcls, gtrain, gparams, gbuf, gkids, gattrs = got
        _, wcls, wtrain, wparams, wbuf, wkids, wattrs = want
        if gcls.split(".")[-1] != wcls.split(".")[-1] or (not wcls.startswith("__main__") and gcls != wcls):
            return f"{where} is a {gcls.split('.')[-1]}; expected a {wcls.split('.')[-1]}"
        if [n for n, *_ in gparams] != [n for n, *_ in wparams]:
            return f"{where} has the parameters {[n for n, *_ in gparams]}; expected {[n for n, *_ in wparams]}"
        for (n, gt, grq), (_, wt, wrq) in zip(gparams, wparams, strict=True):
            if grq != wrq:
                return f"{where}.{n} has requires_grad={grq}; expected {wrq}"
            msg = compare(("t", gt, grq), ("t", wt, wrq), f"{where}.{n}", atol, rtol)
            if msg:
                return msg
        if [n for n, _ in gkids] != [n for n, _ in wkids]:
            return f"{where} has the submodules {[n for n, _ in gkids]}; expected {[n for n, _ in wkids]}"
        for (n, g), (_, w) in zip(gkids, wkids, strict=True):
            msg = compare(g, w, f"{where}.{n}" if where else n, atol, rtol)
            if msg:
                return msg
        if wcls.startswith("torch.") and gattrs != wattrs:
            return f"{where} has the settings {dict(gattrs)}; expected {dict(wattrs)}"
        return ""
    return "" if got == want else f"{where} is {_describe_safe(got)}; expected {describe(want)}"


def _describe_safe(enc: Any) -> str:
    try:
        if enc[0] == "other":
            return f"a {enc[1]}"
        return describe(enc)
    except Exception:  # noqa: BLE001
        return "an unreadable value"


def judge(probe: Probe, got: tuple, want: tuple) -> str:
    """"" when the learner's reply ``got`` matches the reference ``want`` for ``probe``, else a hint."""
    call = probe.text()
    if want[0] != "ok":
        raise RuntimeError(f"the reference solution failed on {call}: {want}")
    if got[0] == "missing":
        return f"{probe.target} is not defined: run (and keep) the answer cell that defines it."
    if got[0] == "error":
        if got[1] == "NotImplementedError" and not got[2]:
            return f"{call.split('(')[0]} is not written yet (the answer cell still raises NotImplementedError)."
        return f"{call} raised {got[1]}: {got[2][:300]}"
    if len(got) != len(want):
        return f"{call}: a malformed answer"
    got_out = got[1]
    if probe.any_sequence and isinstance(got_out, tuple) and got_out[:1] == ("list",) and want[1][:1] == ("tuple",):
        got_out = ("tuple", *got_out[1:])
    msg = compare(got_out, want[1], f"{call}", probe.atol, probe.rtol)
    if msg:
        return msg
    if probe.no_grad and isinstance(got_out, tuple) and got_out[0] == "t" and len(got_out) > 2 and got_out[2]:
        return f"{call} tracks gradients (requires_grad=True): predictions run under @torch.no_grad()"
    if probe.kind == "call":
        msg = compare(got[2], want[2], f"the inputs after {call}", probe.atol, probe.rtol)
        if msg:
            return msg + " (the function must not change its inputs in place, except as the task says)"
        if probe.grad_index is not None:
            if want[3][1] is not None and got[3][0] == "v" and got[3][1] is None:
                return f"{call} does not track gradients: build it from torch operations on its input."
            msg = compare(got[3], want[3], f"the gradient of {call}.sum()", max(probe.atol, 1e-7), 1e-3)
            if msg:
                return msg
    return ""


def rebuild_softmax_regression(enc: tuple):
    """A trusted SoftmaxRegression holding the parameters of an encoded module, or a reason it cannot be."""
    from course_utils.models import SoftmaxRegression

    if enc[0] != "module" or enc[1] != f"{SoftmaxRegression.__module__}.SoftmaxRegression":
        return None, f"mnist_model is {_describe_safe(enc)}; expected a course_utils SoftmaxRegression"
    model = SoftmaxRegression()
    state = {}

    def collect(e, prefix):
        for n, t, _ in e[3]:
            state[prefix + n] = t
        for n, b in e[4]:
            state[prefix + n] = b
        for n, kid in e[5]:
            if kid[0] == "module":
                collect(kid, f"{prefix}{n}.")

    collect(enc, "")
    try:
        model.load_state_dict(state, strict=True)
    except Exception as err:  # noqa: BLE001
        return None, f"mnist_model's parameters do not fit SoftmaxRegression: {str(err)[:200]}"
    return model, ""
