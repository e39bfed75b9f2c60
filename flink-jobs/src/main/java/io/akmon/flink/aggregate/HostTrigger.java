package io.akmon.flink.aggregate;

import io.akmon.flink.ingest.Event;
import org.apache.flink.streaming.api.windowing.triggers.EventTimeTrigger;
import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.triggers.TriggerResult;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;

/**
 * The host window's trigger: fires exactly as {@link EventTimeTrigger} (at the window end, and again for
 * each late record within the allowed lateness) and keeps the window's per-process figures in the
 * window-scoped state of {@link HostProcesses}, one entry per pid, which {@link HostWindow} reads when
 * the window fires. The trigger is the window operator's one per-record hook with access to state of
 * the window, so the per-process figures need not ride in the accumulator. The state is cleared with
 * the window, when its allowed lateness has passed.
 */
public class HostTrigger extends Trigger<Event, TimeWindow> {
    private static final long serialVersionUID = 1L;
    private final EventTimeTrigger timing = EventTimeTrigger.create();

    @Override
    public TriggerResult onElement(Event e, long timestamp, TimeWindow window, TriggerContext ctx) throws Exception {
        HostProcesses.add(ctx.getPartitionedState(HostProcesses.STATE), e);
        return timing.onElement(e, timestamp, window, ctx);
    }

    @Override
    public TriggerResult onEventTime(long time, TimeWindow window, TriggerContext ctx) throws Exception {
        return timing.onEventTime(time, window, ctx);
    }

    @Override
    public TriggerResult onProcessingTime(long time, TimeWindow window, TriggerContext ctx) throws Exception {
        return timing.onProcessingTime(time, window, ctx);
    }

    @Override
    public void clear(TimeWindow window, TriggerContext ctx) throws Exception {
        timing.clear(window, ctx);
        ctx.getPartitionedState(HostProcesses.STATE).clear();
    }

    @Override
    public String toString() {
        return "HostTrigger()";
    }
}
