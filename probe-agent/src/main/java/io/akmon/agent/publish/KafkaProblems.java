package io.akmon.agent.publish;

import io.akmon.agent.loader.ProbeException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

import java.util.Map;

/**
 * Kafka failures the user must act on, turned into one line with the fix: an authentication that
 * failed names its mechanism and what to check.
 */
final class KafkaProblems {
    private KafkaProblems() {
    }

    /** The authentication failure among {@code t} and its causes, explained; null if there is none. */
    static ProbeException authentication(Throwable t, String bootstrap, Map<String, ?> clientProps) {
        AuthenticationException auth = find(t, AuthenticationException.class);
        if (auth == null) {
            return null;
        }
        String protocol = setting(clientProps, "security.protocol", "PLAINTEXT");
        String detail = String.valueOf(auth.getMessage());
        if (auth instanceof SslAuthenticationException || find(t, javax.net.ssl.SSLException.class) != null) {
            return new ProbeException("TLS handshake with kafka at " + bootstrap + " failed (security.protocol "
                    + protocol + "): " + rootMessage(auth),
                    "check that ssl.truststore.location (and ssl.truststore.password) hold the CA of the brokers' certificates, "
                            + "that the names in --bootstrap match those certificates, and ssl.keystore.* if the brokers require client certificates",
                    auth);
        }
        String mechanism = setting(clientProps, "sasl.mechanism", "GSSAPI");
        if (auth instanceof SaslAuthenticationException || protocol.startsWith("SASL")) {
            String check = mechanism.equals("GSSAPI")
                    ? "check sasl.kerberos.service.name, the keytab and principal in sasl.jaas.config, and the Kerberos ticket"
                    : "check the user name and password in sasl.jaas.config and that this user exists for " + mechanism
                    + " on the brokers" + (mechanism.startsWith("SCRAM") ? " (kafka-configs.sh --describe --entity-type users)" : "")
                    + ", and that the brokers enable " + mechanism + " (sasl.enabled.mechanisms)";
            return new ProbeException("SASL authentication with mechanism " + mechanism + " (security.protocol " + protocol
                    + ") to kafka at " + bootstrap + " failed: " + detail, check, auth);
        }
        return new ProbeException("authentication to kafka at " + bootstrap + " failed (security.protocol " + protocol
                + "): " + detail, "check security.protocol and the sasl.* / ssl.* kafka properties against the brokers' listeners", auth);
    }

    /** One line for a delivery failure: the authentication problem with its fix, or the exception itself. */
    static String describe(Throwable t, String bootstrap, Map<String, ?> clientProps) {
        ProbeException auth = authentication(t, bootstrap, clientProps);
        if (auth != null) {
            return auth.oneLine();
        }
        if (t == null) {
            return "unknown error";
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private static String setting(Map<String, ?> props, String key, String dflt) {
        Object v = props.get(key);
        return v == null ? dflt : String.valueOf(v).trim();
    }

    private static <E extends Throwable> E find(Throwable t, Class<E> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == t ? String.valueOf(t.getMessage()) : t.getMessage() + " (" + root.getMessage() + ")";
    }
}
