#!/usr/bin/python3
"""The numpy and PyTorch side of the benchmark table (bench/run): issue 7's workloads on the inputs
bench/anvil_bench.cpp gives anvil (bench_inputs.h), one JSON object per line, as anvil_bench prints.

  reference.py [--small] [--repeat N] [--budget S] [--only A,B] [--start-anvil BIN --backends c,llvm]

Debian's python3-numpy (OpenBLAS through libopenblas0-pthread) and python3-torch, torch at 2 threads.
`seconds` is the median of the timed runs after one warm-up run; `samples` are output elements at
j * n // K (K = min(n, 64)), or the MLP's first losses. --start-anvil also times process start to
first result of a python that imports numpy or torch and of `BIN --first-result` per backend.
"""
import argparse
import ctypes
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

TORCH_THREADS = 2
# torch also at one thread: anvil's kernels run on one, and on a loaded 2-core machine OpenMP's
# second thread can cost more than it gives.
TORCH_VARIANTS = (("torch", TORCH_THREADS), ("torch_1t", 1))
CHECKED_STEPS = 3  # the MLP losses compared with anvil's (anvil_bench.cpp kCheckedSteps)
LR = 0.1


def sizes(small):
    """anvil_bench.cpp's sizes_for(): keep the two identical."""
    if small:
        return dict(matmul=[16, 32, 64], fused=1 << 14, sum=1 << 16, softmax=(64, 64), conv=(2, 8), mlp=4)
    return dict(matmul=[512, 1024, 2048], fused=1 << 24, sum=1 << 26, softmax=(4096, 4096), conv=(32, 32), mlp=128)


def values(seed, n, scale=1.0, shape=None):
    """bench_inputs.h's bench_values(), operation for operation (every step exact in float32)."""
    out = np.empty(n, np.float32)
    mask = np.uint64(0xFFFFFFFF)
    for start in range(0, n, 1 << 22):  # in chunks: 64M uint64 temporaries would take gigabytes
        i = np.arange(start, min(n, start + (1 << 22)), dtype=np.uint64)
        h = (i * np.uint64(2654435761) + np.uint64(seed * 40503)) & mask
        h ^= h >> np.uint64(13)
        h = (h * np.uint64(0x5BD1E995)) & mask
        h ^= h >> np.uint64(15)
        v = (h >> np.uint64(8)).astype(np.float32) * np.float32(1.0 / 16777216.0) - np.float32(0.5)
        out[start:start + len(i)] = v * np.float32(scale)
    return out.reshape(shape) if shape else out


def labels(n, classes=10):
    return (7 * np.arange(n, dtype=np.int64) + 3) % classes


def init_scale(fan_in):
    return float(np.float32(2.0 / np.sqrt(float(fan_in))))


def count_name(n):
    if n % (1 << 20) == 0:
        return "%dM" % (n >> 20)
    if n % (1 << 10) == 0:
        return "%dK" % (n >> 10)
    return str(n)


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def time_runs(opts, work):
    """Median wall time over up to opts.repeat runs within opts.budget seconds, after a warm-up."""
    work()
    times = []
    begin = time.perf_counter()
    while not times or (len(times) < opts.repeat and time.perf_counter() - begin < opts.budget):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return median(times), len(times)


def samples_of(out):
    flat = np.asarray(out, dtype=np.float64).reshape(-1)
    n = flat.size
    k = min(n, 64)
    return [float(flat[j * n // k]) for j in range(k)]


def emit(workload, impl, seconds, runs, metric, unit, samples, note=None):
    rec = dict(workload=workload, impl=impl, backend="-", seconds=seconds, metric=metric, unit=unit, runs=runs,
               samples=samples)
    if note:
        rec["note"] = note
    print(json.dumps(rec), flush=True)


def per_impl(opts, workload, unit, metric_of, fn_numpy, fn_torch, args_numpy):
    """Times fn_numpy(*args) and fn_torch(*tensors) on the same arrays; metric_of(seconds)."""
    out = {}
    t_args = [torch.from_numpy(a) for a in args_numpy]
    impls = [("numpy", fn_numpy, args_numpy, None)] + [(name, fn_torch, t_args, n) for name, n in TORCH_VARIANTS]
    for impl, fn, args, threads in impls:
        if threads:
            torch.set_num_threads(threads)
        box = {}
        seconds, runs = time_runs(opts, lambda: box.__setitem__("out", fn(*args)))
        res = box["out"]
        res = res.numpy() if isinstance(res, torch.Tensor) else res
        out[impl] = res
        emit(workload, impl, seconds, runs, metric_of(seconds), unit, samples_of(res))
    return out


def bench_matmul(opts, n):
    a, b = values(1, n * n, shape=(n, n)), values(2, n * n, shape=(n, n))
    per_impl(opts, "matmul_%d" % n, "GFLOPS", lambda s: 2.0 * n ** 3 / s / 1e9, np.matmul, torch.matmul, [a, b])


def bench_fused(opts, n):
    a, b, c = values(3, n), values(4, n), values(5, n)
    per_impl(opts, "fused_" + count_name(n), "GB/s", lambda s: 16.0 * n / s / 1e9,
             lambda a, b, c: np.exp(np.maximum(a * b + c, np.float32(0)) * np.float32(0.5)),
             lambda a, b, c: torch.exp(torch.relu(a * b + c) * 0.5), [a, b, c])


def bench_sum(opts, n):
    a = values(6, n)
    per_impl(opts, "sum_" + count_name(n), "GB/s", lambda s: 4.0 * n / s / 1e9, np.sum, torch.sum, [a])


def np_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def bench_softmax(opts, rows, cols):
    x = values(7, rows * cols, 8.0, (rows, cols))
    per_impl(opts, "softmax_%dx%d" % (rows, cols), "GB/s", lambda s: 8.0 * rows * cols / s / 1e9, np_softmax,
             lambda x: torch.softmax(x, -1), [x])


def np_conv3x3(x, w, b):
    """conv2d, 3x3, padding 1, as im2col and one matmul (OpenBLAS), numpy having no convolution."""
    n, c, h, wd = x.shape
    p = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = np.empty((n, c, 3, 3, h, wd), np.float32)
    for i in range(3):
        for j in range(3):
            cols[:, :, i, j] = p[:, :, i:i + h, j:j + wd]
    y = w.reshape(w.shape[0], -1) @ cols.reshape(n, c * 9, h * wd)
    return y.reshape(n, w.shape[0], h, wd) + b.reshape(1, -1, 1, 1)


def bench_conv(opts, batch, hw):
    x = values(8, batch * 3 * hw * hw, shape=(batch, 3, hw, hw))
    w1, b1 = values(9, 16 * 27, init_scale(27), (16, 3, 3, 3)), values(10, 16, init_scale(27))
    w2, b2 = values(11, 32 * 144, init_scale(144), (32, 16, 3, 3)), values(12, 32, init_scale(144))
    tconv = torch.nn.functional.conv2d
    flops = 2.0 * batch * hw * hw * (16 * 27 + 32 * 144)
    per_impl(opts, "conv2d_b%d_%dx%d" % (batch, hw, hw), "GFLOPS", lambda s: flops / s / 1e9,
             lambda x, w1, b1, w2, b2: np_conv3x3(np.maximum(np_conv3x3(x, w1, b1), np.float32(0)), w2, b2),
             lambda x, w1, b1, w2, b2: tconv(torch.relu(tconv(x, w1, b1, padding=1)), w2, b2, padding=1),
             [x, w1, b1, w2, b2])


def mlp_init(batch):
    return dict(w1=values(14, 256 * 784, init_scale(784), (256, 784)), b1=values(15, 256, init_scale(784)),
                w2=values(16, 10 * 256, init_scale(256), (10, 256)), b2=values(17, 10, init_scale(256)),
                x=values(13, batch * 784, 2.0, (batch, 784)), y=labels(batch))


def numpy_mlp_step(p):
    """One SGD step by hand (forward, cross entropy, backward): numpy has no autograd."""
    x, y = p["x"], p["y"]
    h = x @ p["w1"].T + p["b1"]
    a = np.maximum(h, np.float32(0))
    z = a @ p["w2"].T + p["b2"]
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    prob = e / e.sum(axis=1, keepdims=True)
    n = x.shape[0]
    loss = -np.log(prob[np.arange(n), y]).mean()
    dz = prob
    dz[np.arange(n), y] -= np.float32(1)
    dz /= np.float32(n)
    da = dz @ p["w2"]
    dh = da * (h > 0)
    lr = np.float32(LR)
    p["w2"] -= lr * (dz.T @ a)
    p["b2"] -= lr * dz.sum(axis=0)
    p["w1"] -= lr * (dh.T @ x)
    p["b1"] -= lr * dh.sum(axis=0)
    return float(loss)


def bench_mlp(opts, batch):
    name = "mlp_step_b%d" % batch
    p = mlp_init(batch)
    losses = [numpy_mlp_step(p) for _ in range(CHECKED_STEPS)]
    seconds, runs = time_runs(opts, lambda: numpy_mlp_step(p))
    emit(name, "numpy", seconds, runs, 1.0 / seconds, "steps/s", losses)

    for impl, threads in TORCH_VARIANTS:
        torch.set_num_threads(threads)
        torch_mlp(opts, name, impl, batch)


def torch_mlp(opts, name, impl, batch):
    p = {k: torch.from_numpy(v) for k, v in mlp_init(batch).items()}
    params = [p[k].requires_grad_() for k in ("w1", "b1", "w2", "b2")]
    opt = torch.optim.SGD(params, lr=LR)
    lin = torch.nn.functional.linear

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(lin(torch.relu(lin(p["x"], p["w1"], p["b1"])), p["w2"], p["b2"]),
                                                 p["y"])
        loss.backward()
        opt.step()
        return float(loss)

    losses = [step() for _ in range(CHECKED_STEPS)]
    seconds, runs = time_runs(opts, step)
    emit(name, impl, seconds, runs, 1.0 / seconds, "steps/s", losses)


def bench_new_graph(opts):
    """anvil compiles a new kernel here; numpy and torch run the same expression eagerly."""
    a, b = values(18, 256, shape=(16, 16)), values(19, 256, shape=(16, 16))
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    impls = [("numpy", lambda: np.exp(np.maximum(a * np.float32(1.0001) + b, 0)).sum(1), None)]
    impls += [(name, lambda: torch.exp(torch.relu(ta * 1.0001 + tb)).sum(1), n) for name, n in TORCH_VARIANTS]
    for impl, fn, threads in impls:
        if threads:
            torch.set_num_threads(threads)
        seconds, runs = time_runs(opts, fn)
        emit("new_graph_latency", impl, seconds, runs, seconds * 1e3, "ms", [], "eager: nothing to compile")


def time_process(argv, env=None, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return median(times), repeat


def bench_start(opts):
    """Process start to first result: a python importing numpy or torch, and anvil_bench per backend
    with an empty kernel cache (so the figure includes compiling its one kernel)."""
    py = sys.executable
    for impl, code in (("numpy", "import numpy as np; print((np.array([1,2,3,4],np.float32)*2).sum())"),
                       ("torch", "import torch; print((torch.tensor([1.,2,3,4])*2).sum().item())")):
        seconds, runs = time_process([py, "-c", code])
        emit("process_start", impl, seconds, runs, seconds * 1e3, "ms", [])
    if not opts.start_anvil:
        return
    for backend in opts.backends.split(","):
        times = []
        for _ in range(5):
            with tempfile.TemporaryDirectory() as cache:
                env = dict(os.environ, ANVIL_CACHE_DIR=cache)
                try:
                    seconds, _ = time_process([opts.start_anvil, "--backend", backend, "--first-result"], env, 1)
                except subprocess.CalledProcessError:  # exit 3: not built in or unavailable (anvil_bench says which)
                    break
                times.append(seconds)
        if not times:
            continue
        seconds = median(times)
        rec = dict(workload="process_start", impl="anvil", backend=backend, seconds=seconds, metric=seconds * 1e3,
                   unit="ms", runs=len(times), samples=[], note="empty kernel cache")
        print(json.dumps(rec), flush=True)


def blas_info():
    """Which BLAS numpy really loaded (Debian's libblas.so.3 is an alternative) and its threads."""
    np.ones((64, 64), np.float32) @ np.ones((64, 64), np.float32)
    libs = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line})
    threads = None
    for lib in libs:
        if "openblas" in os.path.basename(lib):
            try:
                threads = ctypes.CDLL(lib).openblas_get_num_threads()
            except (OSError, AttributeError):
                pass
    return libs, threads


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--budget", type=float, default=10.0)
    ap.add_argument("--only", default="")
    ap.add_argument("--start-anvil", default="", help="anvil_bench binary: time its process start too")
    ap.add_argument("--backends", default="c,llvm")
    opts = ap.parse_args()
    torch.set_num_threads(TORCH_THREADS)
    libs, blas_threads = blas_info()
    if not any("openblas" in lib for lib in libs):
        sys.exit("reference.py: numpy does not use OpenBLAS (loaded: %s); apt-get install libopenblas0-pthread"
                 % (libs or "no BLAS"))
    print(json.dumps(dict(meta="reference", python=sys.version.split()[0], numpy=np.__version__,
                          torch=torch.__version__, torch_threads=torch.get_num_threads(), numpy_blas=libs,
                          openblas_threads=blas_threads, omp_num_threads=os.environ.get("OMP_NUM_THREADS"),
                          small=opts.small)), flush=True)
    only = [w for w in opts.only.split(",") if w]
    want = lambda group: not only or group in only  # noqa: E731
    s = sizes(opts.small)
    if want("matmul"):
        for n in s["matmul"]:
            bench_matmul(opts, n)
    if want("fused"):
        bench_fused(opts, s["fused"])
    if want("sum"):
        bench_sum(opts, s["sum"])
    if want("softmax"):
        bench_softmax(opts, *s["softmax"])
    if want("conv2d"):
        bench_conv(opts, *s["conv"])
    if want("mlp"):
        bench_mlp(opts, s["mlp"])
    if want("latency"):
        bench_new_graph(opts)
    if want("start"):
        bench_start(opts)


if __name__ == "__main__":
    main()
