#!/usr/bin/env python3
"""Writes the Fashion-MNIST subset bundled with bitflex-nn, deterministically.

Takes the first N training and M test images (and their labels) from the Debian package's IDX
files and writes them as gzipped IDX files with a fixed gzip header (no timestamp, no file name),
so running it twice gives byte-identical files.

    python3 nn/tools/make_fashion_subset.py [--src /usr/share/datasets/fashion-mnist] [--train 10000] [--test 2000]
"""
import argparse
import gzip
import io
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "main", "resources", "bitflex", "nn", "data", "fashion-mnist")


def read_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    zero, typ, rank = struct.unpack(">HBB", raw[:4])
    if zero != 0 or typ != 0x08:
        sys.exit(f"{path}: not an unsigned-byte IDX file")
    dims = list(struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank]))
    return dims, raw[4 + 4 * rank:]


def write_idx(path, dims, data):
    header = struct.pack(">HBB", 0, 0x08, len(dims)) + struct.pack(">" + "I" * len(dims), *dims)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as g:
        g.write(header + data)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def subset(src, base, n):
    dims, data = read_idx(os.path.join(src, base + ".gz"))
    if n > dims[0]:
        sys.exit(f"{base}: asked for {n} items, the file has {dims[0]}")
    item = 1
    for d in dims[1:]:
        item *= d
    write_idx(os.path.join(OUT, base + ".gz"), [n] + dims[1:], data[:n * item])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--src", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--train", type=int, default=10000)
    p.add_argument("--test", type=int, default=2000)
    a = p.parse_args()
    os.makedirs(OUT, exist_ok=True)
    subset(a.src, "train-images-idx3-ubyte", a.train)
    subset(a.src, "train-labels-idx1-ubyte", a.train)
    subset(a.src, "t10k-images-idx3-ubyte", a.test)
    subset(a.src, "t10k-labels-idx1-ubyte", a.test)


if __name__ == "__main__":
    main()
