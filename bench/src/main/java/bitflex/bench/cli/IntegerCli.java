package bitflex.bench.cli;

/** The settings {@code bitflex train --mode integer} refuses, each with the reason. */
final class IntegerCli {
    private IntegerCli() {}

    static void check(String optimizer, Double lambda1) {
        if (!optimizer.equals("sgd")) {
            throw new IllegalArgumentException("--mode integer trains with SGD on the integer weights (optionally with "
                    + "fixed-point momentum); --optimizer " + optimizer + " would need float moment estimates");
        }
        if (lambda1 != null && lambda1 != 0) {
            throw new IllegalArgumentException("--lambda1 is not supported with --mode integer yet (the L1 subgradient is "
                    + "applied to fake-quant masters only)");
        }
    }
}
