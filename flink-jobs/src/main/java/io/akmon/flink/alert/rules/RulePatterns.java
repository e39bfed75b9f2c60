package io.akmon.flink.alert.rules;

import io.akmon.flink.alert.Fact;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.conditions.IterativeCondition;

/** Compiles a validated rule into a Flink CEP pattern over facts. */
public final class RulePatterns {
    private RulePatterns() {
    }

    public static Pattern<Fact, Fact> compile(Rule rule) {
        AfterMatchSkipStrategy skip = switch (rule.afterMatch) {
            case "no_skip" -> AfterMatchSkipStrategy.noSkip();
            case "skip_to_next" -> AfterMatchSkipStrategy.skipToNext();
            default -> AfterMatchSkipStrategy.skipPastLastEvent();
        };
        Pattern<Fact, Fact> p = null;
        for (Step s : rule.steps) {
            if (p == null) {
                p = Pattern.begin(s.name, skip);
            } else {
                p = switch (s.contiguity) {
                    case NEXT -> p.next(s.name);
                    case FOLLOWED_BY -> p.followedBy(s.name);
                    case FOLLOWED_BY_ANY -> p.followedByAny(s.name);
                    case NOT_NEXT -> p.notNext(s.name);
                    case NOT_FOLLOWED_BY -> p.notFollowedBy(s.name);
                };
            }
            p = p.where(new StepCondition(s.type, s.where));
            if (s.maxTimes == -1) {
                p = s.minTimes == 1 ? p.oneOrMore() : p.timesOrMore(s.minTimes);
            } else if (s.minTimes != s.maxTimes) {
                p = p.times(s.minTimes, s.maxTimes);
            } else if (s.minTimes > 1) {
                p = p.times(s.minTimes);
            }
            if (s.consecutive) {
                p = p.consecutive();
            }
            if (s.allowCombinations) {
                p = p.allowCombinations();
            }
            if (s.optional) {
                p = p.optional();
            }
            if (s.greedy) {
                p = p.greedy();
            }
        }
        if (rule.within != null) {
            p = p.within(rule.within);
        }
        return p;
    }

    /** A step's condition: the fact's type first, then the step's where clause. */
    public static final class StepCondition extends IterativeCondition<Fact> {
        private static final long serialVersionUID = 1L;
        private final String type;
        private final Condition where;

        StepCondition(String type, Condition where) {
            this.type = type;
            this.where = where;
        }

        @Override
        public boolean filter(Fact fact, Context<Fact> ctx) throws Exception {
            return type.equals(fact.type) && (where == null || where.test(fact, ctx::getEventsForPattern));
        }
    }
}
