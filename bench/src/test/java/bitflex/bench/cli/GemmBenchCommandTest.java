package bitflex.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GemmBenchCommandTest {
    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void jsonHasTheFiguresAndShape() throws Exception {
        Run r = run("bench", "gemm", "--m", "33", "--n", "17", "--k", "9", "--threads", "2", "--transB",
                "--warmup", "0", "--time", "0.05", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(33, j.get("m").asInt());
        assertEquals(17, j.get("n").asInt());
        assertEquals(9, j.get("k").asInt());
        assertEquals(2, j.get("threads").asInt());
        assertTrue(j.get("transB").asBoolean());
        assertTrue(j.get("gflops").asDouble() > 0);
        assertTrue(j.get("vector_bits").asInt() >= 128);
        assertTrue(j.get("vector_registers").asInt() == 16 || j.get("vector_registers").asInt() == 32, j.toString());
        assertTrue(j.get("heap_bytes_per_call").asLong() >= 0);
        assertTrue(j.get("jdk").asText().startsWith("2"));
    }

    @Test
    void integerDtypesReportGmacs() throws Exception {
        for (String dtype : new String[] {"int8", "int16"}) {
            Run r = run("bench", "gemm", "--m", "19", "--n", "37", "--k", "70", "--threads", "1", "--transA",
                    "--dtype", dtype, "--warmup", "0", "--time", "0.05", "--json");
            assertEquals(0, r.exit(), r.err());
            JsonNode j = new ObjectMapper().readTree(r.out());
            assertEquals(dtype, j.get("dtype").asText());
            assertTrue(j.get("gmacs").asDouble() > 0);
            assertEquals(j.get("gflops").asDouble() / 2, j.get("gmacs").asDouble(), 0.01);
        }
    }

    @Test
    void badInputGetsOneLineAndNonZeroExit() {
        String[][] bad = {
            {"bench", "gemm", "--m", "0", "--n", "4", "--k", "4"},
            {"bench", "gemm", "--m", "4", "--n", "-1", "--k", "4"},
            {"bench", "gemm", "--m", "4", "--n", "4", "--k", "99999999"},
            {"bench", "gemm", "--m", "4", "--n", "4", "--k", "4", "--frobnicate"},
            {"bench", "gemm", "--m", "4", "--n", "4", "--k", "4", "--dtype", "float64"},
        };
        for (String[] args : bad) {
            Run r = run(args);
            assertTrue(r.exit() != 0, String.join(" ", args));
            assertTrue(r.err().startsWith("bitflex: "), r.err());
            assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
        }
        assertTrue(run(bad[4]).err().contains("float32"), "names the dtypes that exist");
    }
}
