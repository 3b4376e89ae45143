package bitflex.nn.train;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * Garbage-collection totals of this JVM (all collectors summed), so a phase can report how many
 * collections it caused and how long they took.
 *
 * @param count  collections so far
 * @param timeMs accumulated collection time in milliseconds, as the JVM reports it
 */
public record GcStats(long count, long timeMs) {
    /** The totals now. */
    public static GcStats now() {
        long c = 0;
        long t = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            c += Math.max(0, gc.getCollectionCount());
            t += Math.max(0, gc.getCollectionTime());
        }
        return new GcStats(c, t);
    }

    /** What happened between {@code earlier} and this snapshot. */
    public GcStats since(GcStats earlier) {
        return new GcStats(count - earlier.count, timeMs - earlier.timeMs);
    }
}
