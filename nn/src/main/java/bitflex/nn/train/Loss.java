package bitflex.nn.train;

import bitflex.engine.tensor.Tensor;

/** A training objective over a batch of model outputs and integer class labels. */
@FunctionalInterface
public interface Loss {
    /**
     * The scalar loss of {@code output} (shape {@code [n, classes]}) against {@code labels[0..n)},
     * recorded in the autograd graph.
     */
    Tensor compute(Tensor output, int[] labels, int n);
}
