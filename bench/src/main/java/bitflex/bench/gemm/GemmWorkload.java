package bitflex.bench.gemm;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * One GEMM problem, set up once with random operands, that a benchmark can call again and again.
 * Each element type ("dtype") the engine multiplies in has its own workload; {@link #DTYPES} maps the
 * names the command line accepts to them, so a new type is one class and one line there.
 */
public interface GemmWorkload {
    /** The dtype names the benchmarks accept, in the order help texts list them. */
    Map<String, Function<GemmShape, GemmWorkload>> DTYPES = dtypes();

    /** Runs the multiply once. */
    void run();

    /** The shape this workload multiplies. */
    GemmShape shape();

    /** Builds the workload for {@code dtype}, or says which dtypes exist. */
    static GemmWorkload create(String dtype, GemmShape shape) {
        Function<GemmShape, GemmWorkload> f = DTYPES.get(dtype);
        if (f == null) {
            throw new IllegalArgumentException("--dtype must be one of " + String.join(", ", DTYPES.keySet())
                    + ", got '" + dtype + "'");
        }
        return f.apply(shape);
    }

    private static Map<String, Function<GemmShape, GemmWorkload>> dtypes() {
        Map<String, Function<GemmShape, GemmWorkload>> m = new LinkedHashMap<>();
        m.put("float32", Float32Gemm::new);
        m.put("int8", IntGemmWorkload::int8);
        m.put("int16", IntGemmWorkload::int16);
        return java.util.Collections.unmodifiableMap(m);
    }
}
