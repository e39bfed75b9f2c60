package io.akmon.agent.publish;

import io.akmon.schema.EventType;

import java.util.Arrays;
import java.util.List;

/**
 * At what spool fill each family is shed: the first of {@code shed_order} from {@code shed_start},
 * the others spread evenly up to a full spool; families not listed (and the sink's own records)
 * are never shed.
 */
final class ShedPolicy {
    private ShedPolicy() {
    }

    /** Fills {@code shedAt[type ordinal]} with the fill (0..1) from which that family is dropped; infinity: never. */
    static void thresholds(KafkaSinkConfig config, double[] shedAt) {
        Arrays.fill(shedAt, Double.POSITIVE_INFINITY);
        List<String> order = config.shedOrder;
        for (int i = 0; i < order.size(); i++) {
            EventType t = EventType.fromWire(order.get(i));
            shedAt[t.ordinal()] = config.shedStart + (1 - config.shedStart) * i / order.size();
        }
    }
}
