package io.akmon.flink.emit;

import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.aggregate.AggregateTypeInfo;
import io.akmon.flink.aggregate.ClusterAggregate;
import io.akmon.flink.aggregate.HostAggregate;
import io.akmon.flink.aggregate.SyscallCount;
import io.akmon.flink.fold.Totals;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ClusterWindowTest {
    private static HostAggregate host(String name, long onCpuNs, long records, long missing, long live) {
        Totals f = new Totals();
        f.onCpuNs = onCpuNs;
        f.records = records;
        f.syscalls.put("read", new long[] {10, 1});
        f.exitsByCode.put("0", 2L);
        return HostAggregate.of("10s", name, 0, 10_000, f, 0, 0, missing, live);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    @Test
    void sumsTheLatestVersionOfEachHost() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<Aggregate> in = env.fromData(List.<Aggregate>of(host("x", 0, 0, 0, 0)), AggregateTypeInfo.INSTANCE);
        var t = (OneInputTransformation<Aggregate, Aggregate>) ClusterWindow.cluster(in, Duration.ofSeconds(10),
                Duration.ofSeconds(5)).getTransformation();
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, Aggregate, Aggregate>(t.getOperatorFactory(),
                (KeySelector) t.getStateKeySelector(), (TypeInformation) t.getStateKeyType())) {
            h.open();
            h.processElement(host("h1", 1_000_000_000L, 90, 10, 3), 9_999);
            h.processElement(host("h2", 3_000_000_000L, 100, 0, 4), 9_999);
            h.processWatermark(9_999);
            // A late update of h1 replaces its first version.
            h.processElement(host("h1", 2_000_000_000L, 100, 0, 3), 9_999);
            List<Aggregate> out = h.extractOutputValues();
            assertEquals(2, out.size());
            ClusterAggregate first = (ClusterAggregate) out.get(0);
            assertEquals("cluster/10s/_all/0", first.id);
            assertEquals(2, first.hosts);
            assertEquals(4_000_000_000L, first.onCpuNs);
            assertEquals(40.0, first.cpuPct, 1e-12);
            assertEquals(190.0 / 200.0, first.coverage, 1e-12);
            assertEquals(7, first.liveProcesses);
            assertEquals(List.of(new SyscallCount("read", 20, 2)), first.topSyscalls);
            assertEquals(Map.of("0", 4L), first.exitsByCode);
            ClusterAggregate updated = (ClusterAggregate) out.get(1);
            assertEquals(2, updated.hosts);
            assertEquals(5_000_000_000L, updated.onCpuNs);
            assertEquals(1.0, updated.coverage, 1e-12);
            h.processWatermark(9_999 + 5_000);
            assertEquals(0, h.numKeyedStateEntries());
            assertEquals(0, h.numEventTimeTimers());
        }
    }
}
