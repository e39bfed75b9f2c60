package io.akmon.flink.sink.es;

/**
 * Which Elasticsearch failures are worth a retry. Overload (429) and server-side trouble (5xx) pass;
 * the same document sent again will be accepted once the cluster recovers. Everything else (400 bad
 * request or mapping conflict, 409, 413 too large, 403 blocked index) fails the same way every time.
 */
public final class EsFailures {
    public static final int TOO_MANY_REQUESTS = 429;
    public static final int PAYLOAD_TOO_LARGE = 413;

    private EsFailures() {
    }

    public static boolean retryable(int status) {
        return status == TOO_MANY_REQUESTS || status >= 500;
    }

    /** The retry delay before attempt {@code attempt} (0-based), capped at {@code maxMillis}. */
    public static long delayMillis(EsSinkOptions.Backoff backoff, long firstMillis, long maxMillis, int attempt) {
        long d = switch (backoff) {
            case EXPONENTIAL -> firstMillis << Math.min(attempt, 30);
            case CONSTANT, NONE -> firstMillis;
        };
        return Math.max(0, Math.min(d < 0 ? maxMillis : d, maxMillis));
    }
}
