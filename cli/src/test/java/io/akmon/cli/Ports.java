package io.akmon.cli;

import java.io.IOException;
import java.net.Socket;

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
}
