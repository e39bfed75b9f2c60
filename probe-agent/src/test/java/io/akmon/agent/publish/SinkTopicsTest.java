package io.akmon.agent.publish;

import io.akmon.schema.EventType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SinkTopicsTest {
    @Test
    void heartbeatsGoToEveryEventTopicOnceAndNotToTheAuditTrail() {
        KafkaSinkConfig c = new KafkaSinkConfig();
        c.topicPrefix = "p.";
        c.topics.put("exec", "p.fork"); // two families sharing one topic
        SinkTopics t = new SinkTopics(c);
        assertEquals("p.fork", t.of(EventType.EXEC));
        assertNull(t.of(EventType.HEARTBEAT));
        assertFalse(t.heartbeat().contains("p.audit"));
        assertFalse(t.heartbeat().contains("p.heartbeat"));
        assertEquals(1, t.heartbeat().stream().filter("p.fork"::equals).count());
        assertFalse(t.heartbeat().contains("p.exec"));
        assertTrue(t.all().contains("p.audit"));
        assertFalse(t.all().contains("p.heartbeat"));
        int families = EventType.values().length - 1; // heartbeat has none
        assertEquals(families - 1, t.all().size(), "exec shares fork's");
        assertEquals(families - 2, t.heartbeat().size(), "and audit gets no heartbeats");
    }

    @Test
    void aRecordOfAFamilyThisBuildDoesNotKnowGoesToThePrefixAndItsName() {
        KafkaSinkConfig c = new KafkaSinkConfig();
        c.topicPrefix = "p.";
        byte[] payload = SpoolRecord.encode(new io.akmon.agent.event.Event(EventType.FORK, "h", "b", 0, 1, 1, 1, "c"));
        assertEquals("p.fork", new SinkTopics(c).of(payload, null));
    }
}
