package io.akmon.agent.redact;

import io.akmon.agent.event.Event;
import io.akmon.agent.publish.CollectingSink;
import io.akmon.agent.publish.EventSink;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every command line is redacted before a sink: exec records' and those the initial samples read from /proc. */
class RedactingSinkTest {
    @Test
    void redactsTheArgvOfExecRecordsAndOfInitialSamples() {
        CollectingSink out = new CollectingSink();
        EventSink sink = RedactingSink.around(out, new RedactionSettings());
        sink.accept(new Event(EventType.EXEC, "h", "b", 0, 1, 1, 42, "mysql")
                .put(Fields.ARGV, List.of("mysql", "-phunter2")));
        sink.accept(new Event(EventType.MEMORY, "h", "b", -1, 2, 2, 43, "mysql")
                .put(Fields.EVENT, "sample").put(Fields.INITIAL, true)
                .put(Fields.ARGV, List.of("mysql", "--password=hunter2")));
        sink.accept(new Event(EventType.MEMORY, "h", "b", -1, 3, 3, 44, "x")
                .put(Fields.EVENT, "sample").put(Fields.RSS_BYTES, 1L));
        List<Event> got = out.snapshot();
        assertEquals(List.of("mysql", "-p" + ArgvRedactor.MASK), got.get(0).get(Fields.ARGV));
        assertEquals(List.of("mysql", "--password=" + ArgvRedactor.MASK), got.get(1).get(Fields.ARGV));
        assertEquals(null, got.get(2).get(Fields.ARGV));
    }
}
