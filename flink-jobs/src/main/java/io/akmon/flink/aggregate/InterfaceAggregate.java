package io.akmon.flink.aggregate;

/**
 * One network interface of one host in one window: what the kernel's counters of it moved
 * (/sys/class/net/DEVICE/statistics, read by the agent at each drain).
 */
public class InterfaceAggregate extends Aggregate {
    public static final String KIND = "interface";

    public String device;
    public long rxBytes;
    public long txBytes;
    public long rxPackets;
    public long txPackets;
    public long rxDropped;
    public long txDropped;
    public long rxErrors;
    public long txErrors;
    public double rxBytesPerSec;
    public double txBytesPerSec;

    public InterfaceAggregate() {
    }

    /** {@code c}: the counters in Fields.INTERFACE_COUNTERS order. */
    public static InterfaceAggregate of(String resolution, String host, String device, long start, long end, long[] c) {
        InterfaceAggregate a = new InterfaceAggregate();
        a.identify(KIND, resolution, host, device, start, end);
        a.device = device;
        a.rxBytes = c[0];
        a.txBytes = c[1];
        a.rxPackets = c[2];
        a.txPackets = c[3];
        a.rxDropped = c[4];
        a.txDropped = c[5];
        a.rxErrors = c[6];
        a.txErrors = c[7];
        a.rxBytesPerSec = perSecond(a.rxBytes, a.windowSeconds());
        a.txBytesPerSec = perSecond(a.txBytes, a.windowSeconds());
        return a;
    }
}
