package io.akmon.agent.host;

import io.akmon.agent.drain.AgentStream;
import io.akmon.agent.event.Event;
import io.akmon.agent.testing.MemoryMap;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Interface deltas from a /sys/class/net laid out in a directory: moved counters only, new and re-created interfaces. */
class InterfaceSamplerTest {
    private static void counters(Path root, String dev, long base) throws IOException {
        Path stats = Files.createDirectories(root.resolve(dev).resolve("statistics"));
        for (int i = 0; i < Fields.INTERFACE_COUNTERS.length; i++) {
            Files.writeString(stats.resolve(Fields.INTERFACE_COUNTERS[i]), (base + i) + "\n");
        }
    }

    private static List<Event> drain(InterfaceSampler s) {
        List<LongFunction<Event>> drafts = new ArrayList<>();
        s.drain(drafts, 1_000, 1_000_000_000L);
        List<Event> out = new ArrayList<>();
        long seq = 1;
        for (LongFunction<Event> d : drafts) {
            out.add(d.apply(seq++));
        }
        return out;
    }

    @Test
    void reportsWhatMovedPerInterfaceFromZeroForANewOneAndFromItsNewValuesAfterARecreation(@TempDir Path root) throws Exception {
        counters(root, "eth0", 1000);
        AgentStream stream = new AgentStream(new MemoryMap("agent_seq", 4, 8, 1), new HostIdentity("h", "boot", 0));
        InterfaceSampler s = new InterfaceSampler(stream, root);
        assertTrue(drain(s).isEmpty(), "nothing moved");

        counters(root, "eth0", 1100);
        counters(root, "veth1", 5);
        List<Event> second = drain(s);
        assertEquals(2, second.size());
        Event eth = second.stream().filter(e -> "eth0".equals(e.getString(Fields.DEVICE))).findFirst().orElseThrow();
        assertEquals("interface", eth.getString(Fields.EVENT));
        assertEquals(0, eth.pid());
        for (String c : Fields.INTERFACE_COUNTERS) {
            assertEquals(100L, eth.getLong(c), c);
        }
        Event veth = second.stream().filter(e -> "veth1".equals(e.getString(Fields.DEVICE))).findFirst().orElseThrow();
        assertEquals(5L, veth.getLong(Fields.RX_BYTES), "a new interface from zero");
        assertEquals(12L, veth.getLong(Fields.TX_ERRORS));

        counters(root, "veth1", 2); // deleted and created again between drains
        Event again = drain(s).get(0);
        assertEquals(2L, again.getLong(Fields.RX_BYTES));
        assertEquals(3L, again.getLong(Fields.TX_BYTES));
    }
}
