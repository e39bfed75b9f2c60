package io.akmon.flink.testing;

import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.ingest.Event;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import java.util.List;
import java.util.function.Function;

/** Takes the window operator the job's own builder makes and puts it in a keyed test harness. */
public final class WindowHarness {
    private WindowHarness() {
    }

    public static KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> of(
            Function<DataStream<Event>, SingleOutputStreamOperator<Aggregate>> builder) throws Exception {
        return of(builder, null);
    }

    /** As {@link #of(Function)}, on the given state backend (null: the harness's heap backend). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> of(
            Function<DataStream<Event>, SingleOutputStreamOperator<Aggregate>> builder, StateBackend backend)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<Event> in = env.fromData(List.of(new Event()), TypeInformation.of(Event.class));
        OneInputTransformation<Event, Aggregate> t =
                (OneInputTransformation<Event, Aggregate>) builder.apply(in).getTransformation();
        KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h = new KeyedOneInputStreamOperatorTestHarness<>(
                t.getOperatorFactory(), (KeySelector) t.getStateKeySelector(), (TypeInformation) t.getStateKeyType());
        if (backend != null) {
            h.setStateBackend(backend);
        }
        h.open();
        return h;
    }

    public static void send(KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h, Event... events)
            throws Exception {
        for (Event e : events) {
            h.processElement(e, e.timestampMillis());
        }
    }
}
