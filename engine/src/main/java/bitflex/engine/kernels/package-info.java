/**
 * Float kernels on flat arrays, each SIMD kernel with a scalar twin of the same signature:
 * {@link bitflex.engine.kernels.FloatKernels} / {@link bitflex.engine.kernels.FloatKernelsScalar}
 * (elementwise, reductions, softmax; elementwise bit-identical, exp/sigmoid/tanh through the shared
 * polynomial of {@link bitflex.engine.kernels.FloatMath}), {@link bitflex.engine.kernels.Im2col} /
 * {@link bitflex.engine.kernels.Im2colScalar}, {@link bitflex.engine.kernels.PoolKernels} /
 * {@link bitflex.engine.kernels.PoolKernelsScalar}; and the drivers that split layer work over the
 * executor deterministically ({@link bitflex.engine.kernels.Conv2dKernel},
 * {@link bitflex.engine.kernels.BatchNormKernel}, {@link bitflex.engine.kernels.LossKernels}).
 */
package bitflex.engine.kernels;
