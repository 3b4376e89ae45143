/**
 * Integer GEMM and convolution on int8 and int16 operands with exact products and a modelled
 * {@link bitflex.engine.fixed.gemm.Accumulator} (16..32 bits, saturating or wrapping after every
 * addition, or the exact 64-bit reference), then {@link bitflex.engine.fixed.gemm.Requantize}
 * into an output format. {@link bitflex.engine.fixed.gemm.IntGemm} and
 * {@link bitflex.engine.fixed.gemm.IntConv2d} work on arrays; {@link bitflex.engine.fixed.gemm.QMatmul}
 * and {@link bitflex.engine.fixed.gemm.QConv2d} on {@link bitflex.engine.fixed.QTensor}s.
 */
package bitflex.engine.fixed.gemm;
