package io.akmon.flink.aggregate;

import io.akmon.flink.config.JobOptions;
import io.akmon.flink.ingest.Event;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;

import java.time.Duration;

/**
 * The windowed aggregations of one window size. Each returns the window operator itself (last in its
 * chain) so tests can take it out and drive it with a keyed operator test harness. Uids carry the
 * window label, e.g. {@code process-window-10s}.
 */
public final class Windows {
    public static final TypeInformation<Aggregate> AGGREGATE = TypeInformation.of(Aggregate.class);
    private static final TypeInformation<Figures> FIGURES = TypeInformation.of(Figures.class);
    private static final TypeInformation<DiskFigures> DISK = TypeInformation.of(DiskFigures.class);
    private static final TypeInformation<ConnectionFigures> CONNECTION = TypeInformation.of(ConnectionFigures.class);

    private Windows() {
    }

    /** Records about a process (not loss reports or agent health). */
    public static boolean isProcessRecord(Event e) {
        return e.pid > 0 && !e.type.equals("lost") && !e.type.equals("agent");
    }

    public static SingleOutputStreamOperator<Aggregate> processes(DataStream<Event> unique, Duration size,
                                                                  Duration lateness) {
        String label = JobOptions.label(size);
        return unique
                .filter(Windows::isProcessRecord).name("process-records-" + label).uid("process-records-" + label)
                .keyBy(Keys::process)
                .window(TumblingEventTimeWindows.of(size)).allowedLateness(lateness)
                .aggregate(new FiguresAggregate(false), new ProcessWindow(label), FIGURES, FIGURES, AGGREGATE)
                .name("process-window-" + label).uid("process-window-" + label);
    }

    public static SingleOutputStreamOperator<Aggregate> hosts(DataStream<Event> unique, Duration size,
                                                              Duration lateness, Duration processIdle,
                                                              Duration streamIdle) {
        String label = JobOptions.label(size);
        return unique
                .keyBy(e -> e.host)
                .window(TumblingEventTimeWindows.of(size)).allowedLateness(lateness)
                // per-process figures in window state, not in the accumulator (see HostProcesses)
                .trigger(new HostTrigger())
                .aggregate(new FiguresAggregate(true),
                        new HostWindow(label, processIdle.toMillis(), streamIdle.toMillis()), FIGURES, FIGURES,
                        AGGREGATE)
                .name("host-window-" + label).uid("host-window-" + label);
    }

    public static SingleOutputStreamOperator<Aggregate> disks(DataStream<Event> unique, Duration size,
                                                              Duration lateness) {
        String label = JobOptions.label(size);
        return unique
                .filter(e -> e.type.equals("disk")).name("disk-records-" + label).uid("disk-records-" + label)
                .keyBy(Keys::disk)
                .window(TumblingEventTimeWindows.of(size)).allowedLateness(lateness)
                .aggregate(new DiskFigures.Aggregator(), new DiskWindow(label), DISK, DISK, AGGREGATE)
                .name("disk-window-" + label).uid("disk-window-" + label);
    }

    public static SingleOutputStreamOperator<Aggregate> connections(DataStream<Event> unique, Duration size,
                                                                    Duration lateness) {
        String label = JobOptions.label(size);
        return unique
                .filter(e -> e.type.equals("net")).name("net-records-" + label).uid("net-records-" + label)
                .keyBy(Keys::connection)
                .window(TumblingEventTimeWindows.of(size)).allowedLateness(lateness)
                .aggregate(new ConnectionFigures.Aggregator(), new ConnectionWindow(label), CONNECTION, CONNECTION,
                        AGGREGATE)
                .name("connection-window-" + label).uid("connection-window-" + label);
    }

    /** All hosts' aggregates of a window summed; input is the coverage-stamped stream. */
    public static SingleOutputStreamOperator<Aggregate> cluster(DataStream<Aggregate> stamped, Duration size,
                                                                Duration lateness) {
        String label = JobOptions.label(size);
        return stamped
                .filter(a -> a instanceof HostAggregate).name("host-aggregates-" + label)
                .uid("host-aggregates-" + label)
                .keyBy(a -> ClusterAggregate.ALL_HOSTS)
                .window(TumblingEventTimeWindows.of(size)).allowedLateness(lateness)
                .process(new ClusterWindow(label), AGGREGATE)
                .name("cluster-window-" + label).uid("cluster-window-" + label);
    }
}
