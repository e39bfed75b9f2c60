package io.akmon.bench;

import io.akmon.agent.publish.KafkaSink;
import io.akmon.flink.ingest.Event;
import io.akmon.flink.ingest.RecordParser;
import io.akmon.schema.FrameBuilder;
import io.akmon.schema.Frames;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

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

    private static final int PARTITIONS = 2;

    /** One agent record as the job reads it: its topic's family, its Kafka record's partition and key, the record. */
    private record Sent(String type, int partition, String key, Event event, int kafkaRecord) {
    }

    private static List<Sent> generate(FleetStream.Density d, int seconds) {
        return generate(d, seconds, FrameBuilder.DEFAULT_FRAME_BYTES);
    }

    /** The stream's records, each Kafka record split as the job's deserializer splits it ({@link Frames}). */
    private static List<Sent> generate(FleetStream.Density d, int seconds, int frameBytes) {
        RecordParser parser = new RecordParser(Long.MAX_VALUE);
        List<Sent> sent = new ArrayList<>();
        FleetStream stream = new FleetStream(d, START, PARTITIONS, frameBytes);
        int[] kafkaRecords = {0};
        for (int s = 0; s < seconds; s++) {
            stream.writeSecond((type, partition, key, value, records) -> {
                int no = kafkaRecords[0]++;
                assertTrue(frameBytes == 0 ? value.length > 0 && records == 1 : value.length <= frameBytes,
                        () -> "a Kafka record of " + value.length + " bytes, " + records + " records, frames of at most " + frameBytes);
                List<byte[]> inside = Frames.records(value);
                assertEquals(records, inside.size());
                for (byte[] json : inside) {
                    RecordParser.Result r = parser.parse(json);
                    assertNull(r.reason(), () -> "the job rejects " + new String(json) + ": " + r.reason());
                    sent.add(new Sent(type, partition, new String(key, StandardCharsets.UTF_8), r.event(), no));
                }
            });
        }
        assertEquals(sent.size(), stream.written());
        assertEquals(seconds, stream.seconds());
        return sent;
    }

    private static int partitionOf(String key) {
        return KafkaSink.partitionOf(key.getBytes(StandardCharsets.UTF_8), PARTITIONS);
    }

    @Test
    void everyRecordIsOneTheAggregationJobAcceptsOnItsFamilysTopicAndItsKeysPartition() {
        for (Sent s : generate(new FleetStream.Density(3, 40), 12)) {
            assertEquals(s.type(), s.event().type);
            assertTrue(FleetStream.TYPES.contains(s.type()), s.type());
            assertEquals(partitionOf(s.event().host + "/" + s.event().pid), s.partition(), s::toString);
            assertEquals(s.partition(), partitionOf(s.key()), "a frame's key picks its partition");
        }
        for (Sent s : generate(new FleetStream.Density(3, 40), 3, 0)) {
            assertEquals(s.event().host + "/" + s.event().pid, s.key());
            assertEquals(partitionOf(s.key()), s.partition());
        }
    }

    @Test
    void framesHoldOneHostsRecordsOfOnePartitionInTheOrderOfTheUnframedStream() {
        FleetStream.Density d = new FleetStream.Density(4, 500);
        List<Sent> framed = generate(d, 3);
        List<Sent> alone = generate(d, 3, 0);
        assertEquals(alone.size(), framed.size());
        Map<String, List<String>> framedOrder = new HashMap<>();
        Map<String, List<String>> aloneOrder = new HashMap<>();
        Map<Integer, String> hostOfFrame = new HashMap<>();
        for (Sent s : framed) {
            framedOrder.computeIfAbsent(s.type() + "/" + s.partition(), x -> new ArrayList<>()).add(s.event().host + "|" + s.event().cpu + "|" + s.event().seq);
            String before = hostOfFrame.putIfAbsent(s.kafkaRecord(), s.event().host);
            assertTrue(before == null || before.equals(s.event().host), "a frame holds one agent's records");
        }
        for (Sent s : alone) {
            aloneOrder.computeIfAbsent(s.type() + "/" + s.partition(), x -> new ArrayList<>()).add(s.event().host + "|" + s.event().cpu + "|" + s.event().seq);
        }
        assertEquals(aloneOrder, framedOrder, "framing changes what a Kafka record holds, not where a record lands or its order there");
        // the drainer's burst of 2,000+ records per host and second goes in rounds of 512: tens of records a frame
        assertTrue(hostOfFrame.size() * 20L < framed.size(), () -> hostOfFrame.size() + " Kafka records for " + framed.size() + " records");
        assertEquals(alone.size(), alone.stream().mapToInt(Sent::kafkaRecord).distinct().count());
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
        // as generated, one record per Kafka record: frames regroup a round's records by topic and partition
        for (Sent s : generate(new FleetStream.Density(2, 300), 5, 0)) {
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
