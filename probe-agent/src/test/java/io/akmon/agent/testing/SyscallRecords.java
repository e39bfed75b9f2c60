package io.akmon.agent.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.event.Event;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/** Numbered syscall records for the Kafka sink tests, and reading their numbers back from the topics. */
public final class SyscallRecords {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SyscallRecords() {
    }

    /** Syscall record number {@code seq} (cpu 0) of a host and boot. */
    public static Event syscall(String host, String boot, long seq) {
        Event e = new Event(EventType.SYSCALL, host, boot, 0, seq, 1_700_000_000_000_000_000L + seq, 1000, "comm");
        e.put(Fields.SYSCALL, "read").put(Fields.COUNT, seq).put(Fields.ERRORS, 0).put(Fields.INTERVAL_NS, 1_000_000_000L);
        return e;
    }

    /**
     * The seq numbers of the syscall records in the topics starting with {@code prefix}, in the order read
     * (a duplicate appears twice): read until at least {@code atLeast} distinct ones came and the topics
     * stayed quiet, or for 60 s.
     */
    public static List<Long> seqs(EmbeddedKafka kafka, String prefix, int atLeast) throws Exception {
        List<Long> seqs = new ArrayList<>();
        Set<Long> distinct = new TreeSet<>();
        try (KafkaConsumer<String, String> consumer = KafkaTopics.fromStart(kafka, prefix)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int quiet = 0;
            while (System.nanoTime() < deadline && (distinct.size() < atLeast || quiet < 3)) {
                int n = 0;
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(300))) {
                    for (String value : KafkaTopics.records(r)) {
                        JsonNode node = JSON.readTree(value);
                        if (node.path(Fields.TYPE).asText().equals("syscall")) {
                            seqs.add(node.path(Fields.SEQ).asLong());
                            distinct.add(node.path(Fields.SEQ).asLong());
                        }
                    }
                    n++;
                }
                quiet = n == 0 ? quiet + 1 : 0;
            }
        }
        return seqs;
    }
}
