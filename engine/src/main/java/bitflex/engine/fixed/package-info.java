/**
 * Fixed-point arithmetic: formats, rounding, quantizers and quantized tensors.
 *
 * <p>A {@link bitflex.engine.fixed.FixedPointFormat} {@code (WL, FL, signed)} stores integers
 * {@code k} worth {@code k * 2^-FL} in {@code byte[]}, {@code short[]} or {@code int[]}. A
 * {@link bitflex.engine.fixed.Quantizer} rounds float32 arrays onto it (five
 * {@link bitflex.engine.fixed.Rounding} modes, {@link bitflex.engine.fixed.Overflow} saturate or
 * wrap, stochastic draws from the counter-based {@link bitflex.engine.fixed.CounterRng}), exactly:
 * every result equals rounding the exact real {@code x * 2^FL} once. SIMD kernels
 * ({@code QuantizeKernels}) have an integer-only scalar twin ({@code QuantizeScalar}).
 * {@link bitflex.engine.fixed.QTensor} holds integers with a shape and (optionally) per-channel
 * fractional lengths; {@link bitflex.engine.fixed.QOps} adds, multiplies, applies ReLU and max
 * pooling on them; {@link bitflex.engine.fixed.gemm} multiplies and convolves them on integer
 * kernels with a modelled accumulator.
 *
 * <pre>{@code
 * FixedPointFormat w8 = FixedPointFormat.signed(8, 6);                 // step 1/64, range [-2, 1.984]
 * Quantizer q = Quantizer.of(w8);                                      // nearest-even, saturate
 * QTensor w = QTensor.quantize("fc.weight", weights, new int[] {256, 784}, q);
 * QTensor x = QTensor.quantize("input", pixels, new int[] {64, 784}, Quantizer.of(FixedPointFormat.signed(8, 7)));
 * Quantizer out = Quantizer.of(FixedPointFormat.signed(16, 8)).withRounding(Rounding.STOCHASTIC).withSeed(42, 0);
 * QTensor y = QMatmul.matmul(x, false, w, true, Accumulator.INT32, out);   // int8 x int8, exact products
 * float[] yf = y.dequantize();
 * long saturated = y.clampStats().clamped();
 * }</pre>
 */
package bitflex.engine.fixed;
