package bitflex.nn.data;

import java.util.Arrays;

/**
 * Class-subset tasks: keep only the samples of some classes, for "train on some classes, then
 * adapt to the others" experiments.
 */
public final class ClassSubset {
    private ClassSubset() {}

    /**
     * The samples of {@code data} whose label is one of {@code classes}, in their original order.
     *
     * @param remap when true, labels become the position of their class in {@code classes}
     *              ({@code classes[i]} becomes {@code i}) and the result has {@code classes.length}
     *              classes; when false, labels and the class count stay as they were
     */
    public static Dataset of(Dataset data, int[] classes, boolean remap) {
        if (classes.length == 0) {
            throw new IllegalArgumentException("ClassSubset: no classes given");
        }
        int[] newLabel = new int[data.numClasses()];
        Arrays.fill(newLabel, -1);
        for (int i = 0; i < classes.length; i++) {
            int c = classes[i];
            if (c < 0 || c >= data.numClasses()) {
                throw new IllegalArgumentException("ClassSubset: class " + c + " is outside [0, " + data.numClasses()
                        + ") of " + data.name());
            }
            if (newLabel[c] >= 0) {
                throw new IllegalArgumentException("ClassSubset: class " + c + " is listed twice in " + Arrays.toString(classes));
            }
            newLabel[c] = remap ? i : c;
        }
        int kept = 0;
        for (int l : data.labels()) {
            if (newLabel[l] >= 0) {
                kept++;
            }
        }
        int[] idx = new int[kept];
        int[] y = new int[kept];
        int j = 0;
        for (int i = 0; i < data.size(); i++) {
            int l = newLabel[data.label(i)];
            if (l >= 0) {
                idx[j] = i;
                y[j++] = l;
            }
        }
        return data.select(data.name() + Arrays.toString(classes), idx, y, remap ? classes.length : data.numClasses());
    }

    /** The classes of {@code 0..numClasses-1} that are not in {@code classes}, ascending. */
    public static int[] complement(int numClasses, int[] classes) {
        boolean[] in = new boolean[numClasses];
        for (int c : classes) {
            if (c < 0 || c >= numClasses) {
                throw new IllegalArgumentException("ClassSubset.complement: class " + c + " is outside [0, " + numClasses + ")");
            }
            in[c] = true;
        }
        return java.util.stream.IntStream.range(0, numClasses).filter(c -> !in[c]).toArray();
    }
}
