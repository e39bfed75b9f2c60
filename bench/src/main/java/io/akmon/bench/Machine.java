package io.akmon.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the figures were measured on. */
public record Machine(String cpu, int cores, long memoryBytes, String kernel, String java) {
    public static Machine here() {
        String cpu = "unknown";
        long mem = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    mem = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            String kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
            return new Machine(cpu, Runtime.getRuntime().availableProcessors(), mem, kernel, System.getProperty("java.version"));
        } catch (IOException e) {
            return new Machine(cpu, Runtime.getRuntime().availableProcessors(), mem, System.getProperty("os.version"),
                    System.getProperty("java.version"));
        }
    }
}
