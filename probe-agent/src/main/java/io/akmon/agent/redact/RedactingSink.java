package io.akmon.agent.redact;

import io.akmon.agent.event.Event;
import io.akmon.agent.publish.EventSink;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;

import java.nio.file.Path;
import java.util.List;

/**
 * Sits between the decoder and every sink (stdout, spool, Kafka): secrets in argv are replaced and,
 * with a key, uids and IP addresses become keyed-hash tokens, before anything is written anywhere.
 */
public final class RedactingSink implements EventSink {
    private final EventSink next;
    private final ArgvRedactor argv;
    private final Anonymiser anonymiser;

    private RedactingSink(EventSink next, ArgvRedactor argv, Anonymiser anonymiser) {
        this.next = next;
        this.argv = argv;
        this.anonymiser = anonymiser;
    }

    /** {@code sink} behind redaction as {@code settings} say; {@code sink} itself if they ask for none. */
    public static EventSink around(EventSink sink, RedactionSettings settings) {
        RedactionSettings s = settings != null ? settings : new RedactionSettings();
        ArgvRedactor redactor = s.enabled ? ArgvRedactor.withPatterns(s.patterns) : null;
        Anonymiser anonymiser = s.anonymiseKeyFile != null && !s.anonymiseKeyFile.isBlank()
                ? Anonymiser.fromKeyFile(Path.of(s.anonymiseKeyFile)) : null;
        return redactor == null && anonymiser == null ? sink : new RedactingSink(sink, redactor, anonymiser);
    }

    @Override
    public void accept(Event e) {
        next.accept(apply(e));
    }

    @SuppressWarnings("unchecked")
    Event apply(Event e) {
        // Exec records, and the initial samples that carry an older process's command line from /proc.
        boolean commandLine = e.type() == EventType.EXEC || Boolean.TRUE.equals(e.get(Fields.INITIAL));
        if (commandLine && argv != null && e.get(Fields.ARGV) instanceof List<?> args) {
            List<String> redacted = argv.redact((List<String>) args);
            if (redacted != args) {
                e.set(Fields.ARGV, redacted);
            }
        }
        if (anonymiser != null) {
            if (e.get(Fields.UID) instanceof Number uid) {
                e.set(Fields.UID, anonymiser.token("uid", Long.toString(uid.longValue() & 0xffffffffL)));
            }
            if (e.type() == EventType.NET) {
                anonymiseAddress(e, Fields.SADDR);
                anonymiseAddress(e, Fields.DADDR);
            }
        }
        return e;
    }

    private void anonymiseAddress(Event e, String field) {
        Object v = e.get(field);
        if (v instanceof String address && !address.isEmpty()) {
            e.set(field, anonymiser.token("ip", address));
        }
    }

    @Override
    public void flush() {
        next.flush();
    }

    @Override
    public void close() {
        next.close();
    }
}
