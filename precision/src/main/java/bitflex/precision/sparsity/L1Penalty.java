package bitflex.precision.sparsity;

import bitflex.precision.ArrayStats;

/**
 * The L1 penalty {@code lambda1 * sum |w|} that AdaPT adds to the loss to push small weights toward
 * zero (where stochastic rounding then makes them exact zeros). Default {@code lambda1 = 1e-4}.
 */
public final class L1Penalty {
    /** AdaPT's default strength. */
    public static final double DEFAULT_LAMBDA = 1e-4;

    private final double lambda;

    public L1Penalty(double lambda) {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("L1Penalty: lambda1 must be finite and non-negative, got " + lambda);
        }
        this.lambda = lambda;
    }

    public L1Penalty() {
        this(DEFAULT_LAMBDA);
    }

    public double lambda() {
        return lambda;
    }

    /** {@code lambda1 * sum |w|}, summed in double. */
    public double penalty(float[] weights) {
        return lambda * ArrayStats.sumAbs("L1Penalty: weights", weights);
    }

    /**
     * Adds the penalty's (sub)gradient {@code lambda1 * sign(w)} to {@code gradients} in place; at
     * {@code w == 0} the subgradient 0 is used, so an exact zero is not pushed off zero.
     */
    public void addGradient(float[] weights, float[] gradients) {
        if (weights.length != gradients.length) {
            throw new IllegalArgumentException("L1Penalty: weights have " + weights.length
                    + " elements, gradients " + gradients.length);
        }
        float l = (float) lambda;
        for (int i = 0; i < weights.length; i++) {
            gradients[i] += l * Math.signum(weights[i]);
        }
    }
}
