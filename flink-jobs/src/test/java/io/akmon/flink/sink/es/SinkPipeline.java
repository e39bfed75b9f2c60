package io.akmon.flink.sink.es;

import io.akmon.flink.aggregate.Aggregate;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.time.Duration;

/**
 * A MiniCluster job that feeds {@link AggregateFixtures} documents through the pipeline's own
 * Elasticsearch sink: a checkpointed, bounded sequence source regenerates the same aggregates after a
 * restart, and an optional delay per record stretches the run so an outage can hit its middle.
 */
public final class SinkPipeline {
    private SinkPipeline() {
    }

    public static JobClient start(EsSinkOptions options, long endMillis, int windows, long delayPerRecordMs)
            throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 60);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(300, CheckpointingMode.EXACTLY_ONCE);

        long count = (long) windows * AggregateFixtures.PER_WINDOW;
        env.fromSequence(0, count - 1).name("fixture-indices")
                .map(i -> {
                    if (delayPerRecordMs > 0) {
                        Thread.sleep(delayPerRecordMs);
                    }
                    return new AggregateFixtures(endMillis, windows).aggregate(i);
                })
                .returns(TypeInformation.of(Aggregate.class))
                .name("fixture-aggregates")
                .sinkTo(ElasticsearchSinks.aggregates(options)).name("es-sink");
        return env.executeAsync("es-sink-fixture");
    }

    /** Runs the job to its end. */
    public static void run(EsSinkOptions options, long endMillis, int windows) throws Exception {
        start(options, endMillis, windows, 0).getJobExecutionResult().get();
    }
}
