package bitflex.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The top-level command: every subcommand is listed and reachable, whichever ones it registered. */
class MainTest {
    private static final String[] SUBCOMMANDS = {"train", "eval", "compare", "report", "bench"};

    @Test
    void helpListsEverySubcommand() {
        TrainCommandTest.Run r = TrainCommandTest.run("--help");
        assertEquals(0, r.code(), r.err());
        for (String name : SUBCOMMANDS) {
            assertTrue(r.out().contains("\n  " + name + " "), name + " missing from:\n" + r.out());
        }
    }

    @Test
    void eachSubcommandAnswersItsOwnHelp() {
        for (String name : SUBCOMMANDS) {
            TrainCommandTest.Run r = TrainCommandTest.run(name, "--help");
            assertEquals(0, r.code(), name + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: bitflex " + name), name + ":\n" + r.out());
        }
    }

    @Test
    void aMistypedSubcommandIsAnErrorThatPointsToTheHelp() {
        TrainCommandTest.Run r = TrainCommandTest.run("trian");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("'trian'") && r.err().contains("bitflex --help"), r.err());
    }
}
