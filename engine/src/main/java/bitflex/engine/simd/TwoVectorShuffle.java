package bitflex.engine.simd;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * A permutation that picks each lane from one of two vectors, precomputed as two one-vector
 * shuffles and a blend mask: {@code apply(x, y)} lane {@code i} is {@code x[lanes[i]]} when
 * {@code lanes[i] < VL}, else {@code y[lanes[i] - VL]}.
 *
 * <p>The Vector API's own {@code x.rearrange(shuffle, y)} does the same two rearranges and blend, but
 * derives the mask from the shuffle on every call (a compare of its indexes), and C2 spends most of
 * its time on that part: an 8 x 8 transpose written with it took 111-162 ms of C2 time on Zen 3 (JDK
 * 25, compiled alone), against 32 ms with the mask precomputed, and ran at the same speed warm (29 ns
 * per 8 x 8 block either way). On two cores that compile time is taken from training.
 *
 * <p>Instances are records so that C2 folds their fields when an instance is a {@code static final}
 * constant, as the Vector API needs for its intrinsics; keep them in {@code static final} fields.
 */
public record TwoVectorShuffle(VectorShuffle<Float> fromFirst, VectorShuffle<Float> fromSecond,
                               VectorMask<Float> takeSecond) {

    /** Lanes picked by index: {@code 0..VL-1} from the first vector, {@code VL..2VL-1} from the second. */
    public static TwoVectorShuffle of(VectorSpecies<Float> species, int... lanes) {
        int vl = species.length();
        if (lanes.length != vl) {
            throw new IllegalArgumentException("a two-vector shuffle of " + vl + " lanes needs " + vl
                    + " indexes, got " + lanes.length + ": " + Arrays.toString(lanes));
        }
        int[] first = new int[vl];
        int[] second = new int[vl];
        boolean[] fromSecond = new boolean[vl];
        for (int i = 0; i < vl; i++) {
            int lane = lanes[i];
            if (lane < 0 || lane >= 2 * vl) {
                throw new IllegalArgumentException("lane " + i + " of a two-vector shuffle of " + vl
                        + " lanes must pick an index in [0, " + 2 * vl + "), got " + lane);
            }
            fromSecond[i] = lane >= vl;
            // The lane the other vector's rearrange puts here is discarded by the blend; 0 is valid.
            first[i] = fromSecond[i] ? 0 : lane;
            second[i] = fromSecond[i] ? lane - vl : 0;
        }
        return new TwoVectorShuffle(VectorShuffle.fromValues(species, first),
                VectorShuffle.fromValues(species, second), VectorMask.fromArray(species, fromSecond, 0));
    }

    /** Lane {@code i}: {@code x[lanes[i]]} or {@code y[lanes[i] - VL]} (see {@link #of}). */
    public FloatVector apply(FloatVector x, FloatVector y) {
        return x.rearrange(fromFirst).blend(y.rearrange(fromSecond), takeSecond);
    }
}
