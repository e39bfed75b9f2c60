package io.akmon.flink.alert;

import io.akmon.flink.alert.rules.Rule;
import io.akmon.flink.alert.rules.Step;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The matches of a counting rule (one step, {@code times: N}, a condition on the fact alone, skip past the
 * last event), found with a window of the facts since the last match instead of an NFA. For such a pattern
 * CEP keeps a partial match for every fact in the window and advances each of them on every fact, so a
 * fork storm of 51 costs about 50 partial-match steps per fork; here it is one append.
 *
 * <p>The matches are those of the CEP operator, fact for fact: facts wait in keyed state until the
 * watermark passes them (a fact at or behind the watermark is late and dropped, as CEP drops it), then go
 * in timestamp order, in arrival order within one timestamp. Before the facts of a timestamp, the window
 * drops those that started {@code within} or more earlier (CEP's {@code advanceTime}); when it holds N
 * facts they are the match, and it starts empty again. With {@code consecutive}, a fact that fails the
 * step empties it. {@code CountRuleOperatorTest} holds this to CEP on
 * random streams.
 */
public final class CountRuleOperator extends AbstractStreamOperator<Alert>
        implements OneInputStreamOperator<Fact, Alert>, Triggerable<String, VoidNamespace> {
    private static final long serialVersionUID = 1L;
    public static final String LATE_DROPPED_METRIC = "numLateRecordsDropped";

    private final Rule rule;
    private final Step step;
    /** Window length in ms; 0 = no window. */
    private final long withinMs;

    private transient MapState<Long, List<Fact>> pending;
    private transient ValueState<List<Fact>> window;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient Counter lateDropped;

    public CountRuleOperator(Rule rule) {
        if (!applies(rule)) {
            throw new IllegalArgumentException("rule " + rule.name + " is not a counting rule");
        }
        this.rule = rule;
        this.step = rule.steps.get(0);
        this.withinMs = rule.within == null ? 0 : rule.within.toMillis();
    }

    /** Whether the rule's matches are a count of facts that each pass a condition of their own. */
    public static boolean applies(Rule rule) {
        if (rule.steps.size() != 1 || !"skip_past_last_event".equals(rule.afterMatch)) {
            return false;
        }
        Step s = rule.steps.get(0);
        return s.minTimes == s.maxTimes && s.minTimes >= 1 && !s.optional && !s.allowCombinations
                && !s.greedy && (s.where == null || !s.where.referencesSteps());
    }

    @Override
    public void open() throws Exception {
        super.open();
        ListSerializer<Fact> facts = new ListSerializer<>(FactSerializer.INSTANCE);
        pending = getRuntimeContext().getMapState(new MapStateDescriptor<>("pending", LongSerializer.INSTANCE, facts));
        window = getRuntimeContext().getState(new ValueStateDescriptor<>("window", facts));
        timers = getInternalTimerService("count-rule-timers", VoidNamespaceSerializer.INSTANCE, this);
        lateDropped = getMetricGroup().counter(LATE_DROPPED_METRIC);
    }

    @Override
    public void processElement(StreamRecord<Fact> element) throws Exception {
        long ts = element.getTimestamp();
        if (ts <= timers.currentWatermark()) {
            lateDropped.inc();
            return;
        }
        List<Fact> at = pending.get(ts);
        if (at == null) {
            at = new ArrayList<>(2);
            timers.registerEventTimeTimer(VoidNamespace.INSTANCE, ts);
        }
        at.add(element.getValue());
        pending.put(ts, at);
    }

    /**
     * One timer per pending timestamp, and timers fire in timestamp order, so each call takes just its own
     * timestamp's facts: the order CEP processes them in, without CEP's scan of every pending timestamp on
     * every timer. A timer with no facts of its own is the window's expiry.
     */
    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        long ts = timer.getTimestamp();
        List<Fact> current = window.value();
        if (current == null) {
            current = new ArrayList<>();
        }
        expire(current, ts);
        List<Fact> due = pending.get(ts);
        if (due != null) {
            for (Fact f : due) {
                if (!accepts(f)) {
                    if (step.consecutive) {
                        current.clear(); // strict contiguity: a fact that fails the step ends every run
                    }
                    continue;
                }
                current.add(f);
                if (current.size() == step.minTimes) {
                    output.collect(new StreamRecord<>(MatchToAlert.toAlert(rule, Map.of(step.name, current)), ts));
                    current = new ArrayList<>();
                }
            }
            pending.remove(ts);
        }
        if (current.isEmpty()) {
            window.clear();
        } else {
            window.update(current);
            if (withinMs > 0) {
                timers.registerEventTimeTimer(VoidNamespace.INSTANCE, current.get(0).timestamp + withinMs);
            }
        }
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {
        // event time only
    }

    private boolean accepts(Fact f) throws Exception {
        return step.type.equals(f.type) && (step.where == null || step.where.test(f, s -> List.of()));
    }

    /** Drops the facts that began {@code within} or more before {@code now}: no match can include them. */
    private void expire(List<Fact> facts, long now) {
        if (withinMs <= 0) {
            return;
        }
        int drop = 0;
        while (drop < facts.size() && now - facts.get(drop).timestamp >= withinMs) {
            drop++;
        }
        if (drop > 0) {
            facts.subList(0, drop).clear();
        }
    }
}
