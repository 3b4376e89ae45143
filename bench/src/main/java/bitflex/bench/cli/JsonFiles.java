package bitflex.bench.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes the CLI's {@code --json} files with jackson-core's streaming generator.
 *
 * <p>Why not databind's {@code ObjectMapper}: setting one up and writing a small map took 0.5 s in
 * a fresh JVM on Zen 3, against 0.1-0.13 s for the generator (class loading, mostly), and
 * {@code train --json} ran 0.17-0.42 s longer than {@code train} (3 pairs). {@code compare} asks
 * every training run for JSON, so that time was in its process column. The output is the same:
 * the generator with its default pretty printer is what databind writes through.
 */
final class JsonFiles {
    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonFiles() {}

    /**
     * Writes {@code value} to {@code file}, indented. Values may be maps with string keys, lists and
     * other iterables, {@code double[]}, {@code float[]}, {@code int[]} and {@code long[]}, strings,
     * numbers, booleans and null.
     *
     * @throws IllegalArgumentException for any other kind of value, naming where it sits
     */
    static void write(Path file, Object value) throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(file.toFile(), JsonEncoding.UTF8)) {
            g.useDefaultPrettyPrinter();
            write(g, value, "$");
        }
    }

    private static void write(JsonGenerator g, Object v, String where) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Boolean b -> g.writeBoolean(b);
            case Double d -> g.writeNumber(d);
            case Float f -> g.writeNumber(f);
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case Short s -> g.writeNumber(s);
            case Byte b -> g.writeNumber(b);
            case double[] a -> g.writeArray(a, 0, a.length);
            case int[] a -> g.writeArray(a, 0, a.length);
            case long[] a -> g.writeArray(a, 0, a.length);
            case float[] a -> {
                g.writeStartArray();
                for (float x : a) {
                    g.writeNumber(x);
                }
                g.writeEndArray();
            }
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!(e.getKey() instanceof String key)) {
                        throw new IllegalArgumentException("JSON " + where + ": a map key must be a string, got " + e.getKey());
                    }
                    g.writeFieldName(key);
                    write(g, e.getValue(), where + "." + key);
                }
                g.writeEndObject();
            }
            case Iterable<?> it -> {
                g.writeStartArray();
                int i = 0;
                for (Object x : it) {
                    write(g, x, where + "[" + i++ + "]");
                }
                g.writeEndArray();
            }
            default -> throw new IllegalArgumentException("JSON " + where + ": cannot write a " + v.getClass().getName());
        }
    }
}
