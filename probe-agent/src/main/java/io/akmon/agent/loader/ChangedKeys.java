package io.akmon.agent.loader;

import java.util.List;

/** Which drained-map entries changed since the previous drain (struct akmon_changed_key each). */
public interface ChangedKeys {
    /**
     * The keys of entries changed since the previous call, each once; null when that is not known
     * exactly (the caller then reads every entry).
     */
    List<byte[]> take();
}
