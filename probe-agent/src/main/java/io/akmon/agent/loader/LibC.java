package io.akmon.agent.loader;

import jnr.ffi.Pointer;
import jnr.ffi.Struct;

/** The few libc calls the agent needs that the JDK does not offer. */
public interface LibC {
    int CLOCK_REALTIME = 0;
    int CLOCK_BOOTTIME = 7;

    final class Timespec extends Struct {
        public final Signed64 sec = new Signed64();
        public final Signed64 nsec = new Signed64();

        public Timespec(jnr.ffi.Runtime runtime) {
            super(runtime);
        }
    }

    int clock_gettime(int clock, Timespec ts);

    int geteuid();

    int vsnprintf(Pointer buf, long size, Pointer format, Pointer vaList);

    String strerror(int errnum);

    int close(int fd);

    int mount(String source, String target, String fstype, long flags, Pointer data);
}
