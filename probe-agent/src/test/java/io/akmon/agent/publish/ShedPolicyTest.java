package io.akmon.agent.publish;

import io.akmon.schema.EventType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ShedPolicyTest {
    @Test
    void listedFamiliesAreShedInOrderFromTheStartFillAndOthersNever() {
        KafkaSinkConfig c = new KafkaSinkConfig();
        c.shedOrder = List.of("syscall", "net");
        c.shedStart = 0.5;
        double[] at = new double[EventType.values().length];
        ShedPolicy.thresholds(c, at);
        assertEquals(0.5, at[EventType.SYSCALL.ordinal()]);
        assertEquals(0.75, at[EventType.NET.ordinal()]);
        assertEquals(Double.POSITIVE_INFINITY, at[EventType.EXEC.ordinal()]);
        assertEquals(Double.POSITIVE_INFINITY, at[EventType.LOST.ordinal()]);
    }
}
