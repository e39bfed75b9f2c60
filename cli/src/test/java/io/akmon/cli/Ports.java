package io.akmon.cli;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Whether something still listens where a component of the pipeline did. */
final class Ports {
    private Ports() {
    }

    static boolean listening(String hostPort) {
        String[] hp = hostPort.split(":");
        try (Socket s = new Socket(hp[0], Integer.parseInt(hp[1]))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The local addresses of every TCP socket this JVM listens on, as the kernel shows them in
     * /proc/net/tcp and tcp6 (hex address:port), found through this process's socket inodes.
     */
    static List<String> listeningAddressesOfThisProcess() throws IOException {
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closed) {
                    // closed meanwhile
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f[3].equals("0A") && inodes.contains(f[9])) { // 0A: LISTEN
                    out.add(f[1]);
                }
            }
        }
        return out;
    }

    /** Whether a /proc/net/tcp{,6} address is on loopback: 127.0.0.0/8, ::1 or ::ffff:127.x. */
    static boolean isLoopback(String hexAddressPort) {
        String addr = hexAddressPort.substring(0, hexAddressPort.indexOf(':'));
        if (addr.length() == 8) {
            return addr.endsWith("7F"); // little-endian: the first octet is the last byte
        }
        return addr.equals("00000000000000000000000001000000") || (addr.startsWith("0000000000000000FFFF0000") && addr.endsWith("7F"));
    }
}
