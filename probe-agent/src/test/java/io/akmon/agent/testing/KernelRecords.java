package io.akmon.agent.testing;

import io.akmon.agent.decode.Layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Ring-buffer records built by hand, laid out as {@code bpf-src/akmon.h} says, for the decoder's tests. */
public final class KernelRecords {
    private KernelRecords() {
    }

    /** A zeroed record of {@code size} bytes with its header filled in. */
    public static ByteBuffer record(int type, int size, int cpu, long ts, long seq) {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(Layout.Hdr.TYPE, (short) type).putShort(Layout.Hdr.SIZE_FIELD, (short) size)
                .putInt(Layout.Hdr.CPU, cpu).putLong(Layout.Hdr.TS, ts).putLong(Layout.Hdr.SEQ, seq);
        return b;
    }

    /** A string field, UTF-8, at {@code off}; the zeroed bytes after it terminate it as the kernel's would. */
    public static void put(ByteBuffer b, int off, String s) {
        b.put(off, s.getBytes(StandardCharsets.UTF_8));
    }
}
