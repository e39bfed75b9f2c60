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

    /** {@code baseline}: class path of an earlier build to measure beside the current one (null: none). */
    static String run(Path out, boolean quick, String baseline, PrintStream progress) throws Exception {
        CeilingSuite suite = new CeilingSuite(quick, Path.of("/var/tmp/akmon-bench/ceiling"));
        List<CeilingSuite.Variant> variants = new java.util.ArrayList<>();
        if (baseline != null) {
            variants.add(new CeilingSuite.Variant("before", baseline));
        }
        // the same build sending each record alone: what framing (several records per Kafka record) gains
        variants.add(new CeilingSuite.Variant("records alone", System.getProperty("java.class.path"),
                List.of("-D" + CeilingFeeder.FRAME_BYTES_PROPERTY + "=0")));
        variants.add(new CeilingSuite.Variant("current", System.getProperty("java.class.path")));
        List<CeilingSuite.Result> all = suite.run(progress, variants);
        CeilingSuite.Result r = all.get(all.size() - 1);
        Files.createDirectories(out);
        Files.writeString(out.resolve("ceiling.md"), "# akmon user-space ceiling\n\nWritten by `./akmon bench --only ceiling`"
                + (quick ? " --quick" : "") + (baseline != null ? " --ceiling-baseline CP" : "") + " on " + java.time.Instant.now()
                + "; only what that run measured.\n\n" + CeilingSuite.markdown(all));
        CeilingSuite.Run c = r.ceiling();
        CeilingSuite.Run u = r.unpaced();
        return String.format(Locale.ROOT, "**User-space ceiling** (decode -> JSON -> spool -> Kafka, synthesized ring records, real broker): "
                        + "%s; unpaced %,.0f records/s per agent core; figures and profile in [ceiling.md](ceiling.md).",
                c == null ? "no rate tried was kept up with" : String.format(Locale.ROOT, "lossless up to %,d records/s, %,.0f records/s per agent core",
                        c.rate(), c.perCore()), u == null ? 0 : u.perCore());
    }
}
