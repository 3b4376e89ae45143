package bitflex.nn.checkpoint;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The content of a checkpoint: named entries, each a float, int or long array with a shape, or a
 * string (for small metadata such as a model name or a JSON object). Entries keep their insertion
 * order. Arrays are copied in and out, so a checkpoint is a snapshot that later training does not
 * change. Read and write it with {@link CheckpointIO}.
 */
public final class Checkpoint {
    /** Kinds of entry, with their tag in the file format. */
    public enum Kind {
        FLOAT(1, 4), INT(2, 4), LONG(3, 8), STRING(4, 1);

        final int tag;
        final int bytes;

        Kind(int tag, int bytes) {
            this.tag = tag;
            this.bytes = bytes;
        }

        static Kind ofTag(int tag) {
            for (Kind k : values()) {
                if (k.tag == tag) {
                    return k;
                }
            }
            return null;
        }
    }

    /** One entry: its kind, shape (empty for strings) and value (a primitive array or a String). */
    public record Entry(Kind kind, int[] shape, Object value) {
        /** Number of elements (characters' UTF-8 bytes for a string are not counted here). */
        public long elements() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** Adds (or replaces) a float array with the given shape. */
    public Checkpoint putFloats(String name, int[] shape, float[] data) {
        check(name, shape, data.length);
        entries.put(name, new Entry(Kind.FLOAT, shape.clone(), data.clone()));
        return this;
    }

    /** Adds (or replaces) an int array with the given shape. */
    public Checkpoint putInts(String name, int[] shape, int[] data) {
        check(name, shape, data.length);
        entries.put(name, new Entry(Kind.INT, shape.clone(), data.clone()));
        return this;
    }

    /** Adds (or replaces) a long array with the given shape. */
    public Checkpoint putLongs(String name, int[] shape, long[] data) {
        check(name, shape, data.length);
        entries.put(name, new Entry(Kind.LONG, shape.clone(), data.clone()));
        return this;
    }

    /** Adds (or replaces) a one-element long (a counter, a seed). */
    public Checkpoint putLong(String name, long value) {
        return putLongs(name, new int[0], new long[] {value});
    }

    /** Adds (or replaces) a string. */
    public Checkpoint putString(String name, String value) {
        check(name, new int[0], 1);
        entries.put(name, new Entry(Kind.STRING, new int[0], value));
        return this;
    }

    /** Entry names in insertion order. */
    public Set<String> names() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    public boolean has(String name) {
        return entries.containsKey(name);
    }

    /** The entry, or an exception naming the missing entry. */
    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("checkpoint has no entry '" + name + "'");
        }
        return e;
    }

    public int[] shape(String name) {
        return entry(name).shape().clone();
    }

    public float[] floats(String name) {
        return ((float[]) typed(name, Kind.FLOAT).value()).clone();
    }

    public int[] ints(String name) {
        return ((int[]) typed(name, Kind.INT).value()).clone();
    }

    public long[] longs(String name) {
        return ((long[]) typed(name, Kind.LONG).value()).clone();
    }

    /** A one-element long entry. */
    public long getLong(String name) {
        long[] v = (long[]) typed(name, Kind.LONG).value();
        if (v.length != 1) {
            throw new IllegalArgumentException("checkpoint entry '" + name + "' has " + v.length + " values, expected 1");
        }
        return v[0];
    }

    public String string(String name) {
        return (String) typed(name, Kind.STRING).value();
    }

    /** Puts every entry of {@code other} into this one, each name prefixed with {@code prefix}. */
    public Checkpoint putAll(String prefix, Checkpoint other) {
        for (Map.Entry<String, Entry> e : other.entries.entrySet()) {
            entries.put(prefix + e.getKey(), e.getValue());
        }
        return this;
    }

    /** The entries whose name starts with {@code prefix}, with the prefix removed. */
    public Checkpoint withPrefix(String prefix) {
        Checkpoint c = new Checkpoint();
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                c.entries.put(e.getKey().substring(prefix.length()), e.getValue());
            }
        }
        return c;
    }

    Map<String, Entry> entries() {
        return entries;
    }

    void putRaw(String name, Entry e) {
        entries.put(name, e);
    }

    private Entry typed(String name, Kind kind) {
        Entry e = entry(name);
        if (e.kind() != kind) {
            throw new IllegalArgumentException("checkpoint entry '" + name + "' holds " + e.kind() + ", not " + kind);
        }
        return e;
    }

    private static void check(String name, int[] shape, int length) {
        if (name == null || name.isEmpty() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 0xFFFF) {
            throw new IllegalArgumentException("checkpoint entry name must be 1..65535 UTF-8 bytes, got '" + name + "'");
        }
        if (shape.length > 255) {
            throw new IllegalArgumentException("checkpoint entry '" + name + "': rank " + shape.length + " exceeds 255");
        }
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("checkpoint entry '" + name + "': negative dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != length) {
            throw new IllegalArgumentException("checkpoint entry '" + name + "': shape " + Arrays.toString(shape) + " holds " + n
                    + " values, the array has " + length);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Checkpoint c) || !c.entries.keySet().equals(entries.keySet())) {
            return false;
        }
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Entry a = e.getValue();
            Entry b = c.entries.get(e.getKey());
            if (a.kind() != b.kind() || !Arrays.equals(a.shape(), b.shape()) || !Arrays.deepEquals(new Object[] {a.value()},
                    new Object[] {b.value()})) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return entries.keySet().hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Checkpoint{");
        entries.forEach((k, v) -> sb.append(k).append(':').append(v.kind()).append(Arrays.toString(v.shape())).append(' '));
        return sb.append('}').toString();
    }
}
