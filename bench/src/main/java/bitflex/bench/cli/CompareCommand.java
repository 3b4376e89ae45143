package bitflex.bench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bitflex compare}: trains the same model on the same data with bitflex and with PyTorch
 * ({@code bench/peers/pytorch_baseline.py}) in one run and prints their throughput and accuracy.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Race bitflex against PyTorch on the same Fashion-MNIST training task.",
            "PyTorch runs with 1 thread and with --threads threads; bitflex is compared with PyTorch's best."})
final class CompareCommand implements Callable<Integer> {
    static final String INSTALL = "sudo apt-get install python3-torch libopenblas0-pthread";
    static final String INSTALL_OPENBLAS = "sudo apt-get install libopenblas0-pthread";

    @Option(names = "--model", defaultValue = "lenet5", description = "mlp or lenet5 (default: ${DEFAULT-VALUE})")
    String model;
    @Option(names = "--threads", description = "threads for bitflex and the multi-threaded PyTorch run (default: all cores)")
    Integer threads;
    @Option(names = "--epochs", defaultValue = "1", description = "epochs (default: ${DEFAULT-VALUE})")
    int epochs;
    @Option(names = "--batch", defaultValue = "64", description = "mini-batch size (default: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--lr", defaultValue = "0.05", description = "SGD learning rate (default: ${DEFAULT-VALUE})")
    double lr;
    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE})")
    double momentum;
    @Option(names = "--seed", defaultValue = "42", description = "seed (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--data", description = "directory with the Fashion-MNIST IDX files")
    Path data;
    @Option(names = "--python", description = "Python interpreter with torch (default: /usr/bin/python3, else python3 on the PATH)")
    String python;
    @Option(names = "--peer-script", description = "the PyTorch script (default: bench/peers/pytorch_baseline.py of this checkout)")
    Path script;
    @Option(names = "--json", description = "write the table as one JSON object to this file")
    Path json;
    @Option(names = "--repeat", defaultValue = "1", description = "interleaved rounds; the table shows each contender's best (default: ${DEFAULT-VALUE})")
    int repeat;

    /** Runs one bitflex contender and returns its JSON; a fresh JVM unless a test substitutes it. */
    @FunctionalInterface
    interface BitflexRunner {
        JsonNode run(int threads) throws IOException, InterruptedException;
    }

    BitflexRunner bitflexRunner = this::runBitflex;

    @Override
    public Integer call() throws Exception {
        if (!model.equals("mlp") && !model.equals("lenet5")) {
            throw new IllegalArgumentException("--model must be mlp or lenet5, got '" + model + "'");
        }
        if (repeat < 1) {
            throw new IllegalArgumentException("--repeat must be >= 1, got " + repeat);
        }
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (t < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + t);
        }
        if (data != null && !Files.isDirectory(data)) {
            throw new IllegalArgumentException("--data " + data + ": no such directory");
        }
        Path peer = script != null ? script : defaultScript();
        if (!Files.isRegularFile(peer)) {
            throw new IllegalArgumentException("PyTorch peer script not found at " + peer + " (pass --peer-script)");
        }
        String py = python != null ? python : Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        PrintStream out = System.out;

        int[] torchThreads = t == 1 ? new int[] {1} : new int[] {1, t};
        List<List<JsonNode>> torchRuns = new ArrayList<>();
        for (int i = 0; i < torchThreads.length; i++) {
            torchRuns.add(new ArrayList<>());
        }
        List<JsonNode> bitflexRuns = new ArrayList<>();
        // Interleaved, each run in a fresh process, so a noisy spell hits every contender alike.
        for (int r = 0; r < repeat; r++) {
            String round = repeat == 1 ? "" : " (round " + (r + 1) + "/" + repeat + ")";
            for (int i = 0; i < torchThreads.length; i++) {
                out.printf("pytorch, %d thread%s%s ...%n", torchThreads[i], torchThreads[i] == 1 ? "" : "s", round);
                int threadsI = torchThreads[i];
                torchRuns.get(i).add(timed(() -> runPeer(py, peer, threadsI)));
            }
            out.printf("bitflex, %d thread%s%s ...%n", t, t == 1 ? "" : "s", round);
            bitflexRuns.add(timed(() -> bitflexRunner.run(t)));
        }
        report(bitflexRuns, torchRuns, t, out);
        return 0;
    }

    /**
     * Prints the table (each contender's fastest run, their ratio and the accuracy gap) to {@code out},
     * writes it to {@code --json} if set, and returns what was written there. Pure: no process runs here.
     */
    Map<String, Object> report(List<JsonNode> bitflexRuns, List<List<JsonNode>> torchRuns, int t, PrintStream out)
            throws IOException {
        List<JsonNode> torch = new ArrayList<>();
        for (List<JsonNode> runs : torchRuns) {
            torch.add(fastest(runs));
        }
        JsonNode bf = fastest(bitflexRuns);
        JsonNode best = fastest(torch);
        double bfRate = bf.get("samples_per_s").asDouble();
        double ratio = bfRate / best.get("samples_per_s").asDouble();
        out.println();
        out.printf("%s, Fashion-MNIST, %d epoch%s, batch %d, SGD lr %s momentum %s%s%n", model, epochs, epochs == 1 ? "" : "s", batch,
                lr, momentum, repeat == 1 ? "" : ", best of " + repeat + " interleaved runs");
        out.printf("%-24s %14s %10s %10s %10s%n", "", "samples/s", "wall s", "test acc", "process s");
        row(out, "bitflex (" + t + " thr)", bf);
        for (JsonNode n : torch) {
            row(out, "pytorch " + n.path("torch").asText("") + " (" + n.get("threads").asInt() + " thr)", n);
        }
        double accDiff = 100 * (bf.get("test_acc").asDouble() - best.get("test_acc").asDouble());
        out.printf("bitflex / best pytorch (%d thr): %.2fx samples/s, test accuracy %+.2f points%n", best.get("threads").asInt(),
                ratio, accDiff);
        out.println("(samples/s and wall s: the training loop only; process s: the whole process, start-up, data loading"
                + " and evaluation included)");
        JsonNode blas = best.path("blas");
        String blasKind = blas.isMissingNode() || blas.isNull() ? "not reported" : blas.path("kind").asText("unknown");
        out.println("pytorch's BLAS (where its sgemm calls go): " + describeBlas(blas));
        if (blasKind.equals("reference")) {
            out.println("warning: PyTorch runs on the reference BLAS, 10-30x slower than OpenBLAS, so this ratio flatters"
                    + " bitflex and is not the race; install OpenBLAS with '" + INSTALL_OPENBLAS + "' and run again");
        } else if (!blasKind.equals("openblas")) {
            out.println("note: the figures bitflex is measured against are PyTorch on OpenBLAS ('" + INSTALL_OPENBLAS + "')");
        }
        // With several epochs the last one shows each side warm: bitflex's first epoch carries the JIT's compile work.
        double bfLast = lastEpochRate(bf);
        double torchLast = lastEpochRate(best);
        Double lastRatio = null;
        if (epochs > 1 && !Double.isNaN(bfLast) && !Double.isNaN(torchLast)) {
            lastRatio = bfLast / torchLast;
            out.printf("last epoch alone: bitflex %,.0f, pytorch (%d thr) %,.0f samples/s: %.2fx%n", bfLast,
                    best.get("threads").asInt(), torchLast, lastRatio);
        }

        Map<String, Object> warmup = warmup(bf);
        if (warmup != null) {
            out.printf("bitflex's steps in this run: the 1st %.2f s, 2-50 %.2f s, 51-200 %.2f s, the other %d %.2f s"
                            + " (%.2f ms each)%n", warmup.get("step_1_s"), warmup.get("steps_2_50_s"),
                    warmup.get("steps_51_200_s"), (int) warmup.get("later_steps"), warmup.get("later_steps_s"),
                    1e3 * (double) warmup.get("later_steps_s") / Math.max(1, (int) warmup.get("later_steps")));
        }

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("threads", t);
        m.put("epochs", epochs);
        m.put("batch", batch);
        m.put("lr", lr);
        m.put("momentum", momentum);
        m.put("seed", seed);
        m.put("repeat", repeat);
        m.put("bitflex", bf);
        m.put("pytorch", torch);
        m.put("pytorch_best_threads", best.get("threads").asInt());
        m.put("pytorch_blas", blasKind);
        m.put("ratio_samples_per_s", ratio);
        m.put("test_acc_diff_points", accDiff);
        if (lastRatio != null) {
            m.put("ratio_last_epoch_samples_per_s", lastRatio);
        }
        if (warmup != null) {
            m.put("bitflex_steps", warmup);
        }
        m.put("all_runs", Map.of("bitflex", bitflexRuns, "pytorch", torchRuns));
        if (json != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), m);
        }
        return m;
    }

    /** "OpenBLAS 0.3.21 (core Zen), /usr/lib/..." from the peer's {@code blas} object. */
    private static String describeBlas(JsonNode blas) {
        if (blas.isMissingNode() || blas.isNull()) {
            return "not reported by the peer";
        }
        String kind = blas.path("kind").asText("unknown");
        StringBuilder b = new StringBuilder(switch (kind) {
            case "openblas" -> "OpenBLAS";
            case "reference" -> "the reference BLAS (Debian's libblas3)";
            default -> kind;
        });
        if (blas.hasNonNull("version")) {
            b.append(' ').append(blas.get("version").asText());
        }
        if (blas.hasNonNull("core")) {
            b.append(" (core ").append(blas.get("core").asText()).append(')');
        }
        if (blas.hasNonNull("path")) {
            b.append(", ").append(blas.get("path").asText());
        }
        return b.toString();
    }

    private static void row(PrintStream out, String name, JsonNode n) {
        JsonNode process = n.get("process_s");
        out.printf("%-24s %,14.0f %10.2f %9.2f%% %10s%n", name, n.get("samples_per_s").asDouble(), n.get("wall_s").asDouble(),
                100 * n.get("test_acc").asDouble(), process == null ? "-" : String.format("%.2f", process.asDouble()));
    }

    /**
     * Where a bitflex run's time went, from its {@code step_end_s}: the first step, steps 2-50, 51-200
     * and the rest (the JIT compiles most in the first ones). Null when the run has fewer than 201 steps.
     */
    static Map<String, Object> warmup(JsonNode run) {
        JsonNode ends = run.get("step_end_s");
        if (ends == null || !ends.isArray() || ends.size() < 201) {
            return null;
        }
        int n = ends.size();
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("step_1_s", ends.get(0).asDouble());
        w.put("steps_2_50_s", ends.get(49).asDouble() - ends.get(0).asDouble());
        w.put("steps_51_200_s", ends.get(199).asDouble() - ends.get(49).asDouble());
        w.put("later_steps", n - 200);
        w.put("later_steps_s", ends.get(n - 1).asDouble() - ends.get(199).asDouble());
        return w;
    }

    /** The last entry of a run's {@code epoch_samples_per_s}, or NaN when it has none. */
    private static double lastEpochRate(JsonNode run) {
        JsonNode rates = run.get("epoch_samples_per_s");
        return rates == null || !rates.isArray() || rates.isEmpty() ? Double.NaN : rates.get(rates.size() - 1).asDouble();
    }

    /** A contender's run, with its process's wall time added as {@code process_s}. */
    private static JsonNode timed(Contender run) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        JsonNode n = run.run();
        if (n instanceof ObjectNode o) {
            o.put("process_s", (System.nanoTime() - t0) / 1e9);
        }
        return n;
    }

    @FunctionalInterface
    private interface Contender {
        JsonNode run() throws IOException, InterruptedException;
    }

    private static JsonNode fastest(List<JsonNode> runs) {
        JsonNode best = runs.get(0);
        for (JsonNode n : runs) {
            if (n.get("samples_per_s").asDouble() > best.get("samples_per_s").asDouble()) {
                best = n;
            }
        }
        return best;
    }

    /** Runs {@code bitflex train} in a fresh JVM (same JDK, flags and class path) and reads its JSON. */
    private JsonNode runBitflex(int threads) throws IOException, InterruptedException {
        Path tmp = Files.createTempFile("bitflex-compare-", ".json");
        try {
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-XX:StartFlightRecording")) {
                    cmd.add(a);
                }
            }
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "train", "--model", model,
                    "--epochs", Integer.toString(epochs), "--batch", Integer.toString(batch), "--lr", Double.toString(lr),
                    "--momentum", Double.toString(momentum), "--optimizer", "sgd", "--seed", Long.toString(seed),
                    "--threads", Integer.toString(threads), "--json", tmp.toString()));
            if (data != null) {
                cmd.add("--data");
                cmd.add(data.toString());
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            if (rc != 0) {
                String last = log.lines().filter(l -> l.startsWith("bitflex:")).reduce((a, b) -> b).orElse("exit code " + rc);
                throw new IllegalStateException("the bitflex run failed: " + last);
            }
            return new ObjectMapper().readTree(tmp.toFile());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private JsonNode runPeer(String py, Path peer, int threads) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(py, peer.toString(), "--model", model, "--threads", Integer.toString(threads),
                "--epochs", Integer.toString(epochs), "--batch", Integer.toString(batch), "--lr", Double.toString(lr),
                "--momentum", Double.toString(momentum), "--seed", Long.toString(seed)));
        if (data != null) {
            cmd.add("--data");
            cmd.add(data.toString());
        }
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + py + " (" + e.getMessage() + "); install Python and PyTorch with '"
                    + INSTALL + "' or pass --python");
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread drain = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        drain.join();
        String errText = err.toString(StandardCharsets.UTF_8).strip();
        if (rc != 0) {
            if (errText.contains("No module named 'torch'") || errText.contains("torch is not installed")) {
                throw new IllegalStateException("PyTorch is not installed for " + py + "; install it with '" + INSTALL + "'");
            }
            String last = errText.isEmpty() ? "exit code " + rc : errText.lines().reduce((a, b) -> b).orElse("");
            throw new IllegalStateException("the PyTorch peer failed: " + last);
        }
        String line = stdout.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse(null);
        if (line == null) {
            throw new IllegalStateException("the PyTorch peer printed no JSON result");
        }
        return new ObjectMapper().readTree(line);
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException ignored) {
            // the process ended; what was read is enough for the message
        }
    }

    /** {@code bench/peers/pytorch_baseline.py}, found from where this class was loaded (bench/target/...). */
    private static Path defaultScript() {
        String home = System.getProperty("bitflex.home");
        if (home != null) {
            return Path.of(home, "bench", "peers", "pytorch_baseline.py");
        }
        try {
            Path loc = Path.of(CompareCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = loc; p != null; p = p.getParent()) {
                Path candidate = p.resolve("peers").resolve("pytorch_baseline.py");
                if (Files.isRegularFile(candidate)) {
                    return candidate;
                }
            }
        } catch (URISyntaxException | SecurityException ignored) {
            // fall through
        }
        return Path.of("bench", "peers", "pytorch_baseline.py");
    }
}
