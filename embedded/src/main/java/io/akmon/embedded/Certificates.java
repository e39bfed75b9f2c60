package io.akmon.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away certificate authority for TLS tests, made with the JDK's keytool: a CA, and PKCS12
 * keystores of servers and clients whose certificates it signs. Every store and key has the same
 * password, {@link #password()}.
 */
public final class Certificates {
    private final Path dir;
    private final String password;
    private final Path caStore;
    private final Path caPem;

    private Certificates(Path dir, String password) {
        this.dir = dir;
        this.password = password;
        this.caStore = dir.resolve("ca.p12");
        this.caPem = dir.resolve("ca.pem");
    }

    /** Creates a CA named {@code caName} in {@code dir}. */
    public static Certificates authority(Path dir, String caName) {
        Certificates c = new Certificates(dir, "changeit-" + Long.toHexString(System.nanoTime()));
        c.keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=" + caName, "-ext", "bc:c", "-keystore", c.caStore.toString(), "-storetype", "PKCS12");
        c.keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", c.caStore.toString(), "-file", c.caPem.toString());
        return c;
    }

    public String password() {
        return password;
    }

    /** The CA certificate, PEM. */
    public Path caPem() {
        return caPem;
    }

    /** A PKCS12 truststore holding the CA certificate. */
    public Path truststore() {
        Path store = dir.resolve("truststore.p12");
        if (!Files.exists(store)) {
            keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(), "-keystore", store.toString(),
                    "-storetype", "PKCS12");
        }
        return store;
    }

    /**
     * A PKCS12 keystore with a key and a certificate for {@code commonName} signed by this CA, valid for
     * 127.0.0.1 and localhost; the CA certificate is in it too.
     */
    public Path keystore(String commonName) {
        String file = commonName.replaceAll("[^A-Za-z0-9.-]", "_");
        Path store = dir.resolve(file + ".p12");
        Path csr = dir.resolve(file + ".csr");
        Path cert = dir.resolve(file + ".pem");
        keytool("-genkeypair", "-alias", "key", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=" + commonName, "-keystore", store.toString(), "-storetype", "PKCS12");
        keytool("-certreq", "-alias", "key", "-keystore", store.toString(), "-file", csr.toString());
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(), "-infile", csr.toString(),
                "-outfile", cert.toString(), "-validity", "2", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-ext", "EKU=serverAuth,clientAuth");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(), "-keystore", store.toString());
        keytool("-importcert", "-alias", "key", "-file", cert.toString(), "-keystore", store.toString());
        return store;
    }

    private void keytool(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storepass", password));
        if (!args[0].equals("-exportcert")) {
            cmd.addAll(List.of("-keypass", password));
        }
        try {
            Files.createDirectories(dir);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: "
                        + new String(out, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }
}
