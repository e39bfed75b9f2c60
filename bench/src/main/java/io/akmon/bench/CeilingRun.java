package io.akmon.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Runs the ceiling suite for {@code akmon bench}: writes ceiling.md beside RESULTS.md and returns the summary line. */
final class CeilingRun {
    private CeilingRun() {
    }

    static String run(Path out, boolean quick, PrintStream progress) throws Exception {
        CeilingSuite suite = new CeilingSuite(quick, Path.of("/var/tmp/akmon-bench/ceiling"));
        CeilingSuite.Result r = suite.run(progress);
        Files.createDirectories(out);
        Files.writeString(out.resolve("ceiling.md"), "# akmon user-space ceiling\n\nWritten by `./akmon bench --only ceiling`"
                + (quick ? " --quick" : "") + ".\n\n" + CeilingSuite.markdown(List.of(r)));
        CeilingSuite.Run c = r.ceiling();
        CeilingSuite.Run u = r.unpaced();
        return String.format(Locale.ROOT, "**User-space ceiling** (decode -> JSON -> spool -> Kafka, synthesized ring records, real broker): "
                        + "%s; unpaced %,.0f records/s per agent core; figures and profile in [ceiling.md](ceiling.md).",
                c == null ? "no rate tried was kept up with" : String.format(Locale.ROOT, "lossless up to %,d records/s, %,.0f records/s per agent core",
                        c.rate(), c.perCore()), u == null ? 0 : u.perCore());
    }
}
