package io.akmon.agent.drain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Kernel dev_t (major << 20 | minor) to "major:minor" and the block device's name from sysfs. */
public final class DeviceNames {
    private final Map<Integer, String> names = new ConcurrentHashMap<>();

    public static String majorMinor(int dev) {
        return (dev >>> 20) + ":" + (dev & 0xfffff);
    }

    public String name(int dev) {
        return names.computeIfAbsent(dev, d -> {
            Path uevent = Path.of("/sys/dev/block", majorMinor(d), "uevent");
            try {
                for (String line : Files.readAllLines(uevent)) {
                    if (line.startsWith("DEVNAME=")) {
                        return line.substring("DEVNAME=".length());
                    }
                }
            } catch (IOException e) {
                // fall through: a device gone since the I/O
            }
            return majorMinor(d);
        });
    }
}
