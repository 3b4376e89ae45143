package bitflex.precision.adapt;

/**
 * How AdaPT combines its two push-up step sizes {@code s1} (large when gradient diversity is just
 * above the threshold) and {@code s2} (large when it is high): the smaller, the ceiling of their
 * mean, or the larger.
 */
public enum PushUpStrategy {
    MIN, MEAN, MAX;

    /** The step size under this strategy. */
    public int combine(int s1, int s2) {
        return switch (this) {
            case MIN -> Math.min(s1, s2);
            case MEAN -> (s1 + s2 + 1) / 2;
            case MAX -> Math.max(s1, s2);
        };
    }

    /** One level more aggressive (MAX stays MAX). */
    public PushUpStrategy escalate() {
        return this == MIN ? MEAN : MAX;
    }

    /** Lower-case name for logs. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
