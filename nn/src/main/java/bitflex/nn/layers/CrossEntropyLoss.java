package bitflex.nn.layers;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.functional.Functional;
import bitflex.nn.train.Loss;

/** Mean cross-entropy of logits {@code [n, classes]} against integer labels, with a fused log-softmax. */
public final class CrossEntropyLoss implements Loss {
    @Override
    public Tensor compute(Tensor logits, int[] labels, int n) {
        return Functional.crossEntropy(logits, labels, n);
    }

    /** The loss over all rows of {@code logits}. */
    public Tensor forward(Tensor logits, int[] labels) {
        return compute(logits, labels, logits.size(0));
    }
}
