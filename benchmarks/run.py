"""Run the whole benchmark table: every peer in its own venv, interleaved, repeated.

    python benchmarks/run.py --all      # the published table (about 10 minutes on 2 cores)
    python benchmarks/run.py --quick    # smoke run: one short round, 20 memory steps

Set up the peers' venvs first with `python benchmarks/setup_envs.py`; a peer without a venv is
reported as not installed. Results go to benchmarks/results/<date>-<machine>.md and .json, and
the table in benchmarks/README.md is replaced (unless --out names another folder).
"""
from __future__ import annotations

import argparse
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import CASES, MEMORY_STEPS, QUICK_MEMORY_STEPS  # noqa: E402
from contenders import BENCHMARKS_DIR, CONTENDERS, Contender, takes_part  # noqa: E402
from report import machine_info, render_markdown, update_readme  # noqa: E402

WORKER = BENCHMARKS_DIR / "worker.py"


class WorkerProcess:
    """A long-lived worker of one contender at one thread count; requests go one at a time."""

    def __init__(self, contender: Contender, threads: int, cpus: str):
        self.contender, self.threads, self.cpus = contender, threads, cpus
        self.process: subprocess.Popen | None = None
        self.ready: dict | None = None

    def _command(self, mode: str, request: dict | None = None) -> list[str]:
        command = [str(self.contender.python()), str(WORKER), self.contender.module, self.contender.variant or "-",
                   "--threads", str(self.threads), "--cpus", self.cpus, mode]
        return command + ([json.dumps(request)] if request is not None else [])

    def start(self) -> dict:
        self.process = subprocess.Popen(self._command("serve"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, cwd=tempfile.gettempdir(),
                                        env=self.contender.environment(self.threads))
        answer = self._read(timeout=300)
        self.ready = answer.get("ready")
        return answer

    def request(self, request: dict, timeout: float) -> dict:
        if self.process is None or self.process.poll() is not None:
            answer = self.start()
            if "ready" not in answer:
                return answer
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self._read(timeout)

    def _read(self, timeout: float) -> dict:
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            self.close()
            return {"error": f"timed out after {timeout:.0f} s"}
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait()
            tail = self.process.stderr.read()[-600:]
            self.process = None
            return {"error": f"worker died (exit code {code})", "traceback": tail}
        return json.loads(line)

    def close(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def run_once(contender: Contender, threads: int, cpus: str, request: dict, timeout: float) -> dict:
    """One request in a fresh process (memory peaks, the 100,000-op chain)."""
    worker = WorkerProcess(contender, threads, cpus)
    command = worker._command("once", request)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=tempfile.gettempdir(),
                              env=contender.environment(threads))
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    answers = [a for a in lines if "ready" not in a]
    if not answers:
        reason = f"crashed (exit code {done.returncode})" if done.returncode else "no answer"
        return {"error": reason, "traceback": done.stderr[-600:]}
    return answers[-1]


def cpus_for(threads: int) -> str:
    available = sorted(os.sched_getaffinity(0))
    return ",".join(str(c) for c in available[-threads:])


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def contenders_for(case: str, chosen: list[str]) -> list[str]:
    return [key for key in chosen if takes_part(key, case)]


# ----- phases ---------------------------------------------------------------------------------


def check_gradients(chosen: list[str], case_names: list[str], results: dict) -> None:
    """Each contender's gradients after one step from the shared start, compared with the floor's."""
    workdir = Path(tempfile.mkdtemp(prefix="gradsight-bench-"))
    cases = [c for c in case_names if not c.startswith("gradcheck") and not CASES[c].isolated]
    answers: dict[tuple, dict] = {}
    for key in chosen:
        worker = WorkerProcess(CONTENDERS[key], 1, cpus_for(1))
        try:
            for case in contenders_cases(key, cases):
                path = workdir / f"{case}-{key}.npz"
                answers[key, case] = worker.request({"cmd": "grads", "case": case, "path": str(path)}, timeout=300)
                answers[key, case]["path"] = path
        finally:
            worker.close()
    for case in cases:
        floor = answers.get(("floor", case), {})
        if "count" not in floor:
            results.setdefault("gradients", {})[case] = {"floor": _without_traceback(floor)}
            continue
        reference = _load(floor["path"])
        scale = max(float(np.max(np.abs(r))) for r in reference)
        verdicts = {}
        for key in contenders_for(case, chosen):
            answer = answers[key, case]
            if key != "floor":
                verdicts[key] = (_compare(reference, _load(answer["path"]), scale) if "count" in answer
                                 else _without_traceback(answer))
        results.setdefault("gradients", {})[case] = verdicts
        log(f"gradients {case}: " + ", ".join(f"{k}={v.get('match', 'n/a')}" for k, v in verdicts.items()))


def contenders_cases(key: str, case_names: list[str]) -> list[str]:
    return [c for c in case_names if takes_part(key, c)]


def _load(path: Path) -> list[np.ndarray]:
    with np.load(path) as data:
        return [data[f"arr_{i}"] for i in range(len(data.files))]


def _without_traceback(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k not in ("traceback", "path")}


def _compare(reference, grads, scale) -> dict:
    if len(grads) != len(reference) or any(g.shape != r.shape for g, r in zip(grads, reference)):
        return {"match": False, "why": f"shapes {[g.shape for g in grads]} vs {[r.shape for r in reference]}"}
    worst = max(float(np.max(np.abs(g.astype(np.float64) - r))) for g, r in zip(grads, reference))
    # relative to the largest gradient entry: a tie of float32 rounding orders passes, a wrong term fails
    return {"match": worst <= 1e-3 * scale, "max_abs_error": worst, "scale": scale}


def time_cases(chosen, case_names, threads, rounds, quick, results) -> None:
    """Interleaved timing: in each round, each case's repetitions are taken one at a time from every
    contender in turn (the order rotating), so that all of them sample the same stretch of the
    machine's drifting speed; a burst of one contender's repetitions would sample a stretch of its own."""
    cpus = cpus_for(threads)
    workers = {key: WorkerProcess(CONTENDERS[key], threads, cpus) for key in chosen}
    table = results.setdefault("timing", {}).setdefault(str(threads), {})
    skipped: dict[tuple, dict] = {}
    try:
        for key, worker in workers.items():
            answer = worker.start()
            if "ready" in answer:
                results.setdefault("environments", {}).setdefault(key, answer["ready"])
            else:
                skipped.update({(key, case): answer for case in case_names})
        for round_index in range(rounds):
            for case_name in case_names:
                case = CASES[case_name]
                keys = contenders_for(case_name, chosen)
                reps = max(2, case.reps // 3) if quick else case.reps
                for rep in range(reps):
                    shift = (round_index + rep) % len(keys)
                    for key in keys[shift:] + keys[:shift]:
                        entry = table.setdefault(case_name, {}).setdefault(key, {"times": []})
                        if (key, case_name) in skipped:
                            entry.update(skipped[(key, case_name)])
                            continue
                        request = {"cmd": "time", "case": case_name, "reps": 1, "inner": case.inner,
                                   "warmup": 3 if round_index == rep == 0 else 1}
                        answer = workers[key].request(request, timeout=240)
                        if "times" in answer:
                            entry["times"].extend(answer["times"])
                            entry["note"] = answer.get("note", "")
                        else:
                            # a peer that cannot run a case, or failed, is not asked again
                            skipped[(key, case_name)] = {k: v for k, v in answer.items() if k != "traceback"}
                            entry.update(skipped[(key, case_name)])
                            if "traceback" in answer:
                                entry["traceback"] = answer["traceback"][-800:]
            log(f"threads={threads} round {round_index + 1}/{rounds} done")
    finally:
        for worker in workers.values():
            worker.close()


def run_isolated(chosen, case_names, results, timeout: float, rounds: int) -> None:
    """Cases that may crash or hang a peer, in a fresh process per peer and round, with a time limit.
    The peers take turns round by round, in rotating order, as in `time_cases`, so that all of them
    sample the same stretches of the machine's drifting speed; a peer that failed is not asked again."""
    table = results.setdefault("timing", {}).setdefault("1", {})
    for case_name in case_names:
        case = CASES[case_name]
        keys = contenders_for(case_name, chosen)
        for round_index in range(rounds):
            shift = round_index % len(keys)
            for key in keys[shift:] + keys[:shift]:
                entry = table.setdefault(case_name, {}).setdefault(key, {"times": []})
                if round_index and not entry["times"]:
                    continue  # it failed, or cannot run the case
                # one step to warm the process's allocator, besides the worker's untimed calibration step;
                # a per-op ratio's smaller case is timed in the same process, each repetition interleaved
                request = {"cmd": "time", "case": case_name, "reps": case.reps, "inner": case.inner,
                           "warmup": 1, "alongside": case.per_op_vs}
                answer = run_once(CONTENDERS[key], 1, cpus_for(1), request, timeout=timeout)
                entry["times"].extend(answer.get("times", []))
                for k, v in answer.items():
                    if k == "alongside" and "alongside" in entry:
                        entry["alongside"]["times"].extend(v["times"])
                    elif k not in ("times", "traceback"):
                        entry[k] = v
                log(f"{case_name} {key} round {round_index + 1}: "
                    f"{entry.get('error') or entry.get('unsupported') or 'ok'}")


def measure_memory(chosen, steps, results) -> None:
    memory = results.setdefault("memory", {"steps": steps})
    for key in contenders_for("memory", chosen):
        if key == "micrograd":
            memory[key] = {"unsupported": "scalar-only engine: no MLP step"}
            continue
        entry = {}
        methods = ["rss", "tracemalloc"] if CONTENDERS[key].tracemalloc else ["rss"]
        for method in methods:
            answer = run_once(CONTENDERS[key], 1, cpus_for(1), {"cmd": "memory", "steps": steps, "method": method},
                              timeout=300)
            entry[method] = answer.get("peak_bytes")
            if "peak_bytes" not in answer:
                entry["error"] = answer.get("error") or answer.get("unsupported")
                break
        memory[key] = entry
        log(f"memory {key}: {entry}")


# ----- main -----------------------------------------------------------------------------------


def rerender(json_path: Path) -> int:
    """Render a saved run again (after a change to the report's layout), measuring nothing."""
    results = json.loads(json_path.read_text())
    markdown = render_markdown(results)
    json_path.with_suffix(".md").write_text(markdown)
    if not results["settings"]["quick"] and json_path.resolve().parent == (BENCHMARKS_DIR / "results").resolve():
        update_readme(BENCHMARKS_DIR / "README.md", markdown, f"results/{json_path.with_suffix('.md').name}")
    log(f"rewrote {json_path.with_suffix('.md')}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--all", action="store_true", help="the full table")
    mode.add_argument("--quick", action="store_true", help="a short smoke run")
    mode.add_argument("--render", type=Path, metavar="RESULTS.json",
                      help="rewrite the .md (and the README table, for a full run) from a saved .json; runs nothing")
    parser.add_argument("--peers", help=f"comma-separated subset of {','.join(CONTENDERS)}")
    parser.add_argument("--cases", help=f"comma-separated subset of {','.join(CASES)},memory")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 5, quick 1)")
    parser.add_argument("--out", type=Path, help="write results here instead of benchmarks/results "
                                                 "(and leave benchmarks/README.md alone)")
    args = parser.parse_args(argv)
    if args.render:
        return rerender(args.render)

    chosen = args.peers.split(",") if args.peers else list(CONTENDERS)
    unknown = [k for k in chosen if k not in CONTENDERS]
    if unknown:
        parser.error(f"unknown peers {unknown}")
    if "floor" not in chosen:
        chosen.insert(0, "floor")  # every ratio needs the floor
    case_names = args.cases.split(",") if args.cases else [*CASES, "memory"]
    unknown = [c for c in case_names if c not in CASES and c != "memory"]
    if unknown:
        parser.error(f"unknown cases {unknown}")
    rounds = args.rounds or (1 if args.quick else 5)

    results: dict = {"machine": machine_info(), "settings": {
        "rounds": rounds, "interleaving": "repetition", "quick": args.quick, "peers": chosen, "cases": case_names,
        "memory_steps": QUICK_MEMORY_STEPS if args.quick else MEMORY_STEPS}, "unavailable": {}}
    available = []
    for key in chosen:
        if CONTENDERS[key].python() is None:
            results["unavailable"][key] = "not installed: run `python benchmarks/setup_envs.py`"
        else:
            available.append(key)
    started = time.perf_counter()
    results["settings"]["load_average_before"] = [round(x, 2) for x in os.getloadavg()]

    timed = [c for c in case_names if c in CASES and not CASES[c].isolated]
    isolated = [c for c in case_names if c in CASES and CASES[c].isolated]
    phases = results["settings"]["phase_seconds"] = {}

    def phase(name, function, *phase_args):
        begin = time.perf_counter()
        function(*phase_args)
        phases[name] = round(time.perf_counter() - begin, 1)
        log(f"phase {name}: {phases[name]} s")

    phase("gradients", check_gradients, available, timed, results)
    phase("timing, 1 thread", time_cases, available, timed, 1, rounds, args.quick, results)
    two_thread_cases = [c for c in timed if CASES[c].two_threads]
    if two_thread_cases and len(os.sched_getaffinity(0)) >= 2:
        phase("timing, 2 threads", time_cases, available, two_thread_cases, 2, rounds, args.quick, results)
    phase("isolated", run_isolated, available, isolated, results, 30 if args.quick else 120, rounds)
    if "memory" in case_names:
        phase("memory", measure_memory, available, results["settings"]["memory_steps"], results)
    results["settings"]["seconds"] = round(time.perf_counter() - started, 1)
    results["settings"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]

    out_dir = args.out or BENCHMARKS_DIR / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{time.strftime('%Y-%m-%d')}-{results['machine']['slug']}" + ("-quick" if args.quick else "")
    markdown = render_markdown(results)
    (out_dir / f"{stem}.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    (out_dir / f"{stem}.md").write_text(markdown)
    if args.out is None and not args.quick:
        update_readme(BENCHMARKS_DIR / "README.md", markdown, f"results/{stem}.md")
    print(markdown)
    log(f"wrote {out_dir / stem}.md and .json in {results['settings']['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
