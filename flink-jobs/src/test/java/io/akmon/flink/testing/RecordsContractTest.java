package io.akmon.flink.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.flink.ingest.Event;
import io.akmon.schema.contract.RecordCheck;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The tests' record builders write the agent's JSON: every field they write is a field of the family in
 * the event table, with its type and one of its values. (They write fewer fields than the agent: the ones
 * the job reads. The agent's complete records are the golden records.)
 */
class RecordsContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyFieldTheBuildersWriteIsInTheTableWithItsType() throws Exception {
        long t = 1_700_000_000_000L;
        List<Event> built = List.of(
                Records.fork("h", 0, 1, t, 10, 1, "sh"),
                Records.exec("h", 0, 2, t, 10, 1, "ls", "1000", "/bin/ls", "ls", "-l"),
                Records.initial("h", 3, t, 11, 1, "sshd", t * 1_000_000L, "0", "/usr/sbin/sshd", "sshd", "-D"),
                Records.exit("h", 0, 4, t, 10, "ls", 0, 9, 5_000),
                Records.cpu("h", -1, 5, t, 10, "ls", 1_000),
                Records.syscall("h", -1, 6, t, 10, "ls", "read", 7, 1),
                Records.memory("h", -1, 7, t, 10, "ls", 4096, 8192, 3),
                Records.oomKill("h", 0, 8, t, 10, "ls", 4096),
                Records.disk("h", -1, 9, t, 10, "ls", "sda", "read", 2, 8192, 500, Records.hist(3, 2)),
                Records.file("h", 1, 10, t, 10, "ls", "unlink", "/tmp/x", 2),
                Records.fileIo("h", 11, t, 10, "ls", "pipe", "write", 3, 300),
                Records.net("h", 0, 12, t, 10, "curl", "close", "1f", 100, 200, 1),
                Records.net("h", 0, 13, t, 10, "curl", "connect", "2f", 0, 0, 0),
                Records.udp("h", -1, 14, t, 10, "dig", "u0000000000000001", 1, 40, 1, 120),
                Records.iface("h", 15, t, "eth0", 1, 2, 3, 4, 5, 6, 7, 8),
                Records.lost("h", 16, t, "output", 3),
                Records.host("h", 17, t, 500_000_000L, 1_000_000_000L, 1L << 30, 1L << 29));
        List<String> problems = new ArrayList<>();
        for (Event e : built) {
            String json = new String(Records.json(e), java.nio.charset.StandardCharsets.UTF_8);
            for (String p : RecordCheck.problems(JSON.readTree(json))) {
                if (!p.contains(" is missing, the table requires it")) {
                    problems.add(p + "    in " + json);
                }
            }
        }
        assertEquals(List.of(), problems);
    }
}
