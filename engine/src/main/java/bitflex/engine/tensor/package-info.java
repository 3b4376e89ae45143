/**
 * Float32 tensors with reverse-mode autograd.
 *
 * <p>{@link bitflex.engine.tensor.Tensor} is the array type (strided views, NumPy broadcasting,
 * reductions, softmax, matmul on {@link bitflex.engine.gemm.Sgemm}); {@link bitflex.engine.tensor.Functional}
 * holds the fused network primitives (linear, conv2d, pooling, batch norm, dropout, losses);
 * {@link bitflex.engine.tensor.Workspace} pools the buffers of a training step. A minimal example:
 *
 * <pre>{@code
 * Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
 * Tensor b = Tensor.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2).requiresGrad(true);
 * Tensor loss = a.matmul(b).relu().sum();
 * loss.backward();
 * float[] gradA = a.grad().toArray();
 * }</pre>
 */
package bitflex.engine.tensor;
