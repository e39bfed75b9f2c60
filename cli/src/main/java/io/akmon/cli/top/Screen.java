package io.akmon.cli.top;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Redraws the view on an interval: a full-screen table on a terminal, or one JSON line per tick. */
public final class Screen {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Screen() {
    }

    /** Runs until {@code stop} opens or {@code duration} (if set) passes. */
    public static void loop(PipelineView view, TopFeed feed, PrintStream out, boolean ui, Duration every, Duration duration,
                            CountDownLatch stop) throws InterruptedException {
        long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            feed.refreshJobStatus();
            long now = System.currentTimeMillis();
            if (ui) {
                out.print("\033[H\033[2J"); // home, clear
                out.print(view.render(now, 120, 40));
                out.println("\n(Ctrl-C stops)");
            } else {
                try {
                    out.println(JSON.writeValueAsString(view.snapshot(now, 10)));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
            out.flush();
            long wait = Math.min(every.toMillis(), Math.max(0, (end - System.nanoTime()) / 1_000_000));
            if (stop.await(wait, TimeUnit.MILLISECONDS)) {
                return;
            }
        }
    }
}
