package io.akmon.schema.contract;

/** Where a field's value comes from: what README's event schema says for each field. */
public enum Origin {
    /** The kernel side: a ring-buffer record of bpf-src/akmon.h or a kernel map the agent drains. */
    KERNEL("the kernel"),
    /** The agent's reads of /proc and /sys (host figures, interfaces, processes older than the agent). */
    PROC("the agent's /proc and /sys reads"),
    /** The agent itself: identity, names it resolves, figures it computes, its health and loss accounting. */
    AGENT("the agent"),
    /** Not on the wire: the Flink jobs derive it (rules may name it). */
    JOB("the job");

    private final String label;

    Origin(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
