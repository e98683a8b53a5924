#!/usr/bin/python3
"""The ratio table of bench/run: reads the JSON lines of reference.py and anvil_bench, checks each
anvil result against numpy's, and prints a Markdown table (or writes it into RESULTS.md).

  table.py [--write RESULTS.md] FILE.jsonl...

Exit status 1 when an anvil result disagrees with numpy's (a bug to report, not a benchmark).
--write replaces the text between the `<!-- table:begin -->` and `<!-- table:end -->` markers, so
the hand-written notes around them stay.
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys

BEGIN, END = "<!-- table:begin -->", "<!-- table:end -->"
LOWER_IS_BETTER = {"ms"}


def tolerance(workload, ref_samples):
    """(rtol, atol) for comparing samples: atol grows with the reduction length (inputs in [-0.5, 0.5))."""
    n = int(re.findall(r"\d+", workload)[0]) if re.findall(r"\d+", workload) else 1
    if workload.startswith("matmul"):
        return 1e-4, 2.5e-6 * n
    if workload.startswith("sum"):
        mult = {"K": 1 << 10, "M": 1 << 20}.get(workload[-1], 1)
        return 1e-4, 1e-6 * n * mult * 0.25  # 1e-6 of sum |x|
    if workload.startswith("mlp"):
        return 2e-4, 1e-5
    if workload.startswith("conv2d"):
        return 1e-4, 1e-4
    if workload.startswith("softmax"):
        return 1e-5, 1e-10  # probabilities down to ~1e-7
    return 1e-5, 1e-6  # elementwise


def check(workload, got, want):
    """'' when the samples agree, else what differs."""
    if len(got) != len(want):
        return "%d samples, numpy has %d" % (len(got), len(want))
    rtol, atol = tolerance(workload, want)
    worst, at = 0.0, -1
    for j, (g, w) in enumerate(zip(got, want)):
        err = abs(g - w) / (atol + rtol * abs(w))
        if not err <= 1.0 and (err > worst or err != err):
            worst, at = err, j
            if err != err:
                break
    if at < 0:
        return ""
    return "sample %d: %.9g, numpy %.9g (%.3gx the tolerance)" % (at, got[at], want[at], worst)


def fmt(x):
    if x is None:
        return "–"
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    if x >= 0.01:
        return "%.3g" % x
    return "%.2g" % x


def speed_ratio(anvil, torch, unit):
    if anvil is None or torch is None or anvil <= 0 or torch <= 0:
        return None
    return torch / anvil if unit in LOWER_IS_BETTER else anvil / torch


def better(x, y, unit):
    """The better of two figures (either may be missing)."""
    if x is None or y is None:
        return y if x is None else x
    return min(x, y) if unit in LOWER_IS_BETTER else max(x, y)


def shell(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine(metas):
    cpu = shell("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
    flags = shell("grep -m1 '^flags' /proc/cpuinfo")
    simd = ", ".join(f for f in ("avx2", "fma", "avx512f") if re.search(r"\b%s\b" % f, flags))
    ref = metas.get("reference", {})
    lines = [
        "- CPU: %s, %d cores (%s), %s" % (cpu, os.cpu_count() or 0, simd, platform.platform()),
        "- load average at the end of the run: %s (other builds and tests share this machine)"
        % " ".join("%.1f" % x for x in os.getloadavg()),
        "- anvil built by: %s (release preset)" % shell("clang++ --version | head -1"),
        "- c backend compiler: %s" % shell("${ANVIL_CC:-cc} --version | head -1"),
        "- llvm backend: LLVM %s (ORC JIT)" % shell("/usr/lib/llvm-15/bin/llvm-config --version"),
        "- Python %s, numpy %s on %s (%s threads), torch %s (%s threads; OMP_NUM_THREADS=%s)"
        % (ref.get("python"), ref.get("numpy"), ", ".join(os.path.basename(p) for p in ref.get("numpy_blas", [])),
           ref.get("openblas_threads"), ref.get("torch"), ref.get("torch_threads"), ref.get("omp_num_threads")),
    ]
    for backend, meta in sorted((k, v) for k, v in metas.items() if k != "reference"):
        lines.append("- anvil `%s` compiler id: `%s`" % (backend, meta.get("compiler_id", "")))
    return lines


def build(records):
    metas, rows = {}, {}
    for r in records:
        if "meta" in r:
            metas[r.get("backend") if r["meta"] == "anvil" else "reference"] = r
            continue
        key = "anvil " + r["backend"] if r["impl"] == "anvil" else r["impl"]
        rows.setdefault(r["workload"], {})[key] = r
    backends = sorted({r["backend"] for r in records if r.get("impl") == "anvil"}, key=lambda b: (b != "c", b))
    order = list(dict.fromkeys(r["workload"] for r in records if "workload" in r and r["impl"] != "c_loop"))
    order += [w for w in rows if w not in order and not w.startswith("stream_triad")]

    out, problems = [], []
    head = ["workload", "unit", "numpy", "torch", "torch 1t"] + ["anvil " + b for b in backends]
    head += ["%s / torch" % b for b in backends] + ["check"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for w in order:
        cells = rows[w]
        ref = rows.get(w.replace("mlp_step_jit", "mlp_step"), {}) if w.startswith("mlp_step_jit") else cells
        unit = next(iter(cells.values()))["unit"]
        metric = lambda d, k: d[k]["metric"] if k in d else None  # noqa: E731
        numpy, torch, torch1 = metric(ref, "numpy"), metric(ref, "torch"), metric(ref, "torch_1t")
        line = [re.sub(r"mlp_step_jit_(\w+)", r"mlp_step_\1 (jit)", w), unit, fmt(numpy), fmt(torch), fmt(torch1)]
        torch = better(torch, torch1, unit)  # the ratio is against torch's better figure
        line += [fmt(metric(cells, "anvil " + b)) for b in backends]
        line += [fmt(speed_ratio(metric(cells, "anvil " + b), torch, unit)) + "×"
                 if speed_ratio(metric(cells, "anvil " + b), torch, unit) else "–" for b in backends]
        verdict = []
        want = ref.get("numpy", {}).get("samples")
        for impl in ["torch", "torch_1t"] + ["anvil " + b for b in backends]:
            if impl not in cells or not want or not cells[impl]["samples"]:
                continue
            msg = check(w, cells[impl]["samples"], want)
            if msg:
                verdict.append("MISMATCH " + impl)
                problems.append("%s, %s against numpy: %s" % (w, impl, msg))
            if cells[impl].get("note") and impl.startswith("anvil"):
                problems.append("%s, %s: %s" % (w, impl, cells[impl]["note"]))
        if not want and w not in ("new_graph_latency", "process_start"):
            verdict.append("no numpy result")
        line.append(", ".join(verdict) or ("ok" if want else "–"))
        out.append("| " + " | ".join(line) + " |")

    triad = next((r for r in records if r.get("impl") == "c_loop"), None)
    if triad:
        out.append("")
        fused = next((w for w in order if w.startswith("fused")), None)
        parts = []
        for b in backends:
            f = rows.get(fused, {}).get("anvil " + b, {}).get("metric")
            if f:
                parts.append("`%s` fused = %s× triad" % (b, fmt(f / triad["metric"])))
        out.append("STREAM-triad reference (`a[i] = b[i] + s*c[i]`, a C loop in anvil_bench, one thread, %s): "
                   "**%.1f GB/s**; %s (target ≥ 0.6×)." % (triad["workload"].split("_")[-1], triad["metric"],
                                                           ", ".join(parts) or "no anvil fused figure"))
    return out, problems, metas


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", default="")
    ap.add_argument("files", nargs="+")
    opts = ap.parse_args()
    records = []
    for path in opts.files:
        with open(path) as f:
            records += [json.loads(line) for line in f if line.startswith("{")]
    table, problems, metas = build(records)
    measured = datetime.datetime.utcfromtimestamp(max(os.path.getmtime(p) for p in opts.files))
    text = ["Measured %s UTC by `bench/run`. Columns: the workload's figure per implementation (higher is "
            "better except ms); torch runs at 2 threads, `torch 1t` at one (anvil's kernels use the thread pool: ANVIL_THREADS, here 2); `B / torch` is "
            "anvil's speed relative to the better of the two torch figures (> 1: anvil faster); "
            "`check`: anvil's (and torch's) output samples against numpy's." % measured.strftime("%Y-%m-%d %H:%M"), ""]
    text += machine(metas) + [""] + table
    if problems:
        text += ["", "Problems:"] + ["- " + p for p in problems]
    print("\n".join(text))
    if opts.write:
        block = BEGIN + "\n" + "\n".join(text) + "\n" + END
        old = open(opts.write).read() if os.path.exists(opts.write) else ""
        if BEGIN in old and END in old:
            new = old[:old.index(BEGIN)] + block + old[old.index(END) + len(END):]
        else:
            new = "# anvil benchmarks\n\n" + block + "\n" + old
        with open(opts.write, "w") as f:
            f.write(new)
    sys.exit(1 if any("MISMATCH" in p or "against numpy" in p for p in problems) else 0)


if __name__ == "__main__":
    main()
