package io.akmon.agent.security;

import io.akmon.agent.AgentSettings;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** The agent's security options: the system call filter, argv redaction and anonymisation. */
public final class SecurityOptions {
    @Option(names = "--seccomp", negatable = true,
            description = "After start-up, allow only the system calls a running agent makes (README \"Security\"). "
                    + "Default: off here, on in the shipped unit and manifests.")
    Boolean seccomp;

    @Option(names = "--redact", negatable = true,
            description = "Replace secrets in argv (passwords, tokens, keys, URL credentials, Authorization headers) "
                    + "before records leave the host. Default: on; --no-redact turns it off.")
    Boolean redact;

    @Option(names = "--redact-pattern", paramLabel = "REGEX",
            description = "A further pattern to redact in each argument: its first group, or the whole match (repeatable).")
    List<String> redactPatterns;

    @Option(names = "--anonymise-key-file", paramLabel = "FILE",
            description = "HMAC key (a file only its owner can read): uids and IP addresses become keyed-hash tokens.")
    String anonymiseKeyFile;

    /** Applies the options given to {@code s} (flags win over the config file). */
    public void applyTo(AgentSettings s) {
        if (seccomp != null) s.seccomp = seccomp;
        if (redact != null) s.redaction.enabled = redact;
        if (redactPatterns != null) {
            List<String> all = new ArrayList<>(s.redaction.patterns);
            all.addAll(redactPatterns);
            s.redaction.patterns = all;
        }
        if (anonymiseKeyFile != null) s.redaction.anonymiseKeyFile = anonymiseKeyFile;
    }
}
