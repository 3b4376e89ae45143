package bitflex.precision.training;

/** How a run represents its weights and carries out its arithmetic (DESIGN.md section 4). */
public enum TrainingMode {
    /** Float32 weights and float32 arithmetic: the baseline. */
    FLOAT32,
    /** A float32 master copy updated by the optimizer; forward and backward see quantized copies. */
    FAKE_QUANT,
    /** Weights exist only as integers in per-layer formats; GEMMs and convolutions run on integer kernels. */
    INTEGER;

    /** The CLI spelling: {@code float32}, {@code fake-quant}, {@code integer}. */
    public String cliName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** Parses the CLI spelling; the error lists the accepted names. */
    public static TrainingMode parse(String s) {
        for (TrainingMode m : values()) {
            if (m.cliName().equals(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown training mode '" + s + "' (expected float32, fake-quant or integer)");
    }
}
