package io.akmon.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The classpath of the server processes: Kafka, the Flink runtime and client, RocksDB, Elasticsearch and a
 * log4j binding, exactly as Maven resolved them for this module ({@code target/cluster.classpath}, written
 * by the build). Override with {@code -Dakmon.cluster.classpath=FILE}.
 */
public final class Classpath {
    private static volatile String cached;

    private Classpath() {
    }

    public static String runtime() {
        String cp = cached;
        if (cp == null) {
            Path file = Path.of(System.getProperty("akmon.cluster.classpath", "target/cluster.classpath"));
            try {
                cp = Files.readString(file).trim();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the cluster classpath " + file.toAbsolutePath()
                        + "; fix: build the module first (mvn -pl cluster -am package -DskipTests)", e);
            }
            cached = cp;
        }
        return cp;
    }
}
