package bitflex.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a run report directory: {@code report.json}, {@code report.md} and the charts. */
public final class ReportWriter {
    public static final String JSON_FILE = "report.json";
    public static final String MARKDOWN_FILE = "report.md";

    private ReportWriter() {}

    /**
     * Checks before training that {@code dir} can hold a report: it is created if missing; an
     * existing path that is not a directory is refused (so a long run does not fail at the end).
     */
    public static void prepare(Path dir) throws IOException {
        if (dir == null) {
            throw new IllegalArgumentException("--report: no directory given");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--report " + dir + ": exists and is not a directory");
        }
        Files.createDirectories(dir);
        if (!Files.isWritable(dir)) {
            throw new IllegalArgumentException("--report " + dir + ": directory is not writable");
        }
    }

    /** Writes the three kinds of file into {@code dir} (prepared first). */
    public static void write(Path dir, JsonNode report) throws IOException {
        prepare(dir);
        RunReport.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve(JSON_FILE).toFile(), report);
        Files.writeString(dir.resolve(MARKDOWN_FILE), ReportMarkdown.render(report), StandardCharsets.UTF_8);
        ReportCharts.write(report, dir);
    }
}
