package bitflex.nn.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reads and writes {@link Checkpoint}s.
 *
 * <p>File format, version 1, little-endian:
 * <pre>
 *   magic      8 bytes  "BFXCKPT" 0x1A
 *   version    u32      1
 *   length     u64      bytes of payload that follow
 *   payload             u32 entry count, then per entry:
 *                         u16 name length, name (UTF-8), u8 kind (1 float, 2 int, 3 long, 4 string),
 *                         u8 rank, rank x u32 dimensions, then the values
 *                         (a string: u32 byte length and its UTF-8 bytes)
 *   checksum   u32      CRC32C of everything before it
 * </pre>
 *
 * <p>Writing is atomic: the bytes go to a temporary file in the target's directory, are forced to
 * disk, and the file is then renamed over the target, so a crash or a failed write leaves the old
 * checkpoint intact. Reading checks magic, version, length and checksum before parsing anything, so
 * a damaged file is refused as a whole, never half-read.
 */
public final class CheckpointIO {
    static final byte[] MAGIC = {'B', 'F', 'X', 'C', 'K', 'P', 'T', 0x1A};
    /** The format version this build writes and reads. */
    public static final int VERSION = 1;
    static final int HEADER = MAGIC.length + 4 + 8;
    static final int TRAILER = 4;

    private CheckpointIO() {}

    /** Writes {@code checkpoint} to {@code target} atomically (replacing any existing file). */
    public static void write(Path target, Checkpoint checkpoint) throws IOException {
        write(target, checkpoint, Long.MAX_VALUE);
    }

    /** Test hook: fails with an IOException once {@code failAfter} bytes have reached the temp file. */
    static void write(Path target, Checkpoint checkpoint, long failAfter) throws IOException {
        ByteBuffer buf = encode(checkpoint);
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new CheckpointException(target + ": cannot write checkpoint, directory " + dir + " does not exist");
        }
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                if (failAfter < buf.remaining()) {
                    buf.limit((int) failAfter);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    throw new IOException("simulated write failure after " + failAfter + " bytes");
                }
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new CheckpointException(target + ": the file system cannot rename atomically; not writing the checkpoint", e);
            }
            done = true;
            syncDirectory(dir);
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Reads a checkpoint, refusing a damaged file with a {@link CheckpointException} that names it. */
    public static Checkpoint read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": no such checkpoint file");
        }
        return decode(bytes, file.toString());
    }

    static ByteBuffer encode(Checkpoint c) {
        long payload = 4;
        for (Map.Entry<String, Checkpoint.Entry> e : c.entries().entrySet()) {
            Checkpoint.Entry en = e.getValue();
            payload += 2 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 1 + 1 + 4L * en.shape().length;
            payload += en.kind() == Checkpoint.Kind.STRING
                    ? 4 + ((String) en.value()).getBytes(StandardCharsets.UTF_8).length
                    : en.elements() * en.kind().bytes;
        }
        long total = HEADER + payload + TRAILER;
        if (total > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("checkpoint too large to write: " + total + " bytes");
        }
        ByteBuffer b = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(VERSION).putLong(payload).putInt(c.entries().size());
        for (Map.Entry<String, Checkpoint.Entry> e : c.entries().entrySet()) {
            Checkpoint.Entry en = e.getValue();
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            b.putShort((short) name.length).put(name).put((byte) en.kind().tag).put((byte) en.shape().length);
            for (int d : en.shape()) {
                b.putInt(d);
            }
            switch (en.kind()) {
                case FLOAT -> b.asFloatBuffer().put((float[]) en.value());
                case INT -> b.asIntBuffer().put((int[]) en.value());
                case LONG -> b.asLongBuffer().put((long[]) en.value());
                case STRING -> {
                    byte[] s = ((String) en.value()).getBytes(StandardCharsets.UTF_8);
                    b.putInt(s.length).put(s);
                }
            }
            if (en.kind() != Checkpoint.Kind.STRING) {
                b.position(b.position() + (int) (en.elements() * en.kind().bytes));
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        b.flip();
        return b;
    }

    static Checkpoint decode(byte[] bytes, String name) throws CheckpointException {
        for (int i = 0; i < Math.min(bytes.length, MAGIC.length); i++) {
            if (bytes[i] != MAGIC[i]) {
                throw new CheckpointException(name + ": not a bitflex checkpoint (wrong magic number)");
            }
        }
        if (bytes.length < MAGIC.length) {
            throw new CheckpointException(name + ": truncated checkpoint (" + bytes.length + " bytes, shorter than the header)");
        }
        if (bytes.length < HEADER) {
            throw new CheckpointException(name + ": truncated checkpoint (" + bytes.length + " bytes, shorter than the "
                    + HEADER + "-byte header)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.position(MAGIC.length);
        int version = b.getInt();
        if (version != VERSION) {
            throw new CheckpointException(name + ": unsupported checkpoint format version " + Integer.toUnsignedString(version)
                    + " (this build reads version " + VERSION + ")");
        }
        long payload = b.getLong();
        long expected = HEADER + payload + TRAILER;
        if (payload < 0 || bytes.length < expected) {
            throw new CheckpointException(name + ": truncated checkpoint (the header announces " + (payload < 0 ? "an invalid length"
                    : expected + " bytes") + ", the file has " + bytes.length + ")");
        }
        if (bytes.length > expected) {
            throw new CheckpointException(name + ": corrupt checkpoint (" + (bytes.length - expected)
                    + " unexpected bytes after the end the header announces)");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, (int) (expected - TRAILER));
        int stored = ByteBuffer.wrap(bytes, (int) (expected - TRAILER), 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if ((int) crc.getValue() != stored) {
            throw new CheckpointException(name + String.format(": corrupt checkpoint (checksum mismatch: stored CRC32C %08x, content gives %08x)",
                    stored, (int) crc.getValue()));
        }
        b.limit((int) (expected - TRAILER));
        try {
            return parse(b, name);
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException | NegativeArraySizeException e) {
            throw new CheckpointException(name + ": corrupt checkpoint (its checksum is right but its entries do not parse: "
                    + e.getMessage() + ")", e);
        }
    }

    private static Checkpoint parse(ByteBuffer b, String file) throws CheckpointException {
        Checkpoint c = new Checkpoint();
        int count = b.getInt();
        for (int i = 0; i < count; i++) {
            byte[] nameBytes = new byte[Short.toUnsignedInt(b.getShort())];
            b.get(nameBytes);
            String name = new String(nameBytes, StandardCharsets.UTF_8);
            int tag = Byte.toUnsignedInt(b.get());
            Checkpoint.Kind kind = Checkpoint.Kind.ofTag(tag);
            if (kind == null) {
                throw new CheckpointException(file + ": corrupt checkpoint (entry '" + name + "' has unknown kind " + tag + ")");
            }
            int[] shape = new int[Byte.toUnsignedInt(b.get())];
            long n = 1;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = b.getInt();
                n *= shape[d];
            }
            if (kind != Checkpoint.Kind.STRING && (n < 0 || n * kind.bytes > b.remaining())) {
                throw new CheckpointException(file + ": corrupt checkpoint (entry '" + name + "' is larger than the file)");
            }
            switch (kind) {
                case FLOAT -> {
                    float[] v = new float[(int) n];
                    b.asFloatBuffer().get(v);
                    c.putRaw(name, new Checkpoint.Entry(kind, shape, v));
                }
                case INT -> {
                    int[] v = new int[(int) n];
                    b.asIntBuffer().get(v);
                    c.putRaw(name, new Checkpoint.Entry(kind, shape, v));
                }
                case LONG -> {
                    long[] v = new long[(int) n];
                    b.asLongBuffer().get(v);
                    c.putRaw(name, new Checkpoint.Entry(kind, shape, v));
                }
                case STRING -> {
                    byte[] s = new byte[b.getInt()];
                    b.get(s);
                    c.putRaw(name, new Checkpoint.Entry(kind, shape, new String(s, StandardCharsets.UTF_8)));
                }
            }
            if (kind != Checkpoint.Kind.STRING) {
                b.position(b.position() + (int) (n * kind.bytes));
            }
        }
        if (b.hasRemaining()) {
            throw new CheckpointException(file + ": corrupt checkpoint (" + b.remaining() + " bytes left after the last entry)");
        }
        return c;
    }

    private static void syncDirectory(Path dir) {
        // Makes the rename itself durable; some platforms cannot open a directory, which is fine.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort
        }
    }
}
