package io.akmon.agent.loader;

import java.util.List;

/**
 * Every BPF program in the object: the family it serves, the tracepoint it hangs on, and whether
 * the agent can run without it. Required probes are the floor of a supported kernel.
 */
public enum Probe {
    FORK("akmon_fork", Family.PROCESS, "sched_process_fork", true),
    EXEC("akmon_exec", Family.PROCESS, "sched_process_exec", true),
    EXIT("akmon_exit", Family.PROCESS, "sched_process_exit", true),
    SYSCALL_EXIT("akmon_sys_exit", Family.SYSCALL, "sys_exit", true),
    /** Also reads each process's page faults and RSS from the task's own counters: memory needs it too. */
    SCHED_SWITCH("akmon_sched_switch", Family.CPU, "sched_switch", true),
    OOM("akmon_mark_victim", Family.MEMORY, "mark_victim", false),
    /** Who started each request (kernel 6.5 and later); without it, the process that issues it. */
    BLOCK_START("akmon_block_io_start", Family.DISK, "block_io_start", false),
    BLOCK_ISSUE("akmon_block_rq_issue", Family.DISK, "block_rq_issue", false),
    BLOCK_COMPLETE("akmon_block_rq_complete", Family.DISK, "block_rq_complete", false),
    SOCK_SEND("akmon_sock_send", Family.NET, "sock_send_length", false),
    SOCK_RECV("akmon_sock_recv", Family.NET, "sock_recv_length", false),
    TCP_STATE("akmon_inet_sock_set_state", Family.NET, "inet_sock_set_state", false),
    TCP_RETRANSMIT("akmon_tcp_retransmit_skb", Family.NET, "tcp_retransmit_skb", false),
    /** UDP datagrams per endpoint pair from the send and receive syscalls' exits. */
    UDP_EXIT("akmon_udp_exit", Family.NET, "sys_exit", false),
    /** File system changes from the syscalls' exits; a second program on sys_exit, attached only for the file family. */
    FILE_EXIT("akmon_file_exit", Family.FILE, "sys_exit", false);

    public enum Family {
        PROCESS, SYSCALL, CPU, MEMORY, DISK, NET, FILE;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Family parse(String s) {
            for (Family f : values()) {
                if (f.wireName().equalsIgnoreCase(s.trim())) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown family '" + s + "' (expected one of process, syscall, cpu, memory, disk, net, file)");
        }
    }

    private final String program;
    private final Family family;
    private final String tracepoint;
    private final boolean required;

    Probe(String program, Family family, String tracepoint, boolean required) {
        this.program = program;
        this.family = family;
        this.tracepoint = tracepoint;
        this.required = required;
    }

    public String program() {
        return program;
    }

    public Family family() {
        return family;
    }

    public String tracepoint() {
        return tracepoint;
    }

    public boolean required() {
        return required;
    }

    /** Whether collecting any of {@code families} needs this probe. */
    public boolean serves(java.util.Set<Family> families) {
        return families.contains(family) || (this == SCHED_SWITCH && families.contains(Family.MEMORY));
    }

    public static List<Probe> of(Family f) {
        return java.util.Arrays.stream(values()).filter(p -> p.family == f).toList();
    }

    public static Probe byProgram(String program) {
        for (Probe p : values()) {
            if (p.program.equals(program)) {
                return p;
            }
        }
        return null;
    }
}
