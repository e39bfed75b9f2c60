package io.akmon.agent.drain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * What the agent knows about processes: their comm (from exec/fork/exit records, else /proc), and
 * which have exited, so their map entries can be removed once their last figures are drained.
 */
public final class ProcessTable {
    /** Drains to wait after an exit before deleting a process's entries: its last switch-out follows the exit record. */
    static final int DRAINS_AFTER_EXIT = 2;

    private final Map<Integer, String> comms = new HashMap<>();
    private final Map<Integer, Long> exitedAtDrain = new HashMap<>();
    private long drain;

    public synchronized void onExec(int pid, String comm) {
        comms.put(pid, comm);
        exitedAtDrain.remove(pid); // a reused pid is alive again
    }

    public synchronized void onFork(int pid, String comm) {
        comms.put(pid, comm);
        exitedAtDrain.remove(pid);
    }

    public synchronized void onExit(int pid, String comm) {
        if (comm != null && !comm.isEmpty()) {
            comms.put(pid, comm);
        }
        exitedAtDrain.put(pid, drain);
    }

    /** Whether the process's exit record has been seen (and no exec or fork has reused its pid since). */
    public synchronized boolean hasExited(int pid) {
        return exitedAtDrain.containsKey(pid);
    }

    /** The comm of a process, looked up in /proc the first time it is seen alive; "?" if unknown. */
    public synchronized String comm(int pid) {
        String c = comms.get(pid);
        if (c == null) {
            try {
                c = Files.readString(Path.of("/proc", Integer.toString(pid), "comm")).trim();
            } catch (IOException | SecurityException e) {
                c = "?";
            }
            comms.put(pid, c);
        }
        return c;
    }

    /**
     * Ends a drain round; returns the processes whose entries may now be deleted (exited at least
     * {@link #DRAINS_AFTER_EXIT} drains ago). They are forgotten.
     */
    public synchronized Set<Integer> endDrain() {
        drain++;
        Set<Integer> gone = new HashSet<>();
        for (Iterator<Map.Entry<Integer, Long>> it = exitedAtDrain.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Integer, Long> e = it.next();
            if (drain - e.getValue() >= DRAINS_AFTER_EXIT) {
                gone.add(e.getKey());
                comms.remove(e.getKey());
                it.remove();
            }
        }
        return gone;
    }

    /** Processes without an exit record that are no longer in /proc (their exit was filtered or lost). */
    public synchronized void sweepVanished(Set<Integer> seenInMaps) {
        for (int pid : seenInMaps) {
            if (!exitedAtDrain.containsKey(pid) && !Files.exists(Path.of("/proc", Integer.toString(pid)))) {
                exitedAtDrain.put(pid, drain);
            }
        }
    }

    public synchronized int tracked() {
        return comms.size();
    }
}
