#!/usr/bin/env python3
"""PyTorch peer for `bitflex compare`: the same task bitflex trains, timed the same way.

Trains `mlp` (784-256-128-10) or `lenet5` on Fashion-MNIST with plain SGD (momentum), batch 64 by
default, for the given number of epochs, then evaluates on the test set and prints one JSON line:

  {"framework": "pytorch", "model": ..., "threads": ..., "samples_per_s": ..., "wall_s": ...,
   "test_acc": ..., ...}

What matches bitflex: the models and their PyTorch layouts, the initialisation (PyTorch's default:
weights and biases uniform in +-1/sqrt(fan_in)), the IDX files and the normalisation
((x/255 - 0.2860) / 0.3530), a fresh seeded shuffle every epoch, the last short batch kept, the
mean cross-entropy loss and SGD with momentum (dampening 0, no weight decay).
`samples_per_s` and `wall_s` cover training only, batch assembly included; reading the files and
the test evaluation are outside that window. `epoch_samples_per_s` has each epoch's own rate.
`blas` names the BLAS library this process really loaded: Debian's torch calls whatever libblas.so.3
the alternatives system points at, and the reference BLAS there (package libblas3) is 10-30x slower
than OpenBLAS (libopenblas0-pthread), which would make any ratio against this peer meaningless.

Run it with Debian's python3 (python3-torch):  /usr/bin/python3 bench/peers/pytorch_baseline.py --model mlp
"""
import argparse
import ctypes
import gzip
import json
import os
import struct
import sys
import time

try:
    import torch
    import torch.nn as nn
except ImportError:
    sys.stderr.write("pytorch_baseline: torch is not installed; install it with 'sudo apt-get install python3-torch'\n")
    sys.exit(3)

MEAN, STD = 0.2860, 0.3530
SYSTEM_DIR = "/usr/share/datasets/fashion-mnist"
BUNDLED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "nn", "src", "main", "resources",
                           "bitflex", "nn", "data", "fashion-mnist")


def read_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    zero, typ, rank = struct.unpack(">HBB", raw[:4])
    if zero != 0 or typ != 0x08:
        sys.exit(f"pytorch_baseline: {path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank])
    data = torch.frombuffer(bytearray(raw[4 + 4 * rank:]), dtype=torch.uint8)
    return data.reshape(dims)


def find(directory, base):
    for name in (base + ".gz", base):
        p = os.path.join(directory, name)
        if os.path.isfile(p):
            return p
    sys.exit(f"pytorch_baseline: {directory}: missing {base}.gz")


def load(directory):
    def images(base):
        x = read_idx(find(directory, base)).to(torch.float32).div_(255.0)
        return x.sub_(MEAN).div_(STD).unsqueeze(1).contiguous()

    def labels(base):
        return read_idx(find(directory, base)).to(torch.int64)

    return (images("train-images-idx3-ubyte"), labels("train-labels-idx1-ubyte"),
            images("t10k-images-idx3-ubyte"), labels("t10k-labels-idx1-ubyte"))


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def loaded_blas():
    """The library torch's sgemm_ calls go to: {"kind": openblas|reference|blis|mkl|atlas|unknown, "path": ...}.

    Which BLAS files are mapped does not say it: with the reference libblas selected, OpenBLAS is
    still mapped (through LAPACK) while sgemm_ binds to the reference library that libtorch_cpu
    links first. So the symbol is looked up where the dynamic linker looks, the global scope first
    (the program, LD_PRELOAD) and then libtorch_cpu's own dependencies, and dladdr names its file.
    Any failure here reports "unknown" rather than losing the training result.
    """
    unknown = {"kind": "unknown", "path": None}
    try:
        torch_cpu = None
        with open("/proc/self/maps") as maps:
            for line in maps:
                f = line.split()
                if len(f) >= 6 and os.path.basename(f[-1]).startswith("libtorch_cpu"):
                    torch_cpu = f[-1]
                    break
        if torch_cpu is None:
            return unknown
        libc = ctypes.CDLL(None)
        scopes = [libc, ctypes.CDLL(torch_cpu, mode=os.RTLD_NOLOAD | os.RTLD_LAZY)]
        fn = next((getattr(lib, "sgemm_") for lib in scopes if hasattr(lib, "sgemm_")), None)
        info = _DlInfo()
        if fn is None or not libc.dladdr(ctypes.cast(fn, ctypes.c_void_p), ctypes.byref(info)) or not info.dli_fname:
            return unknown
        path = os.path.realpath(os.fsdecode(info.dli_fname))
    except Exception:
        return unknown
    kinds = [("openblas", "openblas"), ("blis", "blis"), ("mkl", "mkl"), ("atlas", "atlas"), ("/blas/libblas", "reference")]
    found = {"kind": next((k for key, k in kinds if key in path), "unknown"), "path": path}
    if found["kind"] == "openblas":
        try:
            from threadpoolctl import threadpool_info  # optional: OpenBLAS's version and kernel
            for pool in threadpool_info():
                # Debian's OpenBLAS libblas.so.3 sits beside the libopenblas that threadpoolctl sees
                if pool.get("internal_api") == "openblas" and \
                        os.path.dirname(os.path.realpath(pool.get("filepath", ""))) == os.path.dirname(path):
                    found.update({"version": pool.get("version"), "core": pool.get("architecture")})
        except Exception:
            pass
    return found


def model(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 10))
    if name == "lenet5":
        return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    sys.exit(f"pytorch_baseline: unknown model '{name}' (mlp or lenet5)")


def main():
    p = argparse.ArgumentParser(description="PyTorch peer for bitflex compare")
    p.add_argument("--model", default="lenet5")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--data", default=None)
    a = p.parse_args()

    if a.data is not None:
        if not os.path.isdir(a.data):
            sys.exit(f"pytorch_baseline: --data {a.data}: no such directory")
        directory = a.data
    elif os.path.isfile(os.path.join(SYSTEM_DIR, "train-images-idx3-ubyte.gz")):
        directory = SYSTEM_DIR
    else:
        directory = BUNDLED_DIR
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    t_start = time.perf_counter()
    x_train, y_train, x_test, y_test = load(directory)
    net = model(a.model)  # PyTorch's default init: uniform +-1/sqrt(fan_in) for weights and biases
    opt = torch.optim.SGD(net.parameters(), lr=a.lr, momentum=a.momentum)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(a.seed)
    n = x_train.shape[0]

    net.train()
    t0 = time.perf_counter()
    seen = 0
    last_loss = float("nan")
    epoch_rates = []
    for _ in range(a.epochs):
        e0, seen0 = time.perf_counter(), seen
        order = torch.randperm(n, generator=gen)
        for i in range(0, n, a.batch):
            idx = order[i:i + a.batch]
            xb = x_train.index_select(0, idx)
            yb = y_train.index_select(0, idx)
            opt.zero_grad(set_to_none=False)
            loss = loss_fn(net(xb), yb)
            loss.backward()
            opt.step()
            seen += xb.shape[0]
        last_loss = loss.item()
        epoch_rates.append((seen - seen0) / (time.perf_counter() - e0))
    train_s = time.perf_counter() - t0

    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, x_test.shape[0], 1000):
            correct += (net(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum().item()
    print(json.dumps({
        "framework": "pytorch", "torch": torch.__version__, "model": a.model, "threads": a.threads,
        "epochs": a.epochs, "batch": a.batch, "lr": a.lr, "momentum": a.momentum, "seed": a.seed,
        "train_samples": seen, "samples_per_s": seen / train_s, "wall_s": train_s, "epoch_samples_per_s": epoch_rates,
        "total_s": time.perf_counter() - t_start, "last_loss": last_loss,
        "test_acc": correct / x_test.shape[0], "data": os.path.abspath(directory), "blas": loaded_blas(),
    }))


if __name__ == "__main__":
    main()
