package bitflex.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.precision.adapt.AdaptParameters;
import bitflex.precision.rct.RctParameters;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The AdaPT and RCT options of {@code train}: defaults in the help, refusals naming the option, resume. */
class PolicyOptionsTest {
    @Test
    void helpShowsTheDocumentedDefaults() {
        TrainCommandTest.Run r = TrainCommandTest.run("train", "--help");
        assertEquals(0, r.code());
        String h = r.out().replaceAll("\\s+", " ");
        AdaptParameters a = AdaptParameters.defaults();
        RctParameters c = RctParameters.defaults();
        String[][] expected = {
            {"--adapt-wl", "default: " + a.initialFormat().wordLength()},
            {"--adapt-fl", "default: " + a.initialFormat().fracLength()},
            {"--adapt-rb", "default: " + a.resultsBuffer()},
            {"--adapt-fl-min", "default: " + a.minFracLength()},
            {"--adapt-lb-min", "default: " + a.minLookBack()},
            {"--adapt-lb-max", "default: " + a.maxLookBack()},
            {"--adapt-momentum", "default: " + a.lookBackMomentum()},
            {"--adapt-res-min", "default: " + a.minResolution()},
            {"--adapt-res-max", "default: " + a.maxResolution()},
            {"--adapt-tau", "default: " + (int) a.tau()},
            {"--adapt-epsilon", "default: " + (a.epsilon() == 1e-10 ? "1e-10" : Double.toString(a.epsilon()))},
            {"--adapt-strategy", "default: " + a.initialStrategy().label()},
            {"--rct-bmin", "default: " + c.minBits()},
            {"--rct-bmax", "default: " + c.maxBits()},
            {"--rct-window", "default: " + c.window()},
            {"--rct-tmin", "default: " + c.minUpdate()},
            {"--rct-tmax", "default: " + (int) RctParameters.DEFAULT_HYSTERESIS + " x Tmin"},
        };
        for (String[] e : expected) {
            int at = h.lastIndexOf(e[0] + "=");
            assertTrue(at >= 0, e[0] + " missing from help");
            int next = h.indexOf(" --", at + e[0].length() + 1);
            String text = h.substring(at, next < 0 ? h.length() : next);
            assertTrue(text.contains("(" + e[1]), e[0] + ": " + text);
        }
    }

    @Test
    void invalidValuesAreRefusedNamingTheOption() {
        String[][] cases = {
            {"--policy", "adapt", "--adapt-lb-min", "0"},
            {"--policy", "adapt", "--adapt-lb-min", "50", "--adapt-lb-max", "40"},
            {"--policy", "adapt", "--adapt-momentum", "1.5"},
            {"--policy", "adapt", "--adapt-res-min", "1"},
            {"--policy", "adapt", "--adapt-tau", "-1"},
            {"--policy", "adapt", "--adapt-strategy", "median"},
            {"--policy", "adapt", "--adapt-rb", "40"},
            {"--policy", "rct", "--rct-bmin", "1"},
            {"--policy", "rct", "--rct-window", "0"},
            {"--policy", "rct", "--rct-tmin", "0.5", "--rct-tmax", "0.6"},
            {"--policy", "static", "--rct-window", "10"},
            {"--policy", "rct", "--adapt-tau", "0.1"},
        };
        for (String[] c : cases) {
            String[] args = new String[c.length + 3];
            args[0] = "train";
            args[1] = "--mode";
            args[2] = "fake-quant";
            System.arraycopy(c, 0, args, 3, c.length);
            TrainCommandTest.Run r = TrainCommandTest.run(args);
            assertTrue(r.code() != 0, String.join(" ", c));
            String flag = c[c.length - 2];
            String family = flag.substring(0, flag.indexOf('-', 2) + 1) + "*";
            assertTrue(r.err().contains(flag + ":") || r.err().contains(flag + " ") || r.err().contains(family),
                    String.join(" ", c) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        TrainCommandTest.Run r = TrainCommandTest.run("train", "--rct-window", "10");
        assertTrue(r.code() != 0 && r.err().contains("need --mode fake-quant"), r.err());
    }

    @Test
    void optionsReachThePolicyAndAResumedRunKeepsThem(@TempDir Path dir) throws IOException {
        Path ckpt = dir.resolve("run.ckpt");
        Path json = dir.resolve("r.json");
        Path whole = dir.resolve("whole.json");
        String[] common = {"--model", "mlp", "--train-size", "320", "--batch", "32", "--threads", "1", "--mode", "fake-quant",
            "--policy", "rct", "--bits", "6", "--rct-window", "3", "--rct-tmin", "0.2"};
        TrainCommandTest.Run w = TrainCommandTest.run(concat(new String[] {"train", "--epochs", "2", "--json", whole.toString()}, common));
        assertEquals(0, w.code(), w.out() + w.err());
        TrainCommandTest.Run a = TrainCommandTest.run(concat(new String[] {"train", "--epochs", "1", "--checkpoint", ckpt.toString()}, common));
        assertEquals(0, a.code(), a.out() + a.err());
        TrainCommandTest.Run bad = TrainCommandTest.run("train", "--resume", ckpt.toString(), "--epochs", "2", "--rct-window", "4");
        assertTrue(bad.code() != 0 && bad.err().contains("--rct-window 4 differs from the checkpoint's 3"), bad.err());
        TrainCommandTest.Run b = TrainCommandTest.run("train", "--resume", ckpt.toString(), "--epochs", "2", "--threads", "1",
                "--json", json.toString());
        assertEquals(0, b.code(), b.out() + b.err());
        assertTrue(b.out().contains("mode fake-quant, policy rct, bits 6"), b.out());
        ObjectMapper m = new ObjectMapper();
        JsonNode jw = m.readTree(whole.toFile());
        JsonNode jb = m.readTree(json.toFile());
        assertEquals(jw.get("test_acc").asDouble(), jb.get("test_acc").asDouble(), "resumed run ends where the whole run ends");
        assertEquals(jw.get("layers"), jb.get("layers"));
        assertTrue(jw.get("layers").get(0).get("decisions").asInt() >= 3, jw.toString());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = new String[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
