package bitflex.nn.layers;

import bitflex.engine.tensor.Tensor;
import bitflex.engine.tensor.Functional;
import bitflex.nn.train.Loss;

/**
 * Mean squared error. As a classification {@link Loss} it compares the outputs with one-hot
 * encodings of the labels.
 */
public final class MSELoss implements Loss {
    /** {@code mean((pred - target)^2)}. */
    public Tensor forward(Tensor pred, Tensor target) {
        return Functional.mseLoss(pred, target);
    }

    @Override
    public Tensor compute(Tensor output, int[] labels, int n) {
        int c = output.size(1);
        Tensor target = Tensor.emptyZeroed(n, c);
        float[] t = target.data();
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= c) {
                throw new IllegalArgumentException("MSELoss: label " + labels[i] + " of sample " + i + " is outside [0, " + c + ")");
            }
            t[i * c + labels[i]] = 1f;
        }
        return forward(output, target);
    }
}
