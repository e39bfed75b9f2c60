package io.akmon.agent.host;

import io.akmon.agent.loader.LibC;
import io.akmon.agent.loader.Native;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who and when: the host name and boot id stamped on every record, and the offset that turns the
 * kernel's CLOCK_BOOTTIME stamps into Unix time.
 */
public final class HostIdentity {
    private static final String HOSTNAME = "/proc/sys/kernel/hostname";
    private static final String BOOT_ID = "/proc/sys/kernel/random/boot_id";

    private final String host;
    private final String bootId;
    private final long bootEpochNs;

    public HostIdentity(String host, String bootId, long bootEpochNs) {
        this.host = host;
        this.bootId = bootId;
        this.bootEpochNs = bootEpochNs;
    }

    /** Reads this machine's identity; {@code hostOverride} replaces the kernel's host name if set. */
    public static HostIdentity local(String hostOverride) {
        String host = hostOverride != null && !hostOverride.isBlank() ? hostOverride : read(HOSTNAME);
        String bootId = read(BOOT_ID);
        return new HostIdentity(host, bootId, bootEpochNs());
    }

    /** The kernel's host name, or {@code localhost} if it cannot be read. */
    public static String kernelHostName() {
        return readOr(HOSTNAME, "localhost");
    }

    /** This boot's id, or {@code unknown} if it cannot be read. */
    public static String kernelBootId() {
        return readOr(BOOT_ID, "unknown");
    }

    private static String readOr(String path, String fallback) {
        try {
            return Files.readString(Path.of(path)).trim();
        } catch (IOException e) {
            return fallback;
        }
    }

    /** Unix time of boot in ns: realtime minus boottime, sampled back to back. */
    static long bootEpochNs() {
        LibC libc = Native.libc();
        jnr.ffi.Runtime rt = jnr.ffi.Runtime.getRuntime(libc);
        LibC.Timespec real = new LibC.Timespec(rt);
        LibC.Timespec boot = new LibC.Timespec(rt);
        long best = Long.MAX_VALUE;
        long offset = 0;
        for (int i = 0; i < 5; i++) { // keep the pair read closest together
            long t0 = System.nanoTime();
            libc.clock_gettime(LibC.CLOCK_REALTIME, real);
            libc.clock_gettime(LibC.CLOCK_BOOTTIME, boot);
            long spread = System.nanoTime() - t0;
            if (spread < best) {
                best = spread;
                offset = (real.sec.get() - boot.sec.get()) * 1_000_000_000L + (real.nsec.get() - boot.nsec.get());
            }
        }
        return offset;
    }

    /** CLOCK_BOOTTIME now, in ns: the clock the kernel stamps records with. */
    public static long boottimeNs() {
        LibC libc = Native.libc();
        LibC.Timespec ts = new LibC.Timespec(jnr.ffi.Runtime.getRuntime(libc));
        libc.clock_gettime(LibC.CLOCK_BOOTTIME, ts);
        return ts.sec.get() * 1_000_000_000L + ts.nsec.get();
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path)).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    public String host() {
        return host;
    }

    public String bootId() {
        return bootId;
    }

    /** Kernel boottime ns to Unix epoch ns. */
    public long toEpochNs(long boottimeNs) {
        return bootEpochNs + boottimeNs;
    }
}
