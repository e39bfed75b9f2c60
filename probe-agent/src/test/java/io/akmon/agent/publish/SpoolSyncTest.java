package io.akmon.agent.publish;

import io.akmon.agent.event.Event;
import io.akmon.agent.logging.AgentLog;
import io.akmon.agent.spool.Spool;
import io.akmon.schema.EventType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpoolSyncTest {
    @Test
    void forcesOnlyWhenRecordsWereWrittenSinceTheLastForce(@TempDir Path dir) throws Exception {
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            SpoolSync sync = new SpoolSync(spool, new ProblemLog(AgentLog.to(null, "kafka")));
            assertTrue(sync.forceIfWritten(), "the first force");
            assertFalse(sync.forceIfWritten(), "nothing new");
            spool.append(SpoolRecord.encode(new Event(EventType.FORK, "h", "b", 0, 1, 1, 1, "c")), false);
            assertTrue(sync.forceIfWritten());
            assertFalse(sync.forceIfWritten());
        }
    }
}
