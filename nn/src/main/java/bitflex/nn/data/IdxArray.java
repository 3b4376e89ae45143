package bitflex.nn.data;

/**
 * The content of an unsigned-byte IDX file: its dimensions as the header gives them and the raw
 * bytes, row-major.
 *
 * @param name where it came from (for error messages)
 * @param dims the header's dimensions, outermost first (e.g. {@code [60000, 28, 28]})
 * @param data {@code product(dims)} unsigned bytes
 */
public record IdxArray(String name, int[] dims, byte[] data) {
    /** The number of items along the first dimension (images or labels). */
    public int count() {
        return dims.length == 0 ? 1 : dims[0];
    }

    /** The number of values per item (e.g. 784 for 28x28 images, 1 for labels). */
    public int itemSize() {
        int s = 1;
        for (int i = 1; i < dims.length; i++) {
            s *= dims[i];
        }
        return s;
    }

    /** Value {@code i} as an unsigned integer 0..255. */
    public int unsigned(int i) {
        return data[i] & 0xFF;
    }
}
