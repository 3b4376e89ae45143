package bitflex.precision.integer;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.QTensor;
import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.nn.layers.Conv2d;
import bitflex.nn.layers.Linear;
import bitflex.nn.layers.Sequential;
import bitflex.precision.training.Policies;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The integer layers' outputs and gradients against a double-precision reference computed from the
 * same (dequantized) integer weights, within the error bound the quantization steps imply.
 *
 * <p>With activation step {@code sa} (nearest rounding: error <= sa/2, or less than one step for the
 * few values above the format's largest code, see {@link #errA}), output-gradient step
 * {@code sg} (stochastic rounding: error < sg), exact integer products and sums (no accumulator
 * overflow at these sizes) and a final requantization to 16 bits (error <= half a step, and a
 * 16-bit step is at most {@code 2^-14 max|v|} for FL chosen from the range {@code max|v|}):
 * <ul>
 *   <li>{@code y = Q(x) W + b}: {@code |y - y_ref| <= sum_k |W_jk| sa/2 + b_err + 2^-14 max|y|}</li>
 *   <li>{@code dx = Q(g) W}: {@code |dx - dx_ref| <= sum_j |W_jk| sg + 2^-14 max|dx|}</li>
 *   <li>{@code dW = Q(g)^T Q(x)}: {@code |dW - dW_ref| <= sum_n (sg (|x_nk| + sa/2) + |g_nj| sa/2) + 2^-14 max|dW|}</li>
 *   <li>{@code db = sum_n Q(g)}: {@code |db - db_ref| <= n sg}</li>
 * </ul>
 * where {@code b_err} is half the accumulator step when the bias is finer than the accumulator.
 * The test also checks that the forward and input-gradient bounds are small against the values, so a
 * wrong result cannot hide in them (the weight gradient sums n error terms: its bound is not small
 * against a small gradient).
 */
@Tag("simd")
class IntegerLayerGradientTest {
    private static final double R16 = 0x1p-14;

    @Test
    void linearOutputAndGradientsAgreeWithTheFloatReference() {
        qt().withExamples(25).forAll(longs().all()).checkAssert(IntegerLayerGradientTest::linearCase);
    }

    /** A draw whose outputs nearly cancel (max |y| 0.012): the bound must hold and stay small against the layer's range. */
    @Test
    void linearCaseWithNearlyCancellingOutputs() {
        linearCase(-388969644L);
    }

    static void linearCase(long seed) {
        {
            SplittableRandom r = new SplittableRandom(seed);
            int n = r.nextInt(1, 20);
            int in = r.nextInt(1, 40);
            int out = r.nextInt(1, 12);
            Module fp = new Sequential(new Linear(in, out, seed));
            IntegerTraining it = new IntegerTraining(fp, Policies.create("static", r.nextInt(6, 13), fp), IntegerOptions.defaults(seed));
            IntegerLayer layer = it.layer("0.weight");
            double[] w = values(layer.weight());
            double[] b = values(layer.bias());
            float[] xd = random(r, n * in, 2);
            float[] rd = random(r, n * out, 0.5);
            Tensor x = Tensor.of(xd, n, in).requiresGrad(true);
            Tensor y = it.model().apply(x);
            y.mul(Tensor.of(rd, n, out)).sum().backward();
            double sg = layer.gradientFormat().step();
            int accFl = layer.activationFormat().fracLength() + layer.weight().format().fracLength();
            double bErr = layer.bias().format().fracLength() > accFl ? Math.scalb(0.5, -accFl) : 0;
            float[] yv = y.toArray();
            float[] dx = x.grad().toArray();
            double[] dw = values(layer.weightGradient());
            long[] db = layer.biasGradient();
            double maxY = maxAbs(yv);
            // The bound is judged against the output range the layer can produce (max over rows of
            // sum |w| * max |x|), not the outputs drawn: a draw whose outputs cancel to almost zero
            // would make any honest quantization bound look large.
            double maxX = maxAbs(xd);
            double yRange = maxY;
            for (int j = 0; j < out; j++) {
                double sw = 0;
                for (int k = 0; k < in; k++) {
                    sw += Math.abs(w[j * in + k]);
                }
                yRange = Math.max(yRange, sw * maxX);
            }
            double maxDx = maxAbs(dx);
            double maxDw = maxAbs(dw);
            for (int s = 0; s < n; s++) {
                for (int j = 0; j < out; j++) {
                    double ref = b[j];
                    double bound = bErr + R16 * maxY;
                    for (int k = 0; k < in; k++) {
                        ref += (double) xd[s * in + k] * w[j * in + k];
                        bound += Math.abs(w[j * in + k]) * errA(xd[s * in + k], layer);
                    }
                    check("y", yv[s * out + j], ref, bound, yRange);
                }
                for (int k = 0; k < in; k++) {
                    double ref = 0;
                    double bound = R16 * maxDx;
                    for (int j = 0; j < out; j++) {
                        ref += (double) rd[s * out + j] * w[j * in + k];
                        bound += Math.abs(w[j * in + k]) * sg;
                    }
                    check("dx", dx[s * in + k], ref, bound, maxDx);
                }
            }
            for (int j = 0; j < out; j++) {
                for (int k = 0; k < in; k++) {
                    double ref = 0;
                    double bound = R16 * maxDw;
                    for (int s = 0; s < n; s++) {
                        ref += (double) rd[s * out + j] * xd[s * in + k];
                        double ea = errA(xd[s * in + k], layer);
                        bound += sg * (Math.abs(xd[s * in + k]) + ea) + Math.abs(rd[s * out + j]) * ea;
                    }
                    // dW sums n error terms, so its worst-case bound is not small against a small gradient.
                    check("dW", dw[j * in + k], ref, bound, Double.NaN);
                }
                double ref = 0;
                for (int s = 0; s < n; s++) {
                    ref += rd[s * out + j];
                }
                check("db", Math.scalb((double) db[j], -layer.biasGradientFracLength()), ref, n * sg, Double.NaN);
            }
        }
    }

    @Test
    void convOutputAndGradientsAgreeWithTheFloatReference() {
        qt().withExamples(15).forAll(longs().all()).checkAssert(IntegerLayerGradientTest::convCase);
    }

    static void convCase(long seed) {
        {
            SplittableRandom r = new SplittableRandom(seed);
            int n = r.nextInt(1, 4);
            int c = r.nextInt(1, 4);
            int h = r.nextInt(3, 9);
            int o = r.nextInt(1, 5);
            int k = r.nextInt(1, 4);
            int stride = r.nextInt(1, 3);
            int pad = r.nextInt(0, k / 2 + 1);
            Module fp = new Sequential(new Conv2d(c, o, k, stride, pad, true, seed));
            IntegerTraining it = new IntegerTraining(fp, Policies.create("static", r.nextInt(6, 13), fp), IntegerOptions.defaults(seed));
            IntegerLayer layer = it.layer("0.weight");
            double[] w = values(layer.weight());
            double[] b = values(layer.bias());
            int oh = (h + 2 * pad - k) / stride + 1;
            float[] xd = random(r, n * c * h * h, 2);
            float[] rd = random(r, n * o * oh * oh, 0.5);
            Tensor x = Tensor.of(xd, n, c, h, h).requiresGrad(true);
            Tensor y = it.model().apply(x);
            y.mul(Tensor.of(rd, n, o, oh, oh)).sum().backward();
            double sg = layer.gradientFormat().step();
            int accFl = layer.activationFormat().fracLength() + layer.weight().format().fracLength();
            double bErr = layer.bias().format().fracLength() > accFl ? Math.scalb(0.5, -accFl) : 0;
            float[] yv = y.toArray();
            float[] dxv = x.grad().toArray();
            double[] dwv = values(layer.weightGradient());
            double[] yRef = new double[yv.length];
            double[] yBound = new double[yv.length];
            double[] dxRef = new double[xd.length];
            double[] dxBound = new double[xd.length];
            double[] dwRef = new double[dwv.length];
            double[] dwBound = new double[dwv.length];
            for (int s = 0; s < n; s++) {
                for (int oc = 0; oc < o; oc++) {
                    for (int py = 0; py < oh; py++) {
                        for (int px = 0; px < oh; px++) {
                            int yi = ((s * o + oc) * oh + py) * oh + px;
                            yRef[yi] = b[oc];
                            yBound[yi] = bErr;
                            double g = rd[yi];
                            for (int ci = 0; ci < c; ci++) {
                                for (int i = 0; i < k; i++) {
                                    for (int j = 0; j < k; j++) {
                                        int iy = py * stride - pad + i;
                                        int ix = px * stride - pad + j;
                                        if (iy < 0 || ix < 0 || iy >= h || ix >= h) {
                                            continue;
                                        }
                                        int xi = ((s * c + ci) * h + iy) * h + ix;
                                        int wi = ((oc * c + ci) * k + i) * k + j;
                                        yRef[yi] += (double) xd[xi] * w[wi];
                                        double ea = errA(xd[xi], layer);
                                        yBound[yi] += Math.abs(w[wi]) * ea;
                                        dxRef[xi] += g * w[wi];
                                        dxBound[xi] += Math.abs(w[wi]) * sg;
                                        dwRef[wi] += g * xd[xi];
                                        dwBound[wi] += sg * (Math.abs(xd[xi]) + ea) + Math.abs(g) * ea;
                                    }
                                }
                            }
                        }
                    }
                }
            }
            compare("conv y", yv, yRef, yBound, true);
            compare("conv dx", dxv, dxRef, dxBound, true);
            float[] dwf = new float[dwv.length];
            for (int i = 0; i < dwf.length; i++) {
                dwf[i] = (float) dwv[i];
            }
            compare("conv dW", dwf, dwRef, dwBound, false);
        }
    }

    /**
     * The activation's quantization error bound: half a step, except above the largest code. The FL
     * covers the largest magnitude m with floor(log2 m) + 1 integer bits, but a signed format's
     * positive side ends one step below 2^intBits, so an x in (maxValue, 2^intBits) saturates by
     * less than one step.
     */
    private static double errA(double x, IntegerLayer layer) {
        FixedPointFormat fa = layer.activationFormat();
        return x > fa.maxValue() ? x - fa.maxValue() : fa.step() / 2;
    }

    private static void compare(String what, float[] got, double[] ref, double[] bound, boolean boundIsSmall) {
        double max = maxAbs(got);
        for (int i = 0; i < got.length; i++) {
            check(what + "[" + i + "]", got[i], ref[i], bound[i] + R16 * max, boundIsSmall ? max : Double.NaN);
        }
    }

    /** Within the bound (plus float rounding of the carrier); and the bound is small against the scale. */
    private static void check(String what, double got, double ref, double bound, double scale) {
        double tol = bound + 1e-6 * Math.abs(ref) + 1e-30;
        assertTrue(Math.abs(got - ref) <= tol, what + ": got " + got + ", reference " + ref + ", bound " + bound);
        if (!Double.isNaN(scale) && scale > 0) {
            assertTrue(bound < 0.5 * scale + 1e-3, what + ": bound " + bound + " is not small against " + scale);
        }
    }

    private static double[] values(QTensor q) {
        double[] v = new double[q.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = q.value(i);
        }
        return v;
    }

    private static float[] random(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

}
