package io.akmon.schema.security;

import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * How every akmon Kafka client (the agent, both jobs, {@code top}, {@code status}, {@code run}) encrypts
 * and authenticates: TLS with a CA, mutual TLS with a client keystore, SASL SCRAM-SHA-512/256 or PLAIN.
 * A picocli mixin ({@code @Mixin KafkaSecurityOptions kafkaSecurity}); {@link #clientProperties} turns
 * it into Kafka client properties. Passwords come from a file or the environment, never from argv, which
 * every user of the host can read in /proc.
 */
public class KafkaSecurityOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Environment variables read when the matching password file is not given. */
    public static final String ENV_SASL_PASSWORD = "AKMON_KAFKA_PASSWORD";
    public static final String ENV_KEYSTORE_PASSWORD = "AKMON_KAFKA_KEYSTORE_PASSWORD";
    public static final String ENV_TRUSTSTORE_PASSWORD = "AKMON_KAFKA_TRUSTSTORE_PASSWORD";

    @Option(names = "--kafka-security-protocol", paramLabel = "PROTOCOL",
            description = "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL. Default: SASL_SSL with --kafka-user and a CA, "
                    + "SASL_PLAINTEXT with --kafka-user alone, SSL with a CA or keystore alone, else PLAINTEXT.")
    public String protocol;

    @Option(names = "--kafka-ca", paramLabel = "FILE",
            description = "CA certificates the brokers' certificates must chain to: PEM, or a PKCS12/JKS truststore "
                    + "(password from --kafka-ca-password-file or $" + ENV_TRUSTSTORE_PASSWORD + "). Default: the JVM's CAs.")
    public String caFile;

    @Option(names = "--kafka-ca-password-file", paramLabel = "FILE",
            description = "File holding the password of a PKCS12/JKS --kafka-ca.")
    public String caPasswordFile;

    @Option(names = "--kafka-keystore", paramLabel = "FILE",
            description = "Client certificate and key for mutual TLS, PKCS12 or JKS "
                    + "(password from --kafka-keystore-password-file or $" + ENV_KEYSTORE_PASSWORD + ").")
    public String keystore;

    @Option(names = "--kafka-keystore-password-file", paramLabel = "FILE",
            description = "File holding the password of --kafka-keystore (and of its key).")
    public String keystorePasswordFile;

    @Option(names = "--kafka-sasl-mechanism", paramLabel = "MECHANISM",
            description = "SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN. Default: SCRAM-SHA-512 (with --kafka-user).")
    public String saslMechanism;

    @Option(names = "--kafka-user", paramLabel = "NAME", description = "SASL user name.")
    public String user;

    @Option(names = "--kafka-password-file", paramLabel = "FILE",
            description = "File holding the SASL password (one line). Default: $" + ENV_SASL_PASSWORD + ".")
    public String passwordFile;

    /**
     * The key of each option in a config file's Kafka section, mapped to the option: its long name without
     * {@code --kafka-}, in snake_case ({@code ca}, {@code user}, {@code password_file}, ...). Derived from the
     * options themselves, so a new option is a new key.
     */
    public static Map<String, String> configKeys() {
        Map<String, String> keys = new LinkedHashMap<>();
        for (CommandLine.Model.OptionSpec o : CommandLine.Model.CommandSpec.forAnnotatedObject(new KafkaSecurityOptions()).options()) {
            keys.put(o.longestName().replaceFirst("^--kafka-", "").replace('-', '_'), o.longestName());
        }
        return keys;
    }

    /** Sets the option of config-file key {@code key} (see {@link #configKeys}); false if there is no such key. */
    public boolean setByConfigKey(String key, String value) {
        String option = configKeys().get(key);
        if (option == null) {
            return false;
        }
        CommandLine.Model.CommandSpec.forAnnotatedObject(this).findOption(option).setValue(value);
        return true;
    }

    /** These options (from a config file) with every option that {@code flags} sets taking its place. */
    public KafkaSecurityOptions overriddenBy(KafkaSecurityOptions flags) {
        KafkaSecurityOptions merged = new KafkaSecurityOptions();
        CommandLine.Model.CommandSpec into = CommandLine.Model.CommandSpec.forAnnotatedObject(merged);
        for (KafkaSecurityOptions from : new KafkaSecurityOptions[] {this, flags}) {
            for (CommandLine.Model.OptionSpec o : CommandLine.Model.CommandSpec.forAnnotatedObject(from).options()) {
                Object v = o.getValue();
                if (v != null) {
                    into.findOption(o.longestName()).setValue(v);
                }
            }
        }
        return merged;
    }

    /** True when any option is set, i.e. the client is not plain PLAINTEXT. */
    public boolean isSet() {
        return protocol != null || caFile != null || keystore != null || user != null || saslMechanism != null;
    }

    /** Kafka client properties for these options, reading passwords from their files or the environment. */
    public Map<String, String> clientProperties() {
        return clientProperties(System::getenv);
    }

    /**
     * As {@link #clientProperties()}, with {@code env} in place of the process environment.
     *
     * @throws IllegalArgumentException one line naming the problem and the fix
     */
    public Map<String, String> clientProperties(Function<String, String> env) {
        Map<String, String> p = new LinkedHashMap<>();
        if (!isSet()) {
            return p;
        }
        boolean tls = caFile != null || keystore != null;
        String proto = protocol != null ? protocol.trim().toUpperCase(Locale.ROOT)
                : user != null ? (tls ? "SASL_SSL" : "SASL_PLAINTEXT") : tls ? "SSL" : "PLAINTEXT";
        if (!proto.equals("PLAINTEXT") && !proto.equals("SSL") && !proto.equals("SASL_PLAINTEXT") && !proto.equals("SASL_SSL")) {
            throw new IllegalArgumentException("--kafka-security-protocol " + protocol
                    + " is not a Kafka security protocol; fix: use PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL");
        }
        p.put("security.protocol", proto);
        boolean sasl = proto.startsWith("SASL");
        if (tls && !proto.endsWith("SSL")) {
            throw new IllegalArgumentException("--kafka-ca/--kafka-keystore need TLS, but --kafka-security-protocol is " + proto
                    + "; fix: use SSL or SASL_SSL");
        }
        if (caFile != null) {
            readable(caFile, "--kafka-ca");
            p.put("ssl.truststore.location", caFile.toString());
            String type = storeType(caFile);
            p.put("ssl.truststore.type", type);
            if (!type.equals("PEM")) {
                p.put("ssl.truststore.password", secret(caPasswordFile, "--kafka-ca-password-file",
                        ENV_TRUSTSTORE_PASSWORD, env, "the password of truststore " + caFile));
            }
        }
        if (keystore != null) {
            readable(keystore, "--kafka-keystore");
            String type = storeType(keystore);
            if (type.equals("PEM")) {
                throw new IllegalArgumentException("--kafka-keystore " + keystore + " looks like PEM; fix: give a PKCS12 (.p12) or JKS keystore");
            }
            String password = secret(keystorePasswordFile, "--kafka-keystore-password-file", ENV_KEYSTORE_PASSWORD, env,
                    "the password of keystore " + keystore);
            p.put("ssl.keystore.location", keystore.toString());
            p.put("ssl.keystore.type", type);
            p.put("ssl.keystore.password", password);
            p.put("ssl.key.password", password);
        }
        if (sasl) {
            if (user == null || user.isBlank()) {
                throw new IllegalArgumentException("security protocol " + proto + " needs a user; fix: give --kafka-user and --kafka-password-file");
            }
            String mechanism = saslMechanism == null ? "SCRAM-SHA-512" : saslMechanism.trim().toUpperCase(Locale.ROOT);
            String module = switch (mechanism) {
                case "SCRAM-SHA-512", "SCRAM-SHA-256" -> "org.apache.kafka.common.security.scram.ScramLoginModule";
                case "PLAIN" -> "org.apache.kafka.common.security.plain.PlainLoginModule";
                default -> throw new IllegalArgumentException("--kafka-sasl-mechanism " + saslMechanism
                        + " is not supported; fix: use SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN");
            };
            String password = secret(passwordFile, "--kafka-password-file", ENV_SASL_PASSWORD, env,
                    "the SASL password of user " + user);
            p.put("sasl.mechanism", mechanism);
            p.put("sasl.jaas.config", module + " required username=\"" + jaasEscape(user.trim())
                    + "\" password=\"" + jaasEscape(password) + "\";");
        } else if (user != null || saslMechanism != null) {
            throw new IllegalArgumentException("--kafka-user/--kafka-sasl-mechanism need SASL, but --kafka-security-protocol is "
                    + proto + "; fix: use SASL_SSL or SASL_PLAINTEXT");
        }
        return p;
    }

    private static void readable(String name, String option) {
        Path file = Path.of(name);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException(option + " " + file + " is not a readable file; fix: check the path and its permissions");
        }
    }

    static String storeType(String location) {
        Path file = Path.of(location);
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jks")) {
            return "JKS";
        }
        if (name.endsWith(".p12") || name.endsWith(".pfx") || name.endsWith(".pkcs12")) {
            return "PKCS12";
        }
        if (name.endsWith(".pem") || name.endsWith(".crt") || name.endsWith(".cer")) {
            return "PEM";
        }
        try {
            String head = new String(Files.readAllBytes(file), 0, (int) Math.min(Files.size(file), 64), StandardCharsets.ISO_8859_1);
            return head.contains("-----BEGIN") ? "PEM" : "PKCS12";
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage() + "; fix: check the path and its permissions");
        }
    }

    private static String secret(String name, String option, String envName, Function<String, String> env, String what) {
        if (name != null) {
            readable(name, option);
            Path file = Path.of(name);
            try {
                String s = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (s.isEmpty()) {
                    throw new IllegalArgumentException(option + " " + file + " is empty; fix: write " + what + " into it");
                }
                return s;
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + option + " " + file + ": " + e.getMessage()
                        + "; fix: check the path and its permissions");
            }
        }
        String v = env.apply(envName);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException(what + " is missing; fix: give " + option + " FILE or set $" + envName);
        }
        return v;
    }

    private static String jaasEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
