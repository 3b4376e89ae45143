package bitflex.engine.fixed;

/**
 * The Java array that holds the integers of a format: the narrowest of {@code byte[]},
 * {@code short[]}, {@code int[]} that has at least {@code WL} bits. Unsigned formats store their
 * raw bits (an unsigned WL=8 value of 200 is the byte {@code (byte) 200}); {@link QTensor#get}
 * and the kernels decode them.
 */
public enum Storage {
    BYTE(8), SHORT(16), INT(32);

    /** Bits per element. */
    public final int bits;

    Storage(int bits) {
        this.bits = bits;
    }

    /** The storage for a word length of 1..32 bits. */
    public static Storage forWordLength(int wordLength) {
        return wordLength <= 8 ? BYTE : wordLength <= 16 ? SHORT : INT;
    }

    /** A zeroed array of this storage type ({@code byte[]}, {@code short[]} or {@code int[]}). */
    public Object allocate(int n) {
        return switch (this) {
            case BYTE -> new byte[n];
            case SHORT -> new short[n];
            case INT -> new int[n];
        };
    }
}
