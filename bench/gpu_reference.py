#!/usr/bin/env python3
"""PyTorch's side of the GPU table (issue 9): anvil_bench's workloads on CUDA, timed with CUDA
events after a warm-up, one JSON object per line as anvil_bench prints, plus the device-to-device
copy that bounds the bandwidth rows and float16 matmuls (tensor cores).

  gpu_reference.py [--repeat N] [--small]

Each workload reports two figures: `torch_cuda` (inputs already on the GPU, the kernel time alone)
and `torch_cuda_host` (inputs copied in from host memory and the result copied back, what anvil's
cuda backend does on every run today). TF32 is off for the float32 matmuls (issue 9's rule).
"""
import argparse
import json
import time

import torch


def sizes(small):
    if small:
        return dict(matmul=[16, 32, 64], fused=1 << 14, sum=1 << 16, softmax=(64, 64))
    return dict(matmul=[512, 1024, 2048, 4096], fused=1 << 24, sum=1 << 26, softmax=(4096, 4096))


def count_name(n):
    if n % (1 << 20) == 0:
        return "%dM" % (n >> 20)
    if n % (1 << 10) == 0:
        return "%dK" % (n >> 10)
    return str(n)


def device_time(fn, repeat):
    """Median seconds of fn() on the GPU by CUDA events, after one warm-up call."""
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    times.sort()
    return times[len(times) // 2]


def wall_time(fn, repeat):
    """Median wall seconds of fn() including its synchronization (host copies in and out)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def emit(workload, impl, seconds, metric, unit):
    print(json.dumps({"workload": workload, "impl": impl, "backend": "cuda", "seconds": seconds, "metric": metric,
                      "unit": unit, "device": torch.cuda.get_device_name(0)}), flush=True)


def both(workload, unit, per_second, fn, host_inputs, repeat):
    dev = [x.cuda() for x in host_inputs]
    s = device_time(lambda: fn(*dev), repeat)
    emit(workload, "torch_cuda", s, per_second(s), unit)
    s = wall_time(lambda: fn(*[x.cuda() for x in host_inputs]).cpu(), repeat)
    emit(workload, "torch_cuda_host", s, per_second(s), unit)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--small", action="store_true")
    opts = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    sz = sizes(opts.small)
    g = torch.Generator().manual_seed(20261126)
    rnd = lambda *shape: torch.rand(*shape, generator=g) - 0.5

    n = sz["fused"]
    a = rnd(n).cuda()
    b = torch.empty_like(a)
    s = device_time(lambda: b.copy_(a), opts.repeat)
    emit("copy_d2d_" + count_name(n), "torch_cuda", s, 8.0 * n / s / 1e9, "GB/s")
    big = sz["sum"]
    a = rnd(big).cuda()
    b = torch.empty_like(a)
    s = device_time(lambda: b.copy_(a), opts.repeat)
    emit("copy_d2d_" + count_name(big), "torch_cuda", s, 8.0 * big / s / 1e9, "GB/s")
    del a, b

    both("fused_" + count_name(n), "GB/s", lambda s: 16.0 * n / s / 1e9,
         lambda a, b, c: torch.exp(torch.relu(a * b + c) * 0.5), [rnd(n), rnd(n), rnd(n)], opts.repeat)
    both("sum_" + count_name(big), "GB/s", lambda s: 4.0 * big / s / 1e9, torch.sum, [rnd(big)], opts.repeat)
    rows, cols = sz["softmax"]
    both("softmax_%dx%d" % (rows, cols), "GB/s", lambda s: 8.0 * rows * cols / s / 1e9,
         lambda x: torch.softmax(x, -1), [rnd(rows, cols) * 8], opts.repeat)
    for m in sz["matmul"]:
        both("matmul_%d" % m, "GFLOPS", lambda s: 2.0 * m ** 3 / s / 1e9, torch.matmul, [rnd(m, m), rnd(m, m)],
             opts.repeat)
        x, y = rnd(m, m).half().cuda(), rnd(m, m).half().cuda()
        s = device_time(lambda: torch.matmul(x, y), opts.repeat)
        emit("matmul_f16_%d" % m, "torch_cuda", s, 2.0 * m ** 3 / s / 1e9, "GFLOPS")


if __name__ == "__main__":
    main()
