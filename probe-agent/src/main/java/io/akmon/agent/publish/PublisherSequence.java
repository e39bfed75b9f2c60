package io.akmon.agent.publish;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Sequence numbers of the sink's own records, kept in a file so that numbering continues across
 * restarts within one boot (a new boot id starts again at 1). Each number is written through
 * before it is used, so a number is never handed out twice.
 */
final class PublisherSequence {
    /** Its file's name in the spool directory. */
    static final String FILE = "publisher.seq";

    private final Path file;
    private final String bootId;
    private long last;

    private PublisherSequence(Path file, String bootId, long last) {
        this.file = file;
        this.bootId = bootId;
        this.last = last;
    }

    static PublisherSequence open(Path file, String bootId) throws IOException {
        long last = 0;
        if (Files.exists(file)) {
            String[] parts = Files.readString(file, StandardCharsets.UTF_8).trim().split("\\s+");
            if (parts.length == 2 && parts[0].equals(bootId)) {
                try {
                    last = Long.parseLong(parts[1]);
                } catch (NumberFormatException e) {
                    throw new IOException(file + " is damaged (" + e.getMessage() + "); delete it to restart the sink's numbering");
                }
            }
        }
        PublisherSequence s = new PublisherSequence(file, bootId, last);
        s.write(last);
        return s;
    }

    synchronized long next() throws IOException {
        write(last + 1);
        return ++last;
    }

    private void write(long value) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, bootId + " " + value + "\n", StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
