"""Turn the runner's results into Markdown: the summary table with targets, details, memory, notes."""
from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import time
from pathlib import Path

from cases import CASES
from contenders import CONTENDERS, GRADSIGHT_KEYS, REPO_ROOT, takes_part

SCALE = {"ms": 1e3, "us": 1e6}
MEMORY_TARGET = 1.15
TABLE_START, TABLE_END = "<!-- benchmark-table:start -->", "<!-- benchmark-table:end -->"


def machine_info() -> dict:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cores = os.cpu_count() or 1
    slug = re.sub(r"[^a-z0-9]+", "-", re.sub(r"\(r\)|\(tm\)|cpu|@.*", "", model.lower())).strip("-")
    return {"cpu": model, "cores": cores, "memory_gib": round(memory_gib, 1), "os": platform.platform(),
            "python": platform.python_version(), "slug": f"{slug}-{cores}c", "date": time.strftime("%Y-%m-%d %H:%M"),
            "commit": _git_commit()}


def _git_commit() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                                text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True).stdout.strip()
        return commit + ("+uncommitted changes" if dirty else "")
    except OSError:
        return "unknown"


# ----- numbers ----------------------------------------------------------------------------------


def summary(entry: dict, unit: str) -> dict | None:
    times = entry.get("times") or []
    if not times:
        return None
    scale = SCALE[unit]
    return {"median": statistics.median(times) * scale, "min": min(times) * scale, "max": max(times) * scale,
            "n": len(times)}


def paired_ratio(times: list, floor_times: list) -> tuple[float, float, float] | None:
    """The median and quartiles, over the repetitions, of a peer's time divided by the floor's in the same
    turn (run.py takes every peer's i-th repetition one after another), so the machine's drift between
    turns cancels; None unless both have the same number of repetitions (at least two)."""
    if len(times) != len(floor_times) or len(times) < 2:
        return None
    q1, median, q3 = statistics.quantiles([t / f for t, f in zip(times, floor_times)], n=4, method="inclusive")
    return median, q1, q3


def _fmt(value: float) -> str:
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def _failure(entry: dict | None) -> str | None:
    if entry is None:
        return "not run"
    if "unsupported" in entry:
        return "n/a"
    if "error" in entry:
        return "fails"
    return None


def verdict(case_name: str, key: str, timing: dict) -> str | None:
    """PASS/FAIL of a gradsight variant against the case's target (1 thread), or None."""
    case = CASES[case_name]
    entry = timing.get(case_name, {}).get(key)
    if entry is None or key not in GRADSIGHT_KEYS:
        return None
    if case.target_ratio is None and case.target_us is None and case.target != "succeeds":
        return None
    if _failure(entry):
        return "FAIL" if "error" in entry else None
    if case.target == "succeeds":
        return "PASS"
    ours = summary(entry, case.unit)["median"]
    if case.target_us is not None:
        return "PASS" if ours <= case.target_us else "FAIL"
    if case.per_op_vs is not None:
        return _relative_verdict(case, key, ours, timing)
    floor = summary(timing[case_name].get("floor", {}), case.unit)
    if floor is None:
        return None
    target = case.core_target_ratio if key == "gradsight_core" and case.core_target_ratio else case.target_ratio
    return "PASS" if ours / floor["median"] <= target else "FAIL"


def per_op_ratio(case, key: str, timing: dict) -> float | None:
    """A per-op case's time over its smaller case's, for one contender: from the smaller case timed
    alongside it in the same process when there is one, else from the main table."""
    entry = timing.get(case.name, {}).get(key)
    if entry is None or _failure(entry):
        return None
    ours = summary(entry, case.unit)["median"]
    alongside = entry.get("alongside")
    smaller_entry = {"times": alongside["times"]} if alongside else timing.get(case.per_op_vs, {}).get(key)
    if smaller_entry is None or _failure(smaller_entry):
        return None
    return ours / summary(smaller_entry, case.unit)["median"]


def _relative_verdict(case, key: str, ours: float, timing: dict) -> str | None:
    """Per-op time against the same contender on a smaller case, and ahead of a peer on both."""
    smaller_entry = timing.get(case.per_op_vs, {}).get(key)
    ratio = per_op_ratio(case, key, timing)
    if smaller_entry is None or _failure(smaller_entry) or ratio is None:
        return None
    smaller = summary(smaller_entry, case.unit)["median"]
    passed = ratio <= case.target_ratio
    if case.ahead_of is not None:
        for name, mine in ((case.name, ours), (case.per_op_vs, smaller)):
            peer = timing.get(name, {}).get(case.ahead_of)
            if peer is not None and not _failure(peer):
                passed = passed and mine < summary(peer, case.unit)["median"]
    return "PASS" if passed else "FAIL"


def _cell(case_name: str, key: str, timing: dict, unavailable: dict) -> str:
    if not takes_part(key, case_name):
        return "-"
    if key in unavailable:
        return "not installed"
    case = CASES[case_name]
    entry = timing.get(case_name, {}).get(key)
    failure = _failure(entry)
    if failure:
        return failure
    ours = summary(entry, case.unit)
    floor = summary(timing[case_name].get("floor", {}), case.unit)
    text = f"{_fmt(ours['median'])} {case.unit}"
    if floor and key != "floor":
        text += f" ({ours['median'] / floor['median']:.2f}x)"
    return text


# ----- Markdown -----------------------------------------------------------------------------------


def render_markdown(results: dict) -> str:
    machine, settings = results["machine"], results["settings"]
    keys = settings["peers"]
    unavailable = results.get("unavailable", {})
    timing = results.get("timing", {})
    lines = [f"# Benchmark results {machine['date']}", "",
             f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, {machine['os']}; "
             f"Python {machine['python']}; gradsight commit {machine['commit']}.", "",
             _environment_line(results), "",
             f"Settings: {settings['rounds']} interleaved rounds ({_interleaving(settings)}, each peer in its "
             "own long-lived process and venv); times are the median of all "
             "timed repetitions, min-max beside it. Threads pinned with OMP/OPENBLAS/MKL_NUM_THREADS and "
             "torch.set_num_threads, the process pinned to as many CPUs. Reproduce: "
             f"`python benchmarks/setup_envs.py && python benchmarks/run.py {_mode(settings)}`"
             f" ({settings.get('seconds', '?')} s). Load average (1, 5, 15 min) before the run "
             f"{settings.get('load_average_before')}, after {settings.get('load_average_after')}: other work on "
             "this machine competes for its cores, so read the min column too." + _pairing_note(settings), ""]
    lines += _summary_table(results, keys, timing.get("1", {}), unavailable)
    lines += _memory_table(results, keys, unavailable)
    for threads in sorted(timing):
        lines += _detail_tables(results, keys, threads, timing[threads], unavailable)
    lines += _notes(results, keys, unavailable)
    return "\n".join(lines) + "\n"


def _interleaving(settings: dict) -> str:
    if settings.get("interleaving") == "repetition":
        return ("in each round, each case's repetitions are taken one at a time from every peer in turn, "
                "in rotating order")
    return "every peer runs each case once per round, its repetitions in a row, in rotating order"


def _pairing_note(settings: dict) -> str:
    if settings.get("interleaving") != "repetition":
        return ""
    return (" In the details, 'x floor, paired' is the median and quartiles of each repetition's time over "
            "the floor's repetition of the same turn, which cancels the drift between turns; the verdicts "
            "use the ratio of the medians.")


def _mode(settings: dict) -> str:
    return "--quick" if settings["quick"] else "--all"


def _environment_line(results: dict) -> str:
    environments = results.get("environments", {})
    parts = []
    floor = environments.get("floor")
    if floor:
        parts.append(f"NumPy {floor['numpy']}")
        pools = floor.get("threadpools")
        if isinstance(pools, list):
            parts += [f"{p['internal_api']} {p['version']} ({p.get('architecture') or p.get('threading_layer')} "
                      f"kernel)" for p in pools]
        parts.append(f"OPENBLAS_CORETYPE unset for all (was {os.environ.get('OPENBLAS_CORETYPE') or 'unset'})")
    for env in environments.values():
        for name, version in env.get("packages", {}).items():
            parts.append(f"{name} {version}")
    engine = environments.get("gradsight", {}).get("gradsight_engine")
    if engine:
        parts.append(f"gradsight's engine: {engine}")
    torch_env = environments.get("torch", {})
    if torch_env.get("torch_blas"):
        parts.append(f"torch's BLAS: {torch_env['torch_blas']} (linked into libtorch)")
    if isinstance(torch_env.get("threadpools"), list):
        parts += [f"torch's {p['internal_api']} {p['version'] or ''}".strip() for p in torch_env["threadpools"]
                  if p["internal_api"] != "openblas"]
    return "Software: " + "; ".join(dict.fromkeys(parts)) + "." if parts else "Software: unknown."


def _summary_table(results, keys, timing, unavailable) -> list[str]:
    labels = [CONTENDERS[k].label for k in keys]
    lines = ["## Summary (1 thread; ratio to the NumPy floor in brackets)", "",
             "| case | target (gradsight) | " + " | ".join(labels) + " | verdict |",
             "|---|---|" + "---|" * len(keys) + "---|"]
    for case_name, case in CASES.items():
        if case_name not in timing:
            continue
        cells = [_cell(case_name, k, timing, unavailable) for k in keys]
        verdicts = [f"{CONTENDERS[k].label}: {v}" for k in GRADSIGHT_KEYS
                    if k in keys and (v := verdict(case_name, k, timing))]
        lines.append(f"| {case.title} | {case.target or '-'} | " + " | ".join(cells) + f" | {', '.join(verdicts)} |")
    lines.append("")
    for case_name, case in CASES.items():
        if case.per_op_vs is None or case_name not in timing:
            continue
        ratios = [f"{CONTENDERS[k].label} {ratio:.2f}x" for k in keys
                  if (ratio := per_op_ratio(case, k, timing)) is not None]
        if ratios:
            lines += [f"Per op, {case_name} over {case.per_op_vs} (the smaller case timed in the same fresh "
                      f"process, each repetition just before one of the larger): " + ", ".join(ratios) + ".", ""]
    return lines


def _memory_table(results, keys, unavailable) -> list[str]:
    memory = results.get("memory")
    if not memory:
        return []
    steps = memory.get("steps")
    floor = memory.get("floor", {})
    lines = [f"## Peak memory over {steps} MLP steps (target: gradsight <= {MEMORY_TARGET}x the floor)", "",
             "`tracemalloc`: peak of traced allocations from building the model to the last step (NumPy "
             "registers its array buffers with tracemalloc, so this is exact and comparable among the "
             "NumPy-based peers). `RSS`: rise of the process's resident-set high-water mark (VmHWM, reset "
             "through /proc/self/clear_refs) over the same span, in a fresh process per peer; comparable "
             "across all peers but it includes allocator slack and code pages loaded on first use.", "",
             "| peer | tracemalloc peak | x floor | RSS peak rise | x floor | verdict |", "|---|---|---|---|---|---|"]
    for key in keys:
        if key in unavailable:
            lines.append(f"| {CONTENDERS[key].label} | not installed | | | | |")
            continue
        if key not in memory:
            continue
        entry = memory[key]
        if "unsupported" in entry or "error" in entry:
            lines.append(f"| {CONTENDERS[key].label} | {entry.get('unsupported') or entry.get('error')} | | | | |")
            continue
        cells = []
        for method in ("tracemalloc", "rss"):
            value, base = entry.get(method), floor.get(method)
            cells.append(f"{value / 2**20:.1f} MiB" if value is not None else "-")
            cells.append(f"{value / base:.2f}x" if value is not None and base else "-")
        result = ""
        if key in GRADSIGHT_KEYS and entry.get("tracemalloc") and floor.get("tracemalloc"):
            result = "PASS" if entry["tracemalloc"] / floor["tracemalloc"] <= MEMORY_TARGET else "FAIL"
        lines.append(f"| {CONTENDERS[key].label} | " + " | ".join(cells) + f" | {result} |")
    return lines + [""]


def _detail_tables(results, keys, threads, timing, unavailable) -> list[str]:
    gradients = results.get("gradients", {})
    turns = results["settings"].get("interleaving") == "repetition"  # the i-th repetitions were taken together
    lines = [f"## Details, {threads} thread{'s' if threads != '1' else ''}", ""]
    if threads != "1":
        lines += ["With 2 threads on this 2-core machine, a BLAS or OpenMP thread that loses its core to "
                  "another process stalls every synchronisation point of the others, so while the machine is "
                  "shared (see the load average above) the medians measure that contention more than the "
                  "libraries; the min column is the uncontended cost.", ""]
    lines += [
             "| case | peer | median | min-max | x floor | x floor, paired (IQR) | x PyTorch | samples | "
             "gradients = floor's |",
             "|---|---|---|---|---|---|---|---|---|"]
    for case_name, case in CASES.items():
        if case_name not in timing:
            continue
        floor = summary(timing[case_name].get("floor", {}), case.unit)
        torch = summary(timing[case_name].get("torch", {}), case.unit)
        for key in keys:
            label = CONTENDERS[key].label
            entry = timing[case_name].get(key)
            if not takes_part(key, case_name):
                continue
            if key in unavailable or entry is None:
                continue
            check = _gradient_cell(gradients.get(case_name, {}).get(key), key)
            stats = summary(entry, case.unit)
            if stats is None:
                reason = entry.get("unsupported") or entry.get("error") or "not run"
                lines.append(f"| {case_name} | {label} | {_failure(entry)}: {reason} | | | | | | {check} |")
                continue
            ratio_floor = f"{stats['median'] / floor['median']:.2f}" if floor else "-"
            ratio_torch = f"{stats['median'] / torch['median']:.2f}" if torch else "-"
            # an isolated case's peers run one after another, not in turns: nothing to pair
            paired = None if case.isolated or not floor or not turns else \
                paired_ratio(entry["times"], timing[case_name]["floor"]["times"])
            ratio_paired = f"{paired[0]:.2f} ({paired[1]:.2f}-{paired[2]:.2f})" if paired else "-"
            lines.append(f"| {case_name} | {label} | {_fmt(stats['median'])} {case.unit} | "
                         f"{_fmt(stats['min'])}-{_fmt(stats['max'])} | {ratio_floor} | {ratio_paired} | "
                         f"{ratio_torch} | {stats['n']} | {check} |")
    return lines + [""]


def _gradient_cell(check: dict | None, key: str) -> str:
    if key == "floor":
        return "(reference)"
    if check is None:
        return "-"
    if "match" in check:
        return ("yes" if check["match"] else "**NO**") + (f" ({check['max_abs_error']:.1e})" if "max_abs_error" in check
                                                         else f" ({check.get('why')})")
    return check.get("unsupported") and "n/a" or "-"


def _notes(results, keys, unavailable) -> list[str]:
    lines = ["## Peers that could not run a case, and why", ""]
    seen = set()
    for key, reason in unavailable.items():
        lines.append(f"- {CONTENDERS[key].label}: {reason}")
    for _, timing in sorted(results.get("timing", {}).items()):
        for case_name, entries in timing.items():
            for key, entry in entries.items():
                reason = entry.get("unsupported") or entry.get("error")
                if reason and (key, case_name, reason) not in seen:
                    seen.add((key, case_name, reason))
                    lines.append(f"- {CONTENDERS[key].label}, {case_name}: {reason}")
    notes = {(key, entry.get("note")) for timing in results.get("timing", {}).values() for entries in timing.values()
             for key, entry in entries.items() if entry.get("note")}
    for key, note in sorted(notes):
        lines.append(f"- {CONTENDERS[key].label}: {note}")
    return lines + [""]


def update_readme(readme: Path, markdown: str, results_file: str) -> None:
    """Replace the table between the markers in benchmarks/README.md with the new summary."""
    body = markdown.split("\n## Details", 1)[0].split("\n", 1)[1].strip()
    block = f"{TABLE_START}\nLatest full run ([all details]({results_file})):\n\n{body}\n{TABLE_END}"
    text = readme.read_text() if readme.exists() else ""
    if TABLE_START in text and TABLE_END in text:
        head, rest = text.split(TABLE_START, 1)
        text = head + block + rest.split(TABLE_END, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    readme.write_text(text)
