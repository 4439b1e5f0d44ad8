"""Runs one peer's side of the benchmark inside that peer's venv; answers in JSON lines.

    worker.py MODULE VARIANT --threads N --cpus 0,1 serve      # requests on stdin, one per line
    worker.py MODULE VARIANT --threads N --cpus 0,1 once '{"cmd": "time", "case": ...}'

MODULE is a file of benchmarks/peers; VARIANT picks a flavour inside it (e.g. gradsight's "nn"
or "core"). Requests: {"cmd": "time", "case", "reps", "inner", "warmup"} -> seconds per step or
op; {"cmd": "grads", "case", "path"} -> one step's gradients saved to an .npz; {"cmd": "memory",
"steps", "method": "rss" | "tracemalloc"} -> peak bytes over `steps` MLP steps. Thread counts
come from the environment the runner sets (OMP/OPENBLAS/MKL_NUM_THREADS) and are applied to
torch here; the process is pinned to the given CPUs.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import json
import math
import os
import sys
import time
import traceback

import cases
import numpy as np
from cases import CASES, NotSupported, build_workload, make_problem

REP_SECONDS = 0.01


class _Timer:
    """Times repetitions of `inner` steps of one workload, per step (or per op)."""

    def __init__(self, workload: cases.Workload, inner: int, per_step: int):
        self.workload, self.inner, self.per_step = workload, inner, per_step
        self.times: list[float] = []

    def rep(self) -> None:
        start = time.perf_counter()
        for _ in range(self.inner):
            self.workload.step()
        self.times.append((time.perf_counter() - start) / self.inner / self.per_step)


class Peer:
    """One peer module and variant, with workloads built once per case and reused."""

    def __init__(self, module_name: str, variant: str):
        self.module = importlib.import_module(f"peers.{module_name}")
        self.variant = variant
        self.workloads: dict[str, cases.Workload] = {}

    def build(self, case: str, fresh: bool = False) -> cases.Workload:
        if fresh or case not in self.workloads:
            workload = build_workload(self.module, case, self.variant)
            if fresh:
                return workload
            self.workloads[case] = workload
        return self.workloads[case]

    def time(self, case: str, reps: int, inner: int, warmup: int, alongside: str | None = None) -> dict:
        """Seconds per step (per op for chains) of `reps` repetitions; with `alongside`, that case is
        timed too, each of its repetitions just before one of `case`'s, in this same process (so a
        ratio of the two is not skewed by the machine's speed drifting between processes)."""
        gc.collect()  # before the warm-up, which then leaves caches as the timed steps will find them
        timers = [self._timer(case, inner, warmup)]
        if alongside is not None:
            timers.insert(0, self._timer(alongside, CASES[alongside].inner, warmup))
        for _ in range(reps):
            for timer in timers:
                timer.rep()
        answer = {"times": timers[-1].times, "inner": timers[-1].inner, "note": timers[-1].workload.note}
        if alongside is not None:
            answer["alongside"] = {"case": alongside, "times": timers[0].times}
        return answer

    def _timer(self, case: str, inner: int, warmup: int) -> _Timer:
        workload = self.build(case)
        for _ in range(warmup):
            workload.step()
        # batch short steps so one repetition lasts about REP_SECONDS, never more than `inner` steps
        start = time.perf_counter()
        workload.step()
        inner = max(1, min(inner, math.ceil(REP_SECONDS / max(time.perf_counter() - start, 1e-9))))
        return _Timer(workload, inner, CASES[case].ops_per_step if case in CASES else 1)

    def grads(self, case: str, path: str) -> dict:
        workload = self.build(case, fresh=True)
        if workload.gradients_need_step:
            workload.step()
        grads = workload.gradients()
        np.savez(path, *[np.asarray(g) for g in grads])
        return {"count": len(grads), "note": workload.note}

    def memory(self, steps: int, method: str, case: str = "memory") -> dict:
        problem = make_problem(case)
        gc.collect()
        if method == "tracemalloc":
            import tracemalloc
            tracemalloc.start()
        else:
            _reset_peak_rss()
        baseline = _rss_bytes("VmRSS")
        workload = build_workload(self.module, case, self.variant, problem)
        for _ in range(steps):
            workload.step()
        if method == "tracemalloc":
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        else:
            peak = _rss_bytes("VmHWM") - baseline
        return {"peak_bytes": peak, "note": workload.note}


def _rss_bytes(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not found in /proc/self/status")


def _reset_peak_rss() -> None:
    # Linux: writing 5 to clear_refs resets VmHWM to the current RSS
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def handle(peer: Peer, request: dict) -> dict:
    try:
        cmd = request["cmd"]
        if cmd == "time":
            return peer.time(request["case"], request["reps"], request["inner"], request["warmup"],
                             request.get("alongside"))
        if cmd == "grads":
            return peer.grads(request["case"], request["path"])
        if cmd == "memory":
            return peer.memory(request["steps"], request["method"], request.get("case", "memory"))
        return {"error": f"unknown command {cmd!r}"}
    except NotSupported as reason:
        return {"unsupported": str(reason)}
    except Exception as error:  # noqa: BLE001  (any failure of a peer is a result to report)
        detail = traceback.format_exc(limit=-3)
        message = str(error).splitlines()[0][:200] if str(error) else ""
        return {"error": f"{type(error).__name__}: {message}", "traceback": detail[-2000:]}


def environment_report(threads: int) -> dict:
    """What actually runs: BLAS libraries, their thread counts and kernels (threadpoolctl)."""
    report = {"python": sys.version.split()[0], "numpy": np.__version__, "pid": os.getpid(),
              "affinity": sorted(os.sched_getaffinity(0)),
              "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
    try:
        from threadpoolctl import threadpool_info
        report["threadpools"] = [{k: info.get(k) for k in ("internal_api", "version", "num_threads",
                                                           "architecture", "threading_layer")}
                                 for info in threadpool_info()]
    except ImportError:
        report["threadpools"] = "threadpoolctl missing"
    engine_name = getattr(sys.modules.get("autograd.compiled"), "engine_name", None)  # gradsight's, not HIPS's
    if engine_name is not None:
        report["gradsight_engine"] = engine_name()
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        report["torch_threads"] = torch.get_num_threads()
        # torch links its BLAS in statically, so threadpoolctl cannot see it; its build config says which
        blas = [part.split("=", 1)[1] for part in torch.__config__.show().replace(",", " ").split()
                if part.startswith("BLAS_INFO=")]
        report["torch_blas"] = blas[0] if blas else "unknown"
    from importlib import metadata
    report["packages"] = {}
    for distribution in ("torch", "mygrad", "autograd", "micrograd", "tinygrad"):
        try:
            report["packages"][distribution] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            pass
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("module")
    parser.add_argument("variant")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--cpus", default="")
    parser.add_argument("mode", choices=["serve", "once"])
    parser.add_argument("request", nargs="?")
    args = parser.parse_args()

    # Answers go to the real stdout; anything a library prints goes to stderr instead.
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    if args.cpus:
        os.sched_setaffinity(0, {int(c) for c in args.cpus.split(",")})
    try:
        peer = Peer(args.module, args.variant)
    except Exception as error:  # noqa: BLE001
        answers.write(json.dumps({"fatal": f"{type(error).__name__}: {error}"}) + "\n")
        return
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        torch.set_num_threads(args.threads)
        torch.set_num_interop_threads(1)
    answers.write(json.dumps({"ready": environment_report(args.threads)}) + "\n")
    if args.mode == "once":
        answers.write(json.dumps(handle(peer, json.loads(args.request))) + "\n")
        return
    for line in sys.stdin:
        if not line.strip():
            continue
        answers.write(json.dumps(handle(peer, json.loads(line))) + "\n")


if __name__ == "__main__":
    main()
