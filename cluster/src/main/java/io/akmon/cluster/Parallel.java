package io.akmon.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Runs start-up steps at once (servers wait for each other to form a quorum) and rethrows the first failure. */
final class Parallel {
    private Parallel() {
    }

    static void run(List<Runnable> steps) {
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (Runnable step : steps) {
            Thread t = new Thread(() -> {
                try {
                    step.run();
                } catch (RuntimeException | Error e) {
                    failures.add(e);
                }
            }, "akmon-cluster-start");
            t.start();
            threads.add(t);
        }
        try {
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        }
        if (!failures.isEmpty()) {
            Throwable f = failures.get(0);
            if (f instanceof RuntimeException r) {
                throw r;
            }
            throw (Error) f;
        }
    }
}
