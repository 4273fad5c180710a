"""PyTorch (Debian's python3-torch, on the system OpenBLAS) for the blasnet benchmark.

Run by bench/run.js when /usr/bin/python3 can import torch: one workload per process, the task as
JSON in argv[1], one BENCH_RESULT JSON line out. Same data files, initial weights, batch sizes and
optimizers as every other peer; a plain training loop (shuffled index per epoch, zero_grad,
backward, step), as a PyTorch user writes it.
"""
import json
import os
import resource
import sys
import time

import numpy as np
import torch

TAG = "BENCH_RESULT "
REF_ROWS = 64


def f32(path, rows=None, cols=None):
    # Only the rows used (a reduced-N run's peak RSS then holds only its own data).
    a = np.fromfile(path, dtype="<f4", count=-1 if rows is None else rows * cols)
    if rows is not None:
        a = a[: rows * cols].reshape(rows, cols)
    return torch.from_numpy(a)


def weights(files, prefix, layers):
    return [f32(files[f"{prefix}_{i}"]) for i in range(2 * layers)]


def dense_stack(widths, last):
    mods = []
    for i in range(1, len(widths)):
        mods.append(torch.nn.Linear(widths[i - 1], widths[i]))
        if i < len(widths) - 1:
            mods.append(torch.nn.ReLU())
        elif last == "softmax":
            mods.append(torch.nn.Softmax(dim=1))
    return torch.nn.Sequential(*mods)


def set_weights(model, ws):
    lin = [m for m in model if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for i, m in enumerate(lin):
            k = ws[2 * i].reshape(m.in_features, m.out_features)
            m.weight.copy_(k.t())  # torch keeps [out, in]
            m.bias.copy_(ws[2 * i + 1])


def fit_epoch(model, opt, loss_fn, x, y, batch, logits_model=None):
    n = x.shape[0]
    perm = torch.randperm(n)
    total, count = 0.0, 0
    for s in range(0, n, batch):
        idx = perm[s : s + batch]
        xb, yb = x[idx], y[idx]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        total += float(loss) * xb.shape[0]
        count += xb.shape[0]
    return total / count


def now_ms():
    return time.perf_counter() * 1000.0


def loss_check(loss):
    ok = len(loss) >= 2 and all(np.isfinite(loss)) and loss[-1] < loss[0]
    return {"ok": bool(ok), "detail": f"loss {loss[0]:.4g} -> {loss[-1]:.4g}"}


def w1(task):
    c = task["cfg"]
    x = f32(task["files"]["w1_x"], c["rows"], c["inputs"])
    y = f32(task["files"]["w1_y"], c["rows"], 1)

    def once():
        torch.manual_seed(42)
        m = dense_stack([c["inputs"], c["hidden"], c["outputs"]], "linear")
        opt = torch.optim.Adam(m.parameters(), lr=1e-3)
        lf = torch.nn.MSELoss()
        t0 = now_ms()
        losses = [fit_epoch(m, opt, lf, x, y, c["batchSize"]) for _ in range(c["epochs"])]
        return now_ms() - t0, losses

    first_ms, check = once()
    for _ in range(c.get("warmup", 0)):  # untimed warm-up, as for every peer
        once()
    times = [once()[0] for _ in range(task["runs"])]
    return {"times": times, "firstMs": first_ms, "check": loss_check(check)}


def w2(task):
    c, n = task["cfg"], task["rows"]
    widths = [c["inputs"], *c["hidden"], c["classes"]]
    x = f32(task["files"]["w2_x"], n, c["inputs"])
    labels = f32(task["files"]["w2_labels"])[:n].long()
    init = weights(task["files"], "w2_init", len(widths) - 1)
    rates, checks = [], []
    for _ in range(task["runs"]):
        torch.manual_seed(42)
        # Logits + CrossEntropyLoss is PyTorch's categorical cross-entropy over a softmax output.
        m = dense_stack(widths, "linear")
        set_weights(m, init)
        opt = torch.optim.Adam(m.parameters(), lr=c["lr"])
        lf = torch.nn.CrossEntropyLoss()
        losses, t = [], 0.0
        for e in range(c["epochs"]):
            t0 = now_ms()
            losses.append(fit_epoch(m, opt, lf, x, labels, c["batchSize"]))
            t = now_ms() - t0
        rates.append(n / (t / 1000.0))
        checks.append(loss_check(losses))
    return {"rates": rates, "check": {"ok": all(k["ok"] for k in checks), "detail": checks[0]["detail"]}}


def w3(task):
    c, n = task["cfg"], task["rows"]
    width = c["width"]
    din, dout = width[0], width[-1]
    x = f32(task["files"]["w3_x"], n, din)
    y = f32(task["files"]["w3_y"], n, dout)
    init = weights(task["files"], "w3_init", len(width) - 1)

    def make():
        m = dense_stack(width, "linear")
        set_weights(m, init)
        return m, torch.optim.SGD(m.parameters(), lr=c["lr"]), torch.nn.MSELoss()

    m, opt, lf = make()
    cr = c["checkRows"]
    check = [fit_epoch(m, opt, lf, x[:cr], y[:cr], cr // 2) for _ in range(3)]
    rates = []
    for _ in range(task["runs"]):
        m, opt, lf = make()
        t0 = now_ms()
        loss = fit_epoch(m, opt, lf, x, y, c["batchSize"])
        ms = now_ms() - t0
        if not np.isfinite(loss):
            raise RuntimeError(f"W3 loss not finite: {loss}")
        rates.append(n / (ms / 1000.0))
    return {"rates": rates, "check": loss_check(check)}


def w4(task):
    c, n, w2c = task["cfg"], task["rows"], task["w2cfg"]
    widths = [w2c["inputs"], *w2c["hidden"], w2c["classes"]]
    d, k = w2c["inputs"], w2c["classes"]
    x_all = f32(task["files"]["w4_x"])
    total = x_all.shape[0] // d
    x_all = x_all.reshape(total, d)
    ref = f32(task["files"]["w4_ref"]).reshape(REF_ROWS, k)
    m = dense_stack(widths, "softmax")
    set_weights(m, weights(task["files"], "w4_w", len(widths) - 1))
    m.eval()
    bs = c["batchSize"]
    with torch.no_grad():
        diff = float((m(x_all[:REF_ROWS]) - ref).abs().max())

        def predict(rows):
            return torch.cat([m(x_all[s : min(s + bs, rows)]) for s in range(0, rows, bs)])

        predict(min(n, bs))
        rates = []
        for _ in range(task["runs"]):
            t0 = now_ms()
            out = predict(n)
            ms = now_ms() - t0
            assert out.shape == (n, k)
            rates.append(n / (ms / 1000.0))
        ones = [x_all[i : i + 1] for i in range(256)]
        for i in range(c["latencyWarmup"]):
            m(ones[i % 256]).numpy()
        lat = []
        for i in range(c["latencyCalls"]):
            t0 = time.perf_counter_ns()
            m(ones[i % 256]).numpy()
            lat.append((time.perf_counter_ns() - t0) / 1e3)
    lat.sort()
    pick = lambda p: lat[min(len(lat) - 1, max(0, -(-p * len(lat) // 100) - 1))]
    return {"rates": rates, "latSync": {"p50": pick(50), "p99": pick(99), "mean": sum(lat) / len(lat)},
            "check": {"ok": diff < 1e-4, "detail": f"max |diff| {diff:.2e} (64 rows)"}}


def peak_rss_mb():
    """VmHWM: this process's own peak (ru_maxrss also counts the runner's RSS at fork time)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    task = json.loads(sys.argv[1])
    # PyTorch's own (OpenMP) pool gets one thread and OpenBLAS keeps its two: with both pools at two
    # threads on two cores they spin against each other (measured here: W2 12x slower under load).
    # BENCH_TORCH_THREADS overrides.
    threads = int(os.environ.get("BENCH_TORCH_THREADS", 1))
    torch.set_num_threads(threads)
    try:
        res = {"w1": w1, "w2": w2, "w3": w3, "w4": w4}[task["workload"]](task)
        res["version"] = f"torch {torch.__version__}, {torch.get_num_threads()} intra-op thread(s), OpenBLAS threads from its default"
    except Exception as e:  # reported to the runner as this row's error
        res = {"error": f"{type(e).__name__}: {e}"}
    res["maxRssMB"] = peak_rss_mb()
    sys.stdout.write("\n" + TAG + json.dumps(res) + "\n")


if __name__ == "__main__":
    main()
