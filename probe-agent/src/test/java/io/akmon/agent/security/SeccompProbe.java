package io.akmon.agent.security;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a JVM of its own by SyscallFilterIT (the filter cannot be removed once installed): installs
 * the agent's filter, then tries what a running agent does and what it never does, one line each.
 */
public final class SeccompProbe {
    public static void main(String[] args) throws Exception {
        ServerSocket listening = new ServerSocket(0, 5, InetAddress.getLoopbackAddress()); // before: allowed
        System.out.println("installed " + SyscallFilter.install());

        Path f = Files.createTempFile("akmon-seccomp", ".tmp");
        Files.writeString(f, "spool-like write");
        Files.move(f, f.resolveSibling(f.getFileName() + ".moved"));
        Files.delete(f.resolveSibling(f.getFileName() + ".moved"));
        System.out.println("files ok");

        Thread t = new Thread(() -> System.out.println("thread ok"));
        t.start();
        t.join();

        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listening.getLocalPort()), 5000);
            System.out.println("connect ok");
        }

        try {
            Process p = new ProcessBuilder("/bin/true").start();
            System.out.println("exec allowed (exit " + p.waitFor() + ")");
        } catch (IOException e) {
            System.out.println("exec denied: " + e.getMessage());
        }

        try (ServerSocket another = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            System.out.println("listen allowed on " + another.getLocalPort());
        } catch (IOException e) {
            System.out.println("listen denied: " + e.getMessage());
        }
        System.out.flush();
    }
}
