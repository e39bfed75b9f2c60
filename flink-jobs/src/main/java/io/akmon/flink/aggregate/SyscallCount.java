package io.akmon.flink.aggregate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Calls and failed calls of one syscall. */
public class SyscallCount {
    public String name;
    public long count;
    public long errors;

    public SyscallCount() {
    }

    public SyscallCount(String name, long count, long errors) {
        this.name = name;
        this.count = count;
        this.errors = errors;
    }

    /** Busiest first; ties by name so the order is deterministic. */
    public static List<SyscallCount> ranked(Map<String, long[]> counts) {
        List<SyscallCount> list = new ArrayList<>();
        counts.forEach((k, v) -> list.add(new SyscallCount(k, v[0], v[1])));
        list.sort(Comparator.comparingLong((SyscallCount s) -> -s.count).thenComparing(s -> s.name));
        return list;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SyscallCount s && s.name.equals(name) && s.count == count && s.errors == errors;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Long.hashCode(count);
    }

    @Override
    public String toString() {
        return name + "=" + count + "/" + errors;
    }
}
