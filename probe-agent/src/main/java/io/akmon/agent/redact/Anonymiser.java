package io.akmon.agent.redact;

import io.akmon.agent.loader.ProbeException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Set;

/**
 * Keyed-hash pseudonyms (HMAC-SHA256) for user ids and IP addresses: the same value under the same
 * key always gives the same token, so records still group by user or address, but the value cannot
 * be recovered without the key (a plain hash of a uid or an IPv4 address could be reversed by trying
 * them all).
 */
public final class Anonymiser {
    private static final int MIN_KEY_BYTES = 16;
    private final SecretKeySpec key;
    private final ThreadLocal<Mac> mac;

    public Anonymiser(byte[] keyBytes) {
        if (keyBytes.length < MIN_KEY_BYTES) {
            throw new ProbeException("the anonymisation key has " + keyBytes.length + " bytes; at least " + MIN_KEY_BYTES
                    + " are needed", "write a random key: head -c 32 /dev/urandom > FILE; chmod 600 FILE");
        }
        this.key = new SecretKeySpec(keyBytes.clone(), "HmacSHA256");
        this.mac = ThreadLocal.withInitial(this::newMac);
    }

    /** Reads the key from a file that others may not read (0600, 0400; 0440 for a Kubernetes Secret with fsGroup). */
    public static Anonymiser fromKeyFile(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            for (PosixFilePermission p : perms) {
                if (p.name().startsWith("OTHERS")) {
                    throw new ProbeException("anonymisation key file " + file + " is readable by others (mode "
                            + java.nio.file.attribute.PosixFilePermissions.toString(perms) + ")", "chmod 600 " + file);
                }
            }
            byte[] raw = Files.readAllBytes(file);
            return new Anonymiser(raw);
        } catch (IOException e) {
            throw new ProbeException("cannot read anonymisation key file " + file + ": " + e.getMessage(),
                    "check --anonymise-key-file (create one: head -c 32 /dev/urandom > FILE; chmod 600 FILE)");
        }
    }

    private Mac newMac() {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** {@code kind:} and the first 16 hex digits (64 bits) of HMAC(kind:value). */
    public String token(String kind, String value) {
        Mac m = mac.get();
        byte[] digest = m.doFinal((kind + ":" + value).getBytes(StandardCharsets.UTF_8));
        return kind + ":" + HexFormat.of().formatHex(digest, 0, 8);
    }
}
