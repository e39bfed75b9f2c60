package io.akmon.bench;

import io.akmon.flink.ingest.Event;
import io.akmon.flink.ingest.RecordParser;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FleetStreamTest {
    private static final long START = 1_767_225_600_000_000_000L;

    private record Sent(String type, String key, Event event) {
    }

    private static List<Sent> generate(FleetStream.Density d, int seconds) {
        RecordParser parser = new RecordParser(Long.MAX_VALUE);
        List<Sent> sent = new ArrayList<>();
        FleetStream stream = new FleetStream(d, START);
        for (int s = 0; s < seconds; s++) {
            stream.writeSecond((type, key, json) -> {
                RecordParser.Result r = parser.parse(json);
                assertNull(r.reason(), () -> "the job rejects " + new String(json) + ": " + r.reason());
                sent.add(new Sent(type, key, r.event()));
            });
        }
        assertEquals(sent.size(), stream.written());
        assertEquals(seconds, stream.seconds());
        return sent;
    }

    @Test
    void everyRecordIsOneTheAggregationJobAcceptsOnItsFamilysTopic() {
        for (Sent s : generate(new FleetStream.Density(3, 40), 12)) {
            assertEquals(s.type(), s.event().type);
            assertTrue(FleetStream.TYPES.contains(s.type()), s.type());
            assertEquals(s.event().host + "/" + s.event().pid, s.key());
        }
    }

    @Test
    void eachSecondCarriesTheDensitysRecordsAndKeepsItsProcessesLive() {
        FleetStream.Density d = new FleetStream.Density(4, 50);
        List<Sent> sent = generate(d, 10);
        assertEquals(10 * d.recordsPerSecond(), sent.size());
        Map<Long, Map<String, Set<Integer>>> cpuPidsBySecond = new TreeMap<>();
        Map<String, Long> perType = new TreeMap<>();
        for (Sent s : sent) {
            perType.merge(s.type(), 1L, Long::sum);
            if (s.type().equals("cpu")) {
                long second = (s.event().ts - START) / 1_000_000_000L;
                cpuPidsBySecond.computeIfAbsent(second, x -> new HashMap<>())
                        .computeIfAbsent(s.event().host, x -> new HashSet<>()).add(s.event().pid);
            }
        }
        assertEquals(10, cpuPidsBySecond.size());
        cpuPidsBySecond.values().forEach(hosts -> {
            assertEquals(4, hosts.size());
            hosts.values().forEach(pids -> assertEquals(50, pids.size()));
        });
        assertEquals(10 * 4 * 50L, perType.get("cpu"));
        assertEquals(2 * 10 * 4 * 50L, perType.get("syscall"));
        int churn = d.churnPerHostSecond();
        for (String t : List.of("fork", "exec", "exit")) {
            assertEquals(10L * 4 * churn, perType.get(t), t);
        }
        assertEquals(10L * 4 * 5, perType.get("disk"));
        assertEquals(10L * 4 * (5 + 2 * churn), perType.get("net"));
    }

    @Test
    void everySequenceStreamIsNumberedWithoutGapsInEventTimeOrder() {
        Map<String, List<Long>> seqs = new HashMap<>();
        Map<String, Long> lastTs = new HashMap<>();
        for (Sent s : generate(new FleetStream.Density(2, 300), 5)) {
            Event e = s.event();
            String stream = e.host + "|" + e.cpu;
            seqs.computeIfAbsent(stream, x -> new ArrayList<>()).add(e.seq);
            Long before = lastTs.put(stream, e.ts);
            assertTrue(before == null || e.ts > before, () -> stream + " goes back in time at seq " + e.seq);
        }
        assertEquals(2 * 3, seqs.size(), "two CPUs and the agent's own stream per host");
        seqs.forEach((stream, list) -> {
            for (int i = 0; i < list.size(); i++) {
                assertEquals(i + 1, list.get(i), stream);
            }
        });
        assertNotNull(seqs.get("fleet-0|-1"));
    }
}
