package bitflex.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bitflex compare} without PyTorch: a fake interpreter (a shell script) plays the peer, and the
 * bitflex contender is a stub, so the test checks how runs are launched, picked and tabulated, and
 * the messages for a missing Python or torch, in well under a second.
 */
class CompareCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Run(int code, String out, String err) {}

    /** Runs compare with {@code runner} as the bitflex contender, through picocli and the CLI's error handler. */
    static Run compare(CompareCommand.BitflexRunner runner, String... args) {
        CompareCommand cmd = new CompareCommand();
        cmd.bitflexRunner = runner;
        CommandLine cl = new CommandLine(cmd);
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setParameterExceptionHandler(new ErrorHandler());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            cl.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
            int code = cl.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
        }
    }

    /** An executable shell script standing in for python3; it gets the peer script and its options as arguments. */
    static Path fakePython(Path dir, String body) throws IOException {
        Path p = dir.resolve("python3");
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    static Path peerScript(Path dir) throws IOException {
        Path s = dir.resolve("peer.py");
        Files.writeString(s, "# never run by a real interpreter in this test\n");
        return s;
    }

    static com.fasterxml.jackson.databind.node.ObjectNode bitflexResult(double samplesPerS, double acc) {
        return JSON.createObjectNode().put("framework", "bitflex").put("threads", 2).put("samples_per_s", samplesPerS)
                .put("wall_s", 60000 / samplesPerS).put("test_acc", acc);
    }

    @Test
    void tabulatesTheFastestRunOfEachSideAndWritesTheSameAsJson(@TempDir Path dir) throws IOException {
        // The fake peer answers 1000 samples/s per thread it is given (so its 2-thread run is its best)
        // and records its arguments, one line per run.
        Path args = dir.resolve("args.txt");
        Path py = fakePython(dir, "echo \"$@\" >> '" + args + "'\n"
                + "t=1; while [ $# -gt 0 ]; do if [ \"$1\" = --threads ]; then t=$2; fi; shift; done\n"
                + "echo 'pytorch noise on stdout'\n"
                + "echo \"{\\\"framework\\\": \\\"pytorch\\\", \\\"torch\\\": \\\"9.9\\\", \\\"threads\\\": $t, "
                + "\\\"samples_per_s\\\": $((t * 1000)), \\\"wall_s\\\": 1.5, \\\"test_acc\\\": 0.8}\"");
        Path json = dir.resolve("cmp.json");
        List<Integer> bitflexThreads = new ArrayList<>();
        double[] rates = {2500, 3000};
        Run r = compare(t -> {
            bitflexThreads.add(t);
            return bitflexResult(rates[bitflexThreads.size() - 1], 0.81);
        }, "--model", "mlp", "--threads", "2", "--repeat", "2", "--python", py.toString(),
                "--peer-script", peerScript(dir).toString(), "--json", json.toString(), "--seed", "7");
        assertEquals(0, r.code(), r.err());

        List<String> peerRuns = Files.readAllLines(args);
        assertEquals(4, peerRuns.size(), "1 and 2 threads, two rounds: " + peerRuns);
        assertTrue(peerRuns.get(0).contains("--model mlp --threads 1 "), peerRuns.get(0));
        assertTrue(peerRuns.get(1).contains("--threads 2 "), peerRuns.get(1));
        assertTrue(peerRuns.get(0).contains("--seed 7"), peerRuns.get(0));
        assertEquals(List.of(2, 2), bitflexThreads);

        String table = r.out();
        assertTrue(table.contains("best of 2 interleaved runs"), table);
        assertTrue(table.matches("(?s).*bitflex \\(2 thr\\)\\s+3,000\\s+20\\.00\\s+81\\.00%.*"), table);
        assertTrue(table.matches("(?s).*pytorch 9\\.9 \\(1 thr\\)\\s+1,000\\s+1\\.50\\s+80\\.00%.*"), table);
        assertTrue(table.matches("(?s).*pytorch 9\\.9 \\(2 thr\\)\\s+2,000\\s+1\\.50\\s+80\\.00%.*"), table);
        assertTrue(table.contains("bitflex / best pytorch (2 thr): 1.50x samples/s, test accuracy +1.00 points"), table);

        JsonNode j = JSON.readTree(json.toFile());
        assertEquals("mlp", j.get("model").asText());
        assertEquals(2, j.get("threads").asInt());
        assertEquals(7, j.get("seed").asLong());
        assertEquals(1.5, j.get("ratio_samples_per_s").asDouble(), 1e-12);
        assertEquals(1.0, j.get("test_acc_diff_points").asDouble(), 1e-9);
        assertEquals(2, j.get("pytorch_best_threads").asInt());
        assertEquals(3000, j.get("bitflex").get("samples_per_s").asDouble());
        assertEquals(2, j.get("pytorch").size());
        assertEquals(2, j.get("all_runs").get("bitflex").size());
        assertEquals(2, j.get("all_runs").get("pytorch").get(1).size());
    }

    @Test
    void severalEpochsAddTheLastEpochRatioAndEveryRunItsProcessTime(@TempDir Path dir) throws IOException {
        Path py = fakePython(dir, "echo '{\"threads\": 1, \"samples_per_s\": 3000, \"wall_s\": 40, \"test_acc\": 0.8, "
                + "\"epoch_samples_per_s\": [3100, 2900]}'");
        Path json = dir.resolve("cmp.json");
        Run r = compare(t -> {
            var n = bitflexResult(2000, 0.8);
            n.putArray("epoch_samples_per_s").add(1000.0).add(5800.0);
            return n;
        }, "--threads", "1", "--epochs", "2", "--python", py.toString(), "--peer-script", peerScript(dir).toString(),
                "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("last epoch alone: bitflex 5,800, pytorch (1 thr) 2,900 samples/s: 2.00x"), r.out());
        assertTrue(r.out().matches("(?s).*test acc\\s+process s.*"), r.out());
        JsonNode j = JSON.readTree(json.toFile());
        assertEquals(2.0, j.get("ratio_last_epoch_samples_per_s").asDouble(), 1e-12);
        assertTrue(j.get("bitflex").get("process_s").asDouble() >= 0, j.toString());
        assertTrue(j.get("pytorch").get(0).get("process_s").asDouble() > 0, j.toString());
    }

    @Test
    void splitsBitflexsStepTimesIntoTheWarmUpAndTheRest(@TempDir Path dir) throws IOException {
        Path py = fakePython(dir, "echo '{\"threads\": 1, \"samples_per_s\": 3000, \"wall_s\": 40, \"test_acc\": 0.8}'");
        Path json = dir.resolve("cmp.json");
        // step i ends at 0.5 s + 10 ms * i: the first step 0.5 s, every later one 10 ms
        Run r = compare(t -> {
            var n = bitflexResult(2000, 0.8);
            var ends = n.putArray("step_end_s");
            for (int i = 0; i < 300; i++) {
                ends.add(0.5 + 0.01 * i);
            }
            return n;
        }, "--threads", "1", "--python", py.toString(), "--peer-script", peerScript(dir).toString(),
                "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("bitflex's steps in this run: the 1st 0.50 s, 2-50 0.49 s, 51-200 1.50 s, "
                + "the other 100 1.00 s (10.00 ms each)"), r.out());
        JsonNode steps = JSON.readTree(json.toFile()).get("bitflex_steps");
        assertEquals(0.5, steps.get("step_1_s").asDouble(), 1e-9);
        assertEquals(100, steps.get("later_steps").asInt());
        assertEquals(1.0, steps.get("later_steps_s").asDouble(), 1e-9);

        // a run of fewer than 201 steps has no such line
        Run shortRun = compare(t -> {
            var n = bitflexResult(2000, 0.8);
            n.putArray("step_end_s").add(0.1).add(0.2);
            return n;
        }, "--threads", "1", "--python", py.toString(), "--peer-script", peerScript(dir).toString());
        assertEquals(0, shortRun.code(), shortRun.err());
        assertTrue(!shortRun.out().contains("bitflex's steps"), shortRun.out());
    }

    @Test
    void oneThreadRacesPytorchOnlyOnOneThread(@TempDir Path dir) throws IOException {
        Path py = fakePython(dir, "echo '{\"threads\": 1, \"samples_per_s\": 4000, \"wall_s\": 15, \"test_acc\": 0.5}'");
        Run r = compare(t -> bitflexResult(1000, 0.5), "--threads", "1", "--python", py.toString(),
                "--peer-script", peerScript(dir).toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("bitflex / best pytorch (1 thr): 0.25x samples/s, test accuracy +0.00 points"), r.out());
        assertTrue(!r.out().contains("(2 thr)"), r.out());
        assertTrue(!r.out().contains("last epoch alone"), "one epoch: no warm-epoch line\n" + r.out());
    }

    @Test
    void namesPytorchsBlasAndWarnsWhenItIsTheReferenceOne(@TempDir Path dir) throws IOException {
        Path ref = fakePython(dir, "echo '{\"threads\": 1, \"samples_per_s\": 2500, \"wall_s\": 24, \"test_acc\": 0.8, "
                + "\"blas\": {\"kind\": \"reference\", \"path\": \"/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0\"}}'");
        Path json = dir.resolve("cmp.json");
        Run r = compare(t -> bitflexResult(16000, 0.8), "--threads", "1", "--python", ref.toString(),
                "--peer-script", peerScript(dir).toString(), "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("pytorch's BLAS (where its sgemm calls go): the reference BLAS (Debian's libblas3), "
                + "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0"), r.out());
        assertTrue(r.out().contains("warning: PyTorch runs on the reference BLAS"), r.out());
        assertTrue(r.out().contains(CompareCommand.INSTALL_OPENBLAS), r.out());
        assertEquals("reference", JSON.readTree(json.toFile()).get("pytorch_blas").asText());

        Path open = fakePython(dir, "echo '{\"threads\": 1, \"samples_per_s\": 30000, \"wall_s\": 2, \"test_acc\": 0.8, "
                + "\"blas\": {\"kind\": \"openblas\", \"path\": \"/o/libblas.so.3\", \"version\": \"0.3.21\", \"core\": \"Zen\"}}'");
        r = compare(t -> bitflexResult(16000, 0.8), "--threads", "1", "--python", open.toString(),
                "--peer-script", peerScript(dir).toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("pytorch's BLAS (where its sgemm calls go): OpenBLAS 0.3.21 (core Zen), /o/libblas.so.3"), r.out());
        assertTrue(!r.out().contains("warning") && !r.out().contains("note:"), r.out());

        Path silent = fakePython(dir, "echo '{\"threads\": 1, \"samples_per_s\": 30000, \"wall_s\": 2, \"test_acc\": 0.8}'");
        r = compare(t -> bitflexResult(16000, 0.8), "--threads", "1", "--python", silent.toString(),
                "--peer-script", peerScript(dir).toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("pytorch's BLAS (where its sgemm calls go): not reported by the peer"), r.out());
        assertTrue(r.out().contains("note: the figures bitflex is measured against are PyTorch on OpenBLAS"), r.out());
    }

    @Test
    void missingPythonSaysHowToInstallIt(@TempDir Path dir) throws IOException {
        Run r = compare(t -> { throw new AssertionError("bitflex must not run"); }, "--python",
                dir.resolve("no-such-python").toString(), "--peer-script", peerScript(dir).toString());
        assertEquals(ErrorHandler.USAGE, r.code());
        assertTrue(r.err().startsWith("bitflex: cannot run "), r.err());
        assertTrue(r.err().contains(CompareCommand.INSTALL), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void missingTorchSaysHowToInstallIt(@TempDir Path dir) throws IOException {
        // What bench/peers/pytorch_baseline.py does when `import torch` fails.
        Path py = fakePython(dir, "echo \"pytorch_baseline: torch is not installed; install it with "
                + "'sudo apt-get install python3-torch'\" >&2; exit 3");
        Run r = compare(t -> { throw new AssertionError("bitflex must not run"); }, "--python", py.toString(),
                "--peer-script", peerScript(dir).toString());
        assertEquals(ErrorHandler.USAGE, r.code());
        assertTrue(r.err().contains("PyTorch is not installed for " + py), r.err());
        assertTrue(r.err().contains(CompareCommand.INSTALL), r.err());
    }

    @Test
    void aFailingOrSilentPeerIsReportedInOneLine(@TempDir Path dir) throws IOException {
        Path crash = fakePython(dir, "echo 'Traceback ...' >&2; echo 'RuntimeError: boom' >&2; exit 1");
        Run r = compare(t -> bitflexResult(1, 1), "--python", crash.toString(), "--peer-script", peerScript(dir).toString());
        assertEquals(ErrorHandler.USAGE, r.code());
        assertTrue(r.err().contains("the PyTorch peer failed: RuntimeError: boom"), r.err());

        Path silent = fakePython(dir, "echo 'no json here'");
        Run s = compare(t -> bitflexResult(1, 1), "--python", silent.toString(), "--peer-script", peerScript(dir).toString());
        assertEquals(ErrorHandler.USAGE, s.code());
        assertTrue(s.err().contains("the PyTorch peer printed no JSON result"), s.err());
    }

    @Test
    void refusesBadOptionsBeforeRunningAnything(@TempDir Path dir) throws IOException {
        CompareCommand.BitflexRunner never = t -> { throw new AssertionError("nothing may run"); };
        Run model = compare(never, "--model", "resnet20", "--peer-script", peerScript(dir).toString());
        assertEquals(ErrorHandler.USAGE, model.code());
        assertTrue(model.err().contains("--model must be mlp or lenet5, got 'resnet20'"), model.err());
        Run repeat = compare(never, "--repeat", "0", "--peer-script", peerScript(dir).toString());
        assertTrue(repeat.err().contains("--repeat must be >= 1, got 0"), repeat.err());
        Run script = compare(never, "--peer-script", dir.resolve("missing.py").toString());
        assertTrue(script.err().contains("PyTorch peer script not found at"), script.err());
        Run data = compare(never, "--data", dir.resolve("nope").toString(), "--peer-script", peerScript(dir).toString());
        assertTrue(data.err().contains("no such directory"), data.err());
    }
}
