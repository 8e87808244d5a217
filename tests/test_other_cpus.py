"""The lessons' saved outputs hold on other computers: strict nbval with the numeric kernels of other CPUs.

The main test run compares every lesson's printed output with the saved one on this computer. A learner's
laptop, or the next CI machine, picks other CPU kernels (AVX2 instead of AVX-512, AMD instead of Intel), and
numbers printed to many digits can change in their last digit. Each case below re-runs strict nbval on all
seven lessons with the kernels switched the way another CPU would switch them, on this one computer:

- ``MKL_CBWR`` fixes Intel MKL's code path (conditional numerical reproducibility);
- ``ATEN_CPU_CAPABILITY`` caps the vector instructions PyTorch's own kernels use;
- ``OPENBLAS_CORETYPE`` picks NumPy's OpenBLAS kernels (scikit-learn and NumPy code in the lessons);
- ``OMP_NUM_THREADS`` changes how reductions are split between threads.

A failure here means a lesson prints a digit that depends on the CPU: print fewer digits, compute in float64,
or print a robust fact (a bound, an order of magnitude) instead. See "Saved outputs on every computer" in the
README's maintainers' section.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from tests.helpers import LESSONS, ROOT

#: Simulated CPUs: what each one stands for, and the environment that selects its kernels.
OTHER_CPUS = {
    "avx2": {  # a CPU without AVX-512 (most laptops, older servers)
        "MKL_CBWR": "AVX2", "ATEN_CPU_CAPABILITY": "avx2", "OPENBLAS_CORETYPE": "Haswell",
    },
    "generic-1-thread": {  # the plainest kernels, one thread (a CPU PyTorch does not optimize for)
        "MKL_CBWR": "COMPATIBLE", "ATEN_CPU_CAPABILITY": "default", "OPENBLAS_CORETYPE": "Prescott",
        "OMP_NUM_THREADS": "1",
    },
}

#: Strict nbval exactly as ``python3 course.py test`` runs it (course.py's NBVAL_ARGS), quietly and without a cache.
_spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
_course = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_course)
NBVAL_ARGS = [*_course.NBVAL_ARGS, "-p", "no:cacheprovider", "-q", "-o", "addopts="]


@pytest.mark.parametrize("cpu", sorted(OTHER_CPUS))
def test_saved_outputs_hold_with_other_cpu_kernels(cpu: str):
    env = {**os.environ, **OTHER_CPUS[cpu]}
    result = subprocess.run([sys.executable, "-m", "pytest", *NBVAL_ARGS, *map(str, LESSONS)], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, f"strict nbval fails with the kernels of another CPU ({cpu}):\n{report}"
    assert " passed" in result.stdout and "failed" not in result.stdout, report


def _capability(settings: dict[str, str]) -> str:
    code = "import torch; print(torch.backends.cpu.get_cpu_capability())"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, **settings},
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_simulated_cpus_change_the_kernels():
    """The settings are real: PyTorch reports the capped vector capability (else the test above proves nothing)."""
    assert _capability(OTHER_CPUS["generic-1-thread"]) == "DEFAULT"
    if _capability({}) in ("AVX2", "AVX512"):  # x86-64 with AVX2 or better: the cap takes effect
        assert _capability(OTHER_CPUS["avx2"]) == "AVX2"
