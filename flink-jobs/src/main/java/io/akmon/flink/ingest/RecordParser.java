package io.akmon.flink.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;

import java.io.IOException;
import java.io.Serializable;

/**
 * Turns one JSON record into an {@link Event}, or explains why it cannot: the reason becomes the dead
 * letter's. Checks only what the aggregates rely on, so extra fields from a newer agent are harmless.
 *
 * <p>One streaming pass (Jackson's {@link JsonParser}, no tree): the fields the job reads land in a
 * {@link Fieldset}, the rest are skipped, then the checks run in a fixed order, so a record with several
 * problems always gets the same reason.
 */
public final class RecordParser implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final JsonFactory JSON = new JsonFactory();
    /** Default tolerance for clocks ahead of this machine's. */
    public static final long DEFAULT_MAX_FUTURE_MILLIS = 3_600_000L;

    private final long maxFutureMillis;

    public RecordParser() {
        this(DEFAULT_MAX_FUTURE_MILLIS);
    }

    /**
     * @param maxFutureMillis how far ahead of this machine's clock an event time may be; one record from
     *                        a host with a wild clock would otherwise push the watermark past everyone
     *                        else's records and make them all late
     */
    public RecordParser(long maxFutureMillis) {
        this.maxFutureMillis = maxFutureMillis;
    }

    /** The outcome: exactly one of event and reason is set. */
    public record Result(Event event, String reason) {
        static Result ok(Event e) {
            return new Result(e, null);
        }

        static Result bad(String reason) {
            return new Result(null, reason);
        }
    }

    /** Thrown inside the parser to abandon a record with a reason. */
    private static final class Invalid extends Exception {
        Invalid(String reason) {
            super(reason, null, false, false);
        }
    }

    public Result parse(byte[] payload) {
        if (payload == null || payload.length == 0) {
            return Result.bad("empty record");
        }
        Fieldset root;
        try (JsonParser p = JSON.createParser(payload)) {
            root = Fieldset.read(p);
        } catch (IOException e) {
            return Result.bad("not JSON: " + firstLine(e.getMessage()));
        }
        if (root == null) {
            return Result.bad("not a JSON object");
        }
        try {
            Event e = toEvent(root);
            long ahead = e.timestampMillis() - System.currentTimeMillis();
            if (ahead > maxFutureMillis) {
                return Result.bad("ts is " + ahead / 1000 + " s in the future (more than "
                        + maxFutureMillis / 1000 + " s ahead of this machine's clock)");
            }
            return Result.ok(e);
        } catch (Invalid e) {
            return Result.bad(e.getMessage());
        }
    }

    private static Event toEvent(Fieldset r) throws Invalid {
        Event e = new Event();
        e.schemaVersion = (int) requiredLong(r, Fields.SCHEMA);
        if (e.schemaVersion > Fields.SCHEMA_VERSION) {
            throw new Invalid("future schema version " + e.schemaVersion + " (this job reads up to "
                    + Fields.SCHEMA_VERSION + ")");
        }
        if (e.schemaVersion < 1) {
            throw new Invalid("invalid schema version " + e.schemaVersion);
        }
        String typeName = requiredText(r, Fields.TYPE);
        EventType type = EventType.fromWire(typeName);
        if (type == null) {
            throw new Invalid("unknown type '" + typeName + "'");
        }
        e.type = type.wireName();
        e.host = requiredText(r, Fields.HOST);
        e.bootId = requiredText(r, Fields.BOOT_ID);
        e.cpu = (int) requiredLong(r, Fields.CPU);
        e.seq = requiredLong(r, Fields.SEQ);
        e.ts = requiredLong(r, Fields.TS);
        if (e.ts <= 0) {
            throw new Invalid("ts must be positive nanoseconds since the epoch, got " + e.ts);
        }
        e.pid = (int) optionalLong(r, Fields.PID, 0);
        e.comm = optionalText(r, Fields.COMM);

        switch (type) {
            case FORK -> e.ppid = (int) optionalLong(r, Fields.PPID, 0);
            case EXEC -> {
                e.ppid = (int) optionalLong(r, Fields.PPID, 0);
                processContext(r, e);
            }
            case EXIT -> {
                e.ppid = (int) optionalLong(r, Fields.PPID, 0);
                e.exitCode = (int) requiredLong(r, Fields.EXIT_CODE);
                e.signal = (int) optionalLong(r, Fields.SIGNAL, 0);
                e.coreDumped = optionalBoolean(r, Fields.CORE_DUMPED);
                e.lifetimeNs = optionalLong(r, Fields.LIFETIME_NS, 0);
            }
            case SYSCALL -> {
                e.syscall = requiredText(r, Fields.SYSCALL);
                e.count = requiredLong(r, Fields.COUNT);
                e.errors = optionalLong(r, Fields.ERRORS, 0);
                e.intervalNs = optionalLong(r, Fields.INTERVAL_NS, 0);
            }
            case CPU -> {
                e.onCpuNs = requiredLong(r, Fields.ON_CPU_NS);
                e.intervalNs = optionalLong(r, Fields.INTERVAL_NS, 0);
            }
            case MEMORY -> {
                e.event = requiredText(r, Fields.EVENT);
                e.rssBytes = optionalLong(r, Fields.RSS_BYTES, 0);
                e.rssMaxBytes = optionalLong(r, Fields.RSS_MAX_BYTES, e.rssBytes);
                e.pageFaults = optionalLong(r, Fields.PAGE_FAULTS, 0);
                if (!"sample".equals(e.event) && !"oom_kill".equals(e.event)) {
                    throw new Invalid("unknown memory event '" + e.event + "'");
                }
                e.initial = "sample".equals(e.event) && optionalBoolean(r, Fields.INITIAL);
                if (e.initial) {
                    e.ppid = (int) optionalLong(r, Fields.PPID, 0);
                    e.startTs = optionalLong(r, Fields.START_TS, 0);
                    processContext(r, e);
                }
            }
            case DISK -> {
                e.dev = optionalText(r, Fields.DEV);
                e.device = requiredText(r, Fields.DEVICE);
                e.op = requiredText(r, Fields.OP);
                if (!"read".equals(e.op) && !"write".equals(e.op)) {
                    throw new Invalid("unknown disk op '" + e.op + "'");
                }
                e.ops = requiredLong(r, Fields.OPS);
                e.bytes = requiredLong(r, Fields.BYTES);
                e.latencyNsSum = optionalLong(r, Fields.LATENCY_NS_SUM, 0);
                e.latencyHistUs = histogram(r, Fields.LATENCY_HIST_US);
                e.intervalNs = optionalLong(r, Fields.INTERVAL_NS, 0);
            }
            case NET -> {
                e.event = requiredText(r, Fields.EVENT);
                if ("interface".equals(e.event)) { // a host's interface counters, per drain
                    e.device = requiredText(r, Fields.DEVICE);
                    e.ifCounters = new long[Fields.INTERFACE_COUNTERS.length];
                    for (int i = 0; i < e.ifCounters.length; i++) {
                        e.ifCounters[i] = requiredLong(r, Fields.INTERFACE_COUNTERS[i]);
                    }
                    e.intervalNs = optionalLong(r, Fields.INTERVAL_NS, 0);
                    break;
                }
                switch (e.event) {
                    case "connect", "accept", "close", "stats", "udp" -> { }
                    default -> throw new Invalid("unknown net event '" + e.event + "'");
                }
                e.conn = requiredText(r, Fields.CONN);
                e.saddr = optionalText(r, Fields.SADDR);
                e.daddr = optionalText(r, Fields.DADDR);
                e.sport = (int) optionalLong(r, Fields.SPORT, 0);
                e.dport = (int) optionalLong(r, Fields.DPORT, 0);
                e.bytesSent = optionalLong(r, Fields.BYTES_SENT, 0);
                e.bytesReceived = optionalLong(r, Fields.BYTES_RECEIVED, 0);
                e.retransmits = optionalLong(r, Fields.RETRANSMITS, 0);
                e.datagramsSent = optionalLong(r, Fields.DATAGRAMS_SENT, 0);
                e.datagramsReceived = optionalLong(r, Fields.DATAGRAMS_RECEIVED, 0);
                e.intervalNs = optionalLong(r, Fields.INTERVAL_NS, 0);
            }
            case LOST -> {
                e.source = requiredText(r, Fields.SOURCE);
                e.lost = requiredLong(r, Fields.LOST);
                e.sourceCpu = (int) optionalLong(r, Fields.SOURCE_CPU, -1);
            }
            case FILE -> {
                e.op = requiredText(r, Fields.OP);
                if ("read".equals(e.op) || "write".equals(e.op)) { // bytes through descriptors, per interval
                    e.fdKind = requiredText(r, Fields.FD_KIND);
                    switch (e.fdKind) {
                        case "file", "socket", "pipe", "other" -> { }
                        default -> throw new Invalid("unknown fd_kind '" + e.fdKind + "'");
                    }
                    e.ops = requiredLong(r, Fields.OPS);
                    e.bytes = requiredLong(r, Fields.BYTES);
                    e.intervalNs = optionalLong(r, Fields.INTERVAL_NS, 0);
                    break;
                }
                switch (e.op) {
                    case "create", "open", "unlink", "rename", "mkdir", "rmdir", "chmod", "chown", "truncate" -> { }
                    default -> throw new Invalid("unknown file op '" + e.op + "'");
                }
                e.path = requiredText(r, Fields.PATH);
                e.newPath = optionalText(r, Fields.NEW_PATH);
                e.errno = (int) optionalLong(r, Fields.ERRNO, 0);
            }
            case HOST -> {
                e.cpuBusyNs = requiredLong(r, Fields.CPU_BUSY_NS);
                e.intervalNs = requiredLong(r, Fields.INTERVAL_NS);
                e.memTotalBytes = optionalLong(r, Fields.MEM_TOTAL_BYTES, 0);
                e.memAvailableBytes = optionalLong(r, Fields.MEM_AVAILABLE_BYTES, 0);
                e.memUsedBytes = optionalLong(r, Fields.MEM_USED_BYTES, e.memTotalBytes - e.memAvailableBytes);
            }
            case AGENT -> { } // counted for coverage
            case HEARTBEAT -> e.closing = optionalBoolean(r, Fields.CLOSING); // the host's progress, in ts: read by the watermarks, dropped after
            default -> throw new Invalid("unhandled type " + type);
        }
        return e;
    }

    /** uid (a number, or a token when the agent anonymises uids), filename and argv, each optional. */
    private static void processContext(Fieldset r, Event e) throws Invalid {
        e.uid = optionalText(r, Fields.UID);
        e.filename = optionalText(r, Fields.FILENAME);
        int kind = r.kind(Fields.ARGV);
        if (kind == Fieldset.ARRAY) {
            if (r.argvError >= 0) {
                throw new Invalid(Fields.ARGV + "[" + r.argvError + "] is not a string");
            }
            e.argv = r.argv;
        } else if (kind != Fieldset.ABSENT && kind != Fieldset.NULL) {
            throw new Invalid(Fields.ARGV + " is not an array of strings");
        }
    }

    private static long[] histogram(Fieldset r, String field) throws Invalid {
        int kind = r.kind(field);
        if (kind == Fieldset.ABSENT || kind == Fieldset.NULL) {
            return null;
        }
        if (kind != Fieldset.ARRAY) {
            throw new Invalid(field + " is not an array");
        }
        if (r.histogramError >= 0) {
            throw new Invalid(field + "[" + r.histogramError + "] is not an integer");
        }
        return r.histogram;
    }

    private static long requiredLong(Fieldset r, String field) throws Invalid {
        int kind = r.kind(field);
        if (kind == Fieldset.ABSENT || kind == Fieldset.NULL) {
            throw new Invalid("missing field " + field);
        }
        if (kind != Fieldset.INTEGER) {
            throw new Invalid("field " + field + " is not an integer");
        }
        return r.number(field);
    }

    private static long optionalLong(Fieldset r, String field, long dflt) throws Invalid {
        int kind = r.kind(field);
        if (kind == Fieldset.ABSENT || kind == Fieldset.NULL) {
            return dflt;
        }
        if (kind != Fieldset.INTEGER) {
            throw new Invalid("field " + field + " is not an integer");
        }
        return r.number(field);
    }

    private static String requiredText(Fieldset r, String field) throws Invalid {
        int kind = r.kind(field);
        if (kind == Fieldset.ABSENT || kind == Fieldset.NULL) {
            throw new Invalid("missing field " + field);
        }
        if (kind != Fieldset.TEXT) {
            throw new Invalid("field " + field + " is not a string");
        }
        return r.text(field);
    }

    /** Any value as text (numbers and booleans as written, objects and arrays as ""). */
    private static String optionalText(Fieldset r, String field) {
        int kind = r.kind(field);
        return kind == Fieldset.ABSENT || kind == Fieldset.NULL ? null : r.text(field);
    }

    /** true, a non-zero integer or the text "true"; anything else is false. */
    private static boolean optionalBoolean(Fieldset r, String field) {
        return switch (r.kind(field)) {
            case Fieldset.BOOLEAN, Fieldset.INTEGER -> r.number(field) != 0;
            case Fieldset.TEXT -> "true".equals(r.text(field).trim());
            default -> false;
        };
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
