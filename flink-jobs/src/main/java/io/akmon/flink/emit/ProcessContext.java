package io.akmon.flink.emit;

import io.akmon.flink.fold.ProcessFold;

import java.util.Map;

/**
 * Who a process is, carried across windows (in {@link HostHistory}) so every document of the process
 * shows it, not only the window of its fork or exec: its parent, its image (exe, argv, uid) and where
 * that came from, and its start. Each part is "latest by event time", so the order in which windows
 * bring them does not matter; a later start (the pid reused by a new fork) forgets what an earlier
 * life said, and a child that has not exec'd runs its parent's image.
 */
public final class ProcessContext {
    /** The image came from an exec record. */
    public static final String FROM_EXEC = "exec";
    /** The image was read from /proc at agent start: the process is older than the agent. */
    public static final String FROM_PROC = "proc";
    /** The image is the parent's: the process forked and has not exec'd since. */
    public static final String FROM_PARENT = "parent";

    public long parentTs = Long.MIN_VALUE;
    /** 0: unknown. */
    public int ppid;
    public long imageTs = Long.MIN_VALUE;
    /** null when no image is known; else one of FROM_EXEC, FROM_PROC, FROM_PARENT. */
    public String source;
    public String exe;
    public String[] argv;
    public String uid;
    /** ns since the epoch; 0: unknown. */
    public long startTs;

    /** Takes what a window's fold of the process says; {@code all} gives the parent's context for a child's image. */
    void update(ProcessFold f, Map<Integer, ProcessContext> all) {
        if (f.has(ProcessFold.START) && f.startTs > startTs) {
            startTs = f.startTs;
            if (parentTs < startTs) {
                parentTs = Long.MIN_VALUE;
                ppid = 0;
            }
            if (imageTs < startTs) {
                clearImage();
            }
        }
        if (f.has(ProcessFold.PARENT) && f.parentTs >= parentTs && (startTs == 0 || f.parentTs >= startTs)) {
            parentTs = f.parentTs;
            ppid = f.ppid;
        }
        if (f.has(ProcessFold.IMAGE) && f.imageTs >= imageTs && (startTs == 0 || f.imageTs >= startTs)) {
            imageTs = f.imageTs;
            source = f.imageFromProc ? FROM_PROC : FROM_EXEC;
            exe = f.exe;
            argv = f.argv;
            uid = f.uid;
        }
        if ((source == null || FROM_PARENT.equals(source)) && ppid > 0 && startTs > 0) {
            ProcessContext parent = all.get(ppid);
            if (parent != null && parent.source != null && parent != this) {
                imageTs = startTs;
                source = FROM_PARENT;
                exe = parent.exe;
                argv = parent.argv;
                uid = parent.uid;
            }
        }
    }

    private void clearImage() {
        imageTs = Long.MIN_VALUE;
        source = null;
        exe = null;
        argv = null;
        uid = null;
    }
}
