package bitflex.engine.fixed;

/** What happens to a rounded integer outside a format's range. Applied after rounding. */
public enum Overflow {
    /** Clamp to the nearest end of the range (the default). */
    SATURATE,
    /**
     * Keep the low {@code WL} bits (two's complement for signed formats), as integer hardware does.
     * Infinite inputs still saturate: there are no low bits of infinity to keep.
     */
    WRAP;

    /** The default overflow behaviour of every bitflex quantizer. */
    public static final Overflow DEFAULT = SATURATE;
}
