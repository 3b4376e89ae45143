package bitflex.engine.fixed;

import bitflex.engine.simd.Simd;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;

/** {@code max(k, 0)} on signed integer storage: SIMD loops with their scalar twins. */
final class ReluKernels {
    private ReluKernels() {}

    static void relu(byte[] s, byte[] d, int n) {
        int l = Simd.BYTE.length();
        int i = 0;
        for (; i + l <= n; i += l) {
            ByteVector.fromArray(Simd.BYTE, s, i).max((byte) 0).intoArray(d, i);
        }
        reluScalar(s, d, i, n);
    }

    static void relu(short[] s, short[] d, int n) {
        int l = Simd.SHORT.length();
        int i = 0;
        for (; i + l <= n; i += l) {
            ShortVector.fromArray(Simd.SHORT, s, i).max((short) 0).intoArray(d, i);
        }
        reluScalar(s, d, i, n);
    }

    static void relu(int[] s, int[] d, int n) {
        int l = Simd.INT.length();
        int i = 0;
        for (; i + l <= n; i += l) {
            IntVector.fromArray(Simd.INT, s, i).max(0).intoArray(d, i);
        }
        reluScalar(s, d, i, n);
    }

    static void reluScalar(byte[] s, byte[] d, int from, int n) {
        for (int i = from; i < n; i++) {
            d[i] = s[i] < 0 ? 0 : s[i];
        }
    }

    static void reluScalar(short[] s, short[] d, int from, int n) {
        for (int i = from; i < n; i++) {
            d[i] = s[i] < 0 ? 0 : s[i];
        }
    }

    static void reluScalar(int[] s, int[] d, int from, int n) {
        for (int i = from; i < n; i++) {
            d[i] = s[i] < 0 ? 0 : s[i];
        }
    }
}
