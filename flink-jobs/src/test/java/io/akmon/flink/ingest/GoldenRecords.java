package io.akmon.flink.ingest;

import io.akmon.schema.EventType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The golden records: what the agent writes, one file per family, written by probe-agent's GoldenRecordsTest
 * into event-schema's test resources (the one fixture place both modules read).
 */
public final class GoldenRecords {
    private GoldenRecords() {
    }

    public static Path dir() {
        return Path.of(System.getProperty("akmon.golden.dir", "../event-schema/src/test/resources/golden"));
    }

    /** The file of a family (it may not exist). */
    public static Path file(EventType type) {
        return dir().resolve(type.wireName() + ".jsonl");
    }

    /** Every family's golden records, as JSON lines, for the families that have a file. */
    public static Map<EventType, List<String>> all() {
        Map<EventType, List<String>> out = new EnumMap<>(EventType.class);
        for (EventType t : EventType.values()) {
            Path f = file(t);
            if (Files.exists(f)) {
                try {
                    List<String> lines = new ArrayList<>();
                    for (String l : Files.readAllLines(f)) {
                        if (!l.isBlank()) {
                            lines.add(l);
                        }
                    }
                    out.put(t, lines);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return out;
    }
}
