package bitflex.bench.gemm;

/**
 * The shape of {@code C[m x n] = op(A)[m x k] * op(B)[k x n]}, with A stored k x m when
 * {@code transA} and B stored n x k when {@code transB}.
 */
public record GemmShape(int m, int n, int k, boolean transA, boolean transB) {
    /** The largest size accepted for one dimension. */
    public static final int MAX_DIM = 1 << 16;

    /** Checks the sizes, and that the three matrices fit in arrays and in this JVM's heap. */
    public GemmShape {
        dim("m", m);
        dim("n", n);
        dim("k", k);
        long elements = Math.max(Math.max((long) m * k, (long) k * n), (long) m * n);
        if (elements > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("gemm " + m + " x " + n + " x " + k
                    + ": a matrix would have " + elements + " elements, more than a Java array holds");
        }
        long bytes = 4L * ((long) m * k + (long) k * n + (long) m * n);
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap * 3 / 4) {
            throw new IllegalArgumentException("gemm " + m + " x " + n + " x " + k + ": needs " + (bytes >> 20)
                    + " MiB for A, B and C but the heap is " + (heap >> 20) + " MiB (raise -Xmx via BITFLEX_JAVA_OPTS)");
        }
    }

    private static void dim(String name, int v) {
        if (v < 1 || v > MAX_DIM) {
            throw new IllegalArgumentException("--" + name + " must be between 1 and " + MAX_DIM + ", got " + v);
        }
    }

    /** Floating-point (or integer) operations of one multiply: one multiply and one add per term. */
    public double flops() {
        return 2.0 * m * n * k;
    }

    @Override
    public String toString() {
        return "m=" + m + " n=" + n + " k=" + k + (transA ? " transA" : "") + (transB ? " transB" : "");
    }
}
