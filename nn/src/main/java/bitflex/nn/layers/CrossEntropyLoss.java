package bitflex.nn.layers;

import bitflex.engine.tensor.Tensor;
import bitflex.engine.tensor.Functional;
import bitflex.nn.train.Loss;

/** Mean cross-entropy of logits {@code [n, classes]} against integer labels, with a fused log-softmax. */
public final class CrossEntropyLoss implements Loss {
    @Override
    public Tensor compute(Tensor logits, int[] labels, int n) {
        if (logits.dim() != 2 || logits.size(0) != n || labels.length < n) {
            throw new IllegalArgumentException("CrossEntropyLoss: logits " + java.util.Arrays.toString(logits.shape()) + " for " + n
                    + " labels (of " + labels.length + ")");
        }
        return Functional.crossEntropy(logits, labels.length == n ? labels : java.util.Arrays.copyOf(labels, n));
    }

    /** The loss over all rows of {@code logits}. */
    public Tensor forward(Tensor logits, int[] labels) {
        return compute(logits, labels, logits.size(0));
    }
}
