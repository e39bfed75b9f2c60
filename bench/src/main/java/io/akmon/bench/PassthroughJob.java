package io.akmon.bench;

import io.akmon.flink.AggregationJob;
import io.akmon.flink.config.JobOptions;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * The Flink suite's baseline: the aggregation job's own Kafka source (its deserializer parses every
 * record), watermarks, state backend and exactly-once checkpoints, and nothing after it but a sink that
 * discards. It takes the aggregation job's flags. It runs in the job's process, on the classpath of the
 * packaged job jar; {@link FlinkSuite} puts this one class into a jar of its own beside it, so it must
 * not use any other class of the bench.
 */
public final class PassthroughJob {
    private PassthroughJob() {
    }

    public static void main(String[] args) throws Exception {
        JobOptions options = JobOptions.parse(args);
        if (options == null) {
            return;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                AggregationJob.flinkConfiguration(options));
        env.enableCheckpointing(options.checkpointInterval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
        if (options.parallelism > 0) {
            env.setParallelism(options.parallelism);
        }
        env.fromSource(AggregationJob.kafkaSource(options), AggregationJob.watermarks(options), "kafka-records")
                .uid("kafka-records")
                .sinkTo(new DiscardingSink<>()).name("discard").uid("discard");
        env.execute(options.jobName);
    }
}
