package io.akmon.agent.host;

import io.akmon.agent.drain.AgentStream;
import io.akmon.agent.drain.DrainSource;
import io.akmon.agent.event.Event;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongFunction;

/**
 * Per network interface, what the kernel counted since the previous drain: bytes, packets, drops and
 * errors in both directions, from /sys/class/net/DEVICE/statistics (the counters {@code ip -s link}
 * shows; no probe per packet). One {@code net} record with {@code event: interface} and pid 0 per
 * interface whose counters moved. An interface that appears is reported from zero (its counts since
 * it was created); one whose counters went back (re-created under the same name) from its new values.
 */
public final class InterfaceSampler implements DrainSource {
    private final AgentStream stream;
    private final Path root;
    private Map<String, long[]> last;

    public InterfaceSampler(AgentStream stream) {
        this(stream, Path.of("/sys/class/net"));
    }

    /** Reads the interfaces under {@code root} instead of /sys/class/net (fixture directories). */
    public InterfaceSampler(AgentStream stream, Path root) {
        this.stream = stream;
        this.root = root;
        this.last = read(root);
    }

    /** Every interface's counters now, by name; an unreadable interface (just removed) is left out. */
    static Map<String, long[]> read(Path root) {
        Map<String, long[]> out = new TreeMap<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path dir : dirs) {
                long[] c = new long[Fields.INTERFACE_COUNTERS.length];
                try {
                    for (int i = 0; i < c.length; i++) {
                        c[i] = Long.parseLong(Files.readString(dir.resolve("statistics").resolve(Fields.INTERFACE_COUNTERS[i])).trim());
                    }
                } catch (IOException | NumberFormatException e) {
                    continue;
                }
                out.put(dir.getFileName().toString(), c);
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    @Override
    public void drain(List<LongFunction<Event>> drafts, long ts, long interval) {
        Map<String, long[]> now = read(root);
        for (Map.Entry<String, long[]> e : now.entrySet()) {
            long[] base = last.get(e.getKey());
            long[] d = new long[e.getValue().length];
            for (int i = 0; i < d.length; i++) {
                long b = base == null ? 0 : base[i];
                d[i] = e.getValue()[i] >= b ? e.getValue()[i] - b : e.getValue()[i];
            }
            if (Arrays.stream(d).allMatch(v -> v == 0)) {
                continue;
            }
            String name = e.getKey();
            drafts.add(seq -> {
                Event r = stream.event(EventType.NET, seq, ts, 0, null)
                        .put(Fields.EVENT, "interface")
                        .put(Fields.DEVICE, name);
                for (int i = 0; i < d.length; i++) {
                    r.put(Fields.INTERFACE_COUNTERS[i], d[i]);
                }
                return r.put(Fields.INTERVAL_NS, interval);
            });
        }
        last = now;
    }
}
