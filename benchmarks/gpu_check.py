"""The capture on a CUDA device: the tests' model corpus and the capture benchmark.

For every architecture of ``tests/corpus.py``: the model and its inputs moved
to the GPU, traced (leaf records, then with gradients), every record compared
with the same trace on the CPU, and the bytes brought back to the host per
forward pass with the time against the plain forward. Then
``benchmarks/capture.py --device cuda``, ``benchmarks/cnn_payload.py --device
cuda`` (FeatureMapView's reduction on the device) and every test marked
``cuda`` (capture, FeatureMapView, RecurrentView, Playground). Exits 0 saying
so when there is no CUDA device.

    .venv/bin/python benchmarks/gpu_check.py
"""

from __future__ import annotations

import copy
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import torch
from torch.nn.utils.rnn import PackedSequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dlwidgets as dw  # noqa: E402
from dlwidgets.capture.tensors import iter_tensors  # noqa: E402
from tests.corpus import CORPUS, Case  # noqa: E402


def to_device(value: Any, device: torch.device) -> Any:
    if isinstance(value, PackedSequence):
        return value.to(device)  # its batch sizes must stay on the host
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, (tuple, list)):
        return type(value)(to_device(v, device) for v in value)
    if isinstance(value, dict):
        return {k: to_device(v, device) for k, v in value.items()}
    return value


def median_ms(fn: Any, repeats: int = 20) -> float:
    fn()
    times = []
    for _ in range(repeats):
        torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def close(a: Any, b: Any, tolerance: float) -> bool:
    left, right = list(iter_tensors(a)), list(iter_tensors(b))
    pairs = list(zip(left, right, strict=False))
    return len(left) == len(right) and all(
        x.shape == y.shape
        and (
            torch.equal(x, y)
            if not x.is_floating_point()
            else torch.allclose(x.float(), y.float(), atol=tolerance, rtol=tolerance)
        )
        for x, y in pairs
    )


def check(case: Case, device: torch.device) -> tuple[bool, int, float, float, int]:
    """(records right, records, plain ms, trace ms, bytes copied per trace).

    Eval mode: every record equals the same trace on the CPU, and with
    ``grads=True`` no ``.grad`` is left. Train mode (dropout draws differ
    between devices): the records have the CPU's names, the output equals a
    plain forward on the GPU from the same RNG state, and the trace leaves the
    GPU's RNG and the model's buffers as they were.
    """
    args, kwargs = case.args()
    cpu = dw.trace(case.model(), *args, kwargs=kwargs)
    model = case.model().to(device)
    g_args = tuple(a if i in case.on_host else to_device(a, device) for i, a in enumerate(args))
    g_kwargs = to_device(kwargs, device)
    low_precision = any(p.dtype in (torch.float16, torch.bfloat16) for p in model.parameters())
    tolerance = 5e-2 if low_precision else 1e-3
    if case.mode == "eval":
        gpu = dw.trace(model, *g_args, kwargs=g_kwargs)
        same = all(close(a.output, b.output, tolerance) for a, b in zip(cpu, gpu, strict=True))
        with_grads = dw.trace(model, *g_args, kwargs=g_kwargs, grads=True, loss_fn=_loss)
        same = (
            same and all(p.grad is None for p in model.parameters()) and with_grads.loss is not None
        )
    else:
        reference = copy.deepcopy(model)
        rng = torch.cuda.get_rng_state(device)
        gpu = dw.trace(model, *g_args, kwargs=g_kwargs)
        same = torch.equal(torch.cuda.get_rng_state(device), rng) and all(
            torch.equal(a, b) for a, b in zip(model.buffers(), reference.buffers(), strict=True)
        )
        with torch.no_grad():
            expected = to_device(reference(*g_args, **g_kwargs), torch.device("cpu"))
        same = same and close(gpu.output, expected, tolerance)
    same = same and [r.name for r in cpu] == [r.name for r in gpu]
    same = same and all(t.device.type == "cpu" for r in gpu for t in iter_tensors(r.output))

    def plain() -> None:
        with torch.no_grad():
            model(*g_args, **g_kwargs)

    plain_ms = median_ms(plain)
    trace_ms = median_ms(lambda: dw.trace(model, *g_args, kwargs=g_kwargs))
    return same, len(gpu), plain_ms, trace_ms, sum(gpu.bytes_copied.values())


def _loss(output: Any) -> torch.Tensor:
    return sum(t.float().sum() for t in iter_tensors(output) if t.is_floating_point())  # type: ignore[return-value]


def main() -> int:
    if not torch.cuda.is_available():
        print("gpu_check: no CUDA device here; nothing to check (exit 0)")
        return 0
    device = torch.device("cuda")
    print(f"device: {torch.cuda.get_device_name(device)}, torch {torch.__version__}")
    print(
        f"{'case':<32}{'ok':>4}{'records':>9}{'plain ms':>10}{'trace ms':>10}{'×':>7}{'bytes':>12}"
    )
    results = []
    for case in CORPUS:
        try:
            ok, records, plain_ms, trace_ms, copied = check(case, device)
        except Exception as exc:  # report and go on: one model must not hide the others
            print(f"{case.name:<32} ERROR {type(exc).__name__}: {exc}")
            results.append((False, 0.0))
            continue
        ratio = trace_ms / plain_ms
        results.append((ok, ratio))
        print(
            f"{case.name:<32}{'yes' if ok else 'NO':>4}{records:>9}{plain_ms:>10.2f}"
            f"{trace_ms:>10.2f}{ratio:>7.2f}{copied:>12,}"
        )
    print("\ncapture benchmark on cuda:", flush=True)
    bench = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "capture.py"), "--device", "cuda"], check=False
    )
    print("\nFeatureMapView payload on cuda:", flush=True)
    payload = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "cnn_payload.py"), "--device", "cuda"],
        check=False,
    )
    print("\nthe tests marked cuda:", flush=True)
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "cuda", "-q", "tests/unit"],
        cwd=ROOT,
        check=False,
    )
    passed = sum(ok for ok, _ in results)
    worst = max((ratio for _, ratio in results), default=0.0)
    print(
        f"gpu_check: cases={len(results)} ok={passed} worst_ratio={worst:.2f} "
        f"capture_bench_rc={bench.returncode} payload_rc={payload.returncode} "
        f"cuda_tests_rc={tests.returncode}"
    )
    runs = (bench.returncode, payload.returncode, tests.returncode)
    return 0 if passed == len(results) and runs == (0, 0, 0) else 1


if __name__ == "__main__":
    sys.exit(main())
