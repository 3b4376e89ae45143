package bitflex.bench.jmh;

/**
 * Runs the JMH benchmarks of this module: {@code JmhMain [jmh options] [benchmark regex]}, for
 * example {@code JmhMain GemmBenchmark -p threads=2}. The forked JVMs get the Vector API module from
 * each benchmark's {@code @Fork} settings.
 */
public final class JmhMain {
    private JmhMain() {}

    public static void main(String[] args) throws Exception {
        org.openjdk.jmh.Main.main(args);
    }
}
