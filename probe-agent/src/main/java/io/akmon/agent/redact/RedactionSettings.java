package io.akmon.agent.redact;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code redaction:} section of the agent's settings. Redaction of argv is on unless turned
 * off; anonymisation of user ids and IP addresses is on when a key file is given.
 */
public final class RedactionSettings {
    /** Redact secrets in argv before any record leaves the agent. */
    public boolean enabled = true;
    /**
     * Further regular expressions, applied to each argument after the built-in ones: the first
     * capturing group is replaced, or the whole match if the pattern has no group.
     */
    public List<String> patterns = new ArrayList<>();
    /** A file holding the HMAC key; when set, uids and IP addresses are replaced by keyed hashes. */
    public String anonymiseKeyFile;
}
