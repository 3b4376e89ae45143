package bitflex.nn.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST container), gzip-compressed or raw: the two are told
 * apart by their first bytes, not by the file name.
 *
 * <p>Only the unsigned-byte element type (0x08) is supported, which is what the MNIST family uses.
 * Every problem is reported as an {@link IdxFormatException} that names the file: a wrong magic
 * number, an unsupported type, a header whose dimensions do not match the content, a truncated file
 * or a corrupt gzip stream.
 */
public final class IdxReader {
    private static final int UBYTE = 0x08;
    private static final int MAX_RANK = 4;
    /** The largest array {@link #readData} starts with (64 MB: Fashion-MNIST's largest file fits). */
    private static final int FIRST_ALLOCATION = 1 << 26;

    private IdxReader() {}

    /** Reads an IDX file from disk. */
    public static IdxArray read(Path file) throws IOException {
        InputStream in;
        try {
            in = Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new IdxFormatException(file.toString(), "no such file");
        }
        try (in) {
            return read(in, file.toString());
        }
    }

    /**
     * Reads an IDX stream; {@code name} is used in error messages. The stream is read to its end
     * (so trailing garbage is detected) but not closed.
     */
    public static IdxArray read(InputStream raw, String name) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        if (b0 < 0) {
            throw new IdxFormatException(name, "empty file");
        }
        if (b0 == 0x1f && b1 == 0x8b) {
            try {
                return readIdx(new GZIPInputStream(buffered, 1 << 16), name);
            } catch (ZipException e) {
                throw new IdxFormatException(name, "corrupt gzip data (" + e.getMessage() + ")", e);
            } catch (EOFException e) {
                throw new IdxFormatException(name, "truncated file (the gzip stream ends early)", e);
            }
        }
        return readIdx(buffered, name);
    }

    private static IdxArray readIdx(InputStream in, String name) throws IOException {
        byte[] head = in.readNBytes(4);
        if (head.length < 4) {
            throw new IdxFormatException(name, "truncated file (" + head.length + " bytes, shorter than the 4-byte magic number)");
        }
        int magic = ((head[0] & 0xFF) << 24) | ((head[1] & 0xFF) << 16) | ((head[2] & 0xFF) << 8) | (head[3] & 0xFF);
        int type = head[2] & 0xFF;
        int rank = head[3] & 0xFF;
        if (head[0] != 0 || head[1] != 0 || rank == 0 || rank > MAX_RANK) {
            throw new IdxFormatException(name, String.format(
                    "wrong magic number 0x%08X (an IDX file starts with 0x0000TTNN: two zero bytes, the type, then 1..%d dimensions)",
                    magic, MAX_RANK));
        }
        if (type != UBYTE) {
            throw new IdxFormatException(name, String.format(
                    "unsupported IDX element type 0x%02X in magic number 0x%08X (only unsigned bytes, 0x08, are supported)",
                    type, magic));
        }
        byte[] dimBytes = in.readNBytes(4 * rank);
        if (dimBytes.length < 4 * rank) {
            throw new IdxFormatException(name, "truncated file (the header announces " + rank
                    + " dimensions but ends after " + dimBytes.length + " of their " + 4 * rank + " bytes)");
        }
        int[] dims = new int[rank];
        long size = 1;
        for (int i = 0; i < rank; i++) {
            int o = 4 * i;
            dims[i] = ((dimBytes[o] & 0xFF) << 24) | ((dimBytes[o + 1] & 0xFF) << 16)
                    | ((dimBytes[o + 2] & 0xFF) << 8) | (dimBytes[o + 3] & 0xFF);
            if (dims[i] < 0) {
                throw new IdxFormatException(name, "dimension " + i + " is negative (" + dims[i] + ")");
            }
            // Checked after every factor: size stays below 2^31 before it and a dimension is below
            // 2^31, so the long product cannot wrap (a crafted header must not wrap to a small size).
            size *= dims[i];
            if (size > Integer.MAX_VALUE - 16) {
                throw new IdxFormatException(name, "header dimensions " + Arrays.toString(Arrays.copyOf(dims, i + 1))
                        + (i + 1 < rank ? "..." : "") + " describe more bytes than an array can hold");
            }
        }
        byte[] data = readData(in, (int) size, FIRST_ALLOCATION);
        if (data.length < size) {
            throw new IdxFormatException(name, "truncated file: the header's dimensions " + Arrays.toString(dims)
                    + " need " + size + " bytes of data, the file has only " + data.length);
        }
        long extra = 0;
        byte[] sink = new byte[8192];
        for (int r; (r = in.read(sink)) > 0; ) {
            extra += r;
        }
        if (extra > 0) {
            throw new IdxFormatException(name, "size mismatch: the header's dimensions " + Arrays.toString(dims)
                    + " need " + size + " bytes of data, the file has " + (size + extra));
        }
        return new IdxArray(name, dims, data);
    }

    /**
     * Reads {@code size} bytes, or fewer when the stream ends first (the array is then as long as what
     * was read). Straight into an array of the final size: InputStream.readNBytes(int) collects
     * 8-16 KB pieces and copies them, and on Zen 3 reading Fashion-MNIST's 47 MB of training images
     * took 260-295 ms that way against 200-226 ms this way, with 47 MB more garbage. The array starts
     * at {@code firstAllocation} bytes at most and doubles while the stream keeps up, so a header that
     * claims far more than the file holds costs the larger of firstAllocation and twice what it does
     * hold, not the claimed size.
     */
    static byte[] readData(InputStream in, int size, int firstAllocation) throws IOException {
        byte[] data = new byte[Math.min(size, Math.max(1, firstAllocation))];
        int got = 0;
        while (got < size) {
            if (got == data.length) {
                data = Arrays.copyOf(data, (int) Math.min(size, 2L * data.length));
            }
            int r = in.readNBytes(data, got, data.length - got);
            if (r == 0) {
                break; // the end of the stream (readNBytes returns 0 for a non-empty request only there)
            }
            got += r;
        }
        return got == data.length ? data : Arrays.copyOf(data, got);
    }
}
