package bitflex.engine.autograd;

import bitflex.engine.tensor.Tensor;
import java.util.Random;
import java.util.function.Function;

/**
 * Checks the analytic gradients of a tensor function against central finite differences.
 *
 * <p>The function's output is contracted with fixed random weights R into the scalar
 * {@code L = sum(f(x) * R)}, computed in double from the float outputs; the analytic gradient is
 * {@code backward(R)}, the numeric one {@code (L(x + h e_i) - L(x - h e_i)) / 2h} per input element,
 * differenced and divided in double. Because f itself runs in float32, the numeric estimate carries a
 * rounding error of about {@code 2^-24 * sum|f * R| / h} on top of the O(h^2) truncation error; the
 * tolerances must cover both (the defaults suit O(1) inputs and outputs). Inputs are perturbed in
 * place and restored; they must be dense leaf tensors that require grad, and f must be deterministic
 * (re-seed any generator inside it).
 */
public final class GradCheck {
    private GradCheck() {}

    /** Runs the check with h = 1e-2, atol = 5e-4, rtol = 3e-3; throws AssertionError on mismatch. */
    public static void check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        check(f, 1e-2, 5e-4, 3e-3, inputs);
    }

    /** Runs the check; throws AssertionError naming the input, element, and both values on mismatch. */
    public static void check(Function<Tensor[], Tensor> f, double h, double atol, double rtol, Tensor... inputs) {
        for (Tensor t : inputs) {
            t.clearGrad();
        }
        Tensor out = f.apply(inputs);
        Random rng = new Random(0x5EED);
        float[] r = new float[out.numel()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        out.backward(Tensor.of(r.clone(), out.shape()));
        for (int k = 0; k < inputs.length; k++) {
            Tensor x = inputs[k];
            float[] xd = x.data();
            float[] analytic = x.grad() == null ? new float[xd.length] : x.grad().toArray();
            for (int i = 0; i < xd.length; i++) {
                float saved = xd[i];
                xd[i] = (float) (saved + h);
                double plus = contract(f, inputs, r);
                xd[i] = (float) (saved - h);
                double minus = contract(f, inputs, r);
                xd[i] = saved;
                double step = (double) (float) (saved + h) - (double) (float) (saved - h);
                double numeric = (plus - minus) / step;
                double a = analytic[i];
                if (!(Math.abs(a - numeric) <= atol + rtol * Math.max(Math.abs(a), Math.abs(numeric)))) {
                    throw new AssertionError("gradcheck: input " + k + " element " + i + ": analytic " + a
                            + " vs numeric " + numeric + " (x = " + saved + ")");
                }
            }
        }
    }

    @SuppressWarnings("try") // the scope only switches grad mode off
    private static double contract(Function<Tensor[], Tensor> f, Tensor[] inputs, float[] r) {
        try (NoGrad ignored = new NoGrad()) {
            float[] y = f.apply(inputs).toArray();
            double s = 0;
            for (int i = 0; i < y.length; i++) {
                s += (double) y[i] * r[i];
            }
            return s;
        }
    }
}
