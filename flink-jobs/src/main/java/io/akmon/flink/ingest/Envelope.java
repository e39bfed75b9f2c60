package io.akmon.flink.ingest;

/** What the source emits: either a parsed event or a dead letter, never both. */
public class Envelope {
    public Event event;
    public DeadLetter deadLetter;

    public Envelope() {
    }

    public static Envelope of(Event event) {
        Envelope e = new Envelope();
        e.event = event;
        return e;
    }

    public static Envelope dead(DeadLetter deadLetter) {
        Envelope e = new Envelope();
        e.deadLetter = deadLetter;
        return e;
    }
}
