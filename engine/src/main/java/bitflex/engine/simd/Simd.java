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

    /**
     * The system property that forces the number of vector registers kernels plan their register
     * tiles for (16 or 32), so tests can run both tile shapes on any machine.
     */
    public static final String REGISTERS_PROPERTY = "bitflex.vector.registers";

    /** The vector width in bits that all species below share. */
    public static final int BITS = chooseBits();

    /**
     * Vector registers the hardware has, which bounds how many accumulators a register tile may
     * keep: 32 with AVX-512 and on AArch64 (NEON and SVE), 16 on x86 below AVX-512 (AVX2 has 16 ymm).
     * A tile planned for 32 registers spills on AVX2 and runs at half speed (measured: the 8 x 2
     * vector GEMM tile reached 0.33-0.51x OpenBLAS on a Zen 3 machine). It does not follow a forced
     * {@link #BITS}: 256-bit vectors on an AVX-512 machine still have 32 registers. AVX-512 is read off
     * the JVM's preferred vector shape, so {@code -XX:MaxVectorSize=32} on AVX-512 hardware gives 16:
     * smaller tiles than the machine could hold, never spilled ones.
     */
    public static final int REGISTERS = chooseRegisters();

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

    private static int chooseRegisters() {
        String forced = System.getProperty(REGISTERS_PROPERTY, "").trim();
        if (!forced.isEmpty()) {
            if (!forced.equals("16") && !forced.equals("32")) {
                throw new IllegalArgumentException(
                        REGISTERS_PROPERTY + " must be 16 or 32, got '" + forced + "'");
            }
            return Integer.parseInt(forced);
        }
        String arch = System.getProperty("os.arch", "");
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x86");
        boolean avx512 = VectorShape.preferredShape().vectorBitSize() >= 512;
        return x86 && !avx512 ? 16 : 32;
    }

    /** One line for logs and reports: width, lanes per species, and the register budget. */
    public static String describe() {
        return BITS + "-bit vectors (float x" + FLOAT.length() + ", int x" + INT.length()
                + ", short x" + SHORT.length() + ", byte x" + BYTE.length() + "; "
                + REGISTERS + " registers)";
    }
}
