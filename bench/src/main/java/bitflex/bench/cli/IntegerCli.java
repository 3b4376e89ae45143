package bitflex.bench.cli;

/** The settings {@code bitflex train --mode integer} refuses, each with the reason. */
final class IntegerCli {
    private IntegerCli() {}

    static void check(String optimizer) {
        if (!optimizer.equals("sgd")) {
            throw new IllegalArgumentException("--mode integer trains with SGD on the integer weights (optionally with "
                    + "fixed-point momentum); --optimizer " + optimizer + " would need float moment estimates");
        }
    }
}
