package bitflex.engine.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species every SIMD kernel uses, chosen once per JVM.
 *
 * <p>The width is the platform's preferred one unless the system property {@code bitflex.vector.bits}
 * forces 128, 256 or 512 bits. The species are {@code static final} on purpose: C2 only
 * intrinsifies Vector API calls whose species is a compile-time constant; a species held in an
 * instance field makes the code fall back to boxed vectors, about 30x slower. Tests cover the other
 * widths by running again in a JVM started with the property set (see the parent pom).
 */
public final class Simd {
    /** The system property that forces a vector width in bits (128, 256 or 512). */
    public static final String WIDTH_PROPERTY = "bitflex.vector.bits";

    /** The vector width in bits that all species below share. */
    public static final int BITS = chooseBits();

    private static final VectorShape SHAPE = VectorShape.forBitSize(BITS);

    public static final VectorSpecies<Float> FLOAT = FloatVector.SPECIES_PREFERRED.withShape(SHAPE);
    public static final VectorSpecies<Integer> INT = IntVector.SPECIES_PREFERRED.withShape(SHAPE);
    public static final VectorSpecies<Short> SHORT = ShortVector.SPECIES_PREFERRED.withShape(SHAPE);
    public static final VectorSpecies<Byte> BYTE = ByteVector.SPECIES_PREFERRED.withShape(SHAPE);
    public static final VectorSpecies<Long> LONG = LongVector.SPECIES_PREFERRED.withShape(SHAPE);

    private Simd() {}

    private static int chooseBits() {
        int preferred = VectorShape.preferredShape().vectorBitSize();
        String forced = System.getProperty(WIDTH_PROPERTY, "").trim();
        if (forced.isEmpty()) {
            return preferred;
        }
        int bits;
        try {
            bits = Integer.parseInt(forced);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    WIDTH_PROPERTY + " must be 128, 256 or 512, got '" + forced + "'");
        }
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new IllegalArgumentException(WIDTH_PROPERTY + " must be 128, 256 or 512, got " + bits);
        }
        if (bits > preferred) {
            // Wider than the hardware: the Vector API would emulate it in Java, correct but slow.
            // Allowed for tests; say so once so nobody benchmarks it by mistake.
            System.err.println("bitflex: " + WIDTH_PROPERTY + "=" + bits
                    + " exceeds this CPU's " + preferred + "-bit vectors; kernels will be emulated");
        }
        return bits;
    }

    /** One line for logs and reports: width, and lanes per species. */
    public static String describe() {
        return BITS + "-bit vectors (float x" + FLOAT.length() + ", int x" + INT.length()
                + ", short x" + SHORT.length() + ", byte x" + BYTE.length() + ")";
    }
}
