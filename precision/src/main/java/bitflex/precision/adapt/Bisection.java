package bitflex.precision.adapt;

import java.util.OptionalInt;
import java.util.function.IntPredicate;

/** Bisection for the smallest integer in a range that satisfies a predicate. */
public final class Bisection {
    private Bisection() {}

    /**
     * The smallest {@code v} in {@code [lo, hi]} with {@code test(v)}, assuming the test is monotone
     * (false up to some point, true from there on); empty if {@code test(hi)} is false.
     *
     * <p>For any test, monotone or not, a returned {@code v} satisfies {@code test(v)} and either
     * {@code v == lo} or {@code !test(v - 1)}: it is the lower edge of a run of passing values that
     * reaches up to {@code hi}. The test is evaluated about {@code log2(hi - lo) + 1} times, always at
     * the midpoint (the public AdaPT code tests the lower bound instead, which is a linear scan).
     */
    public static OptionalInt smallest(int lo, int hi, IntPredicate test) {
        if (lo > hi) {
            throw new IllegalArgumentException("Bisection: empty range [" + lo + ", " + hi + "]");
        }
        if (!test.test(hi)) {
            return OptionalInt.empty();
        }
        // Invariant: test(hi) holds; every value below lo that was tested failed.
        while (lo < hi) {
            int mid = lo + (hi - lo) / 2;
            if (test.test(mid)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return OptionalInt.of(hi);
    }
}
