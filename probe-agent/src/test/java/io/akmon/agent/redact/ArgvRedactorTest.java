package io.akmon.agent.redact;

import io.akmon.agent.loader.ProbeException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.akmon.agent.redact.ArgvRedactor.MASK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArgvRedactorTest {
    private final ArgvRedactor r = ArgvRedactor.withPatterns(List.of());

    private List<String> redact(String... argv) {
        return r.redact(List.of(argv));
    }

    @Test
    void passwordOptionsWithTheirValue() {
        assertEquals(List.of("app", "--password=" + MASK, "--db-password=" + MASK, "-password=" + MASK, "--api-key=" + MASK,
                        "--client-secret=" + MASK, "--auth-token=" + MASK),
                redact("app", "--password=hunter2", "--db-password=s3cr3t", "-password=pw", "--api-key=k-123",
                        "--client-secret=cs", "--auth-token=tok"));
    }

    @Test
    void secretOptionFollowedByItsValue() {
        assertEquals(List.of("app", "--password", MASK, "--token", MASK, "--verbose"),
                redact("app", "--password", "hunter2", "--token", "abc", "--verbose"));
    }

    @Test
    void mysqlClientsAttachedPassword() {
        assertEquals(List.of("mysql", "-uroot", "-p" + MASK, "-h", "db"), redact("mysql", "-uroot", "-phunter2", "-h", "db"));
        assertEquals(List.of("/usr/bin/mysqldump", "-p" + MASK, "shop"), redact("/usr/bin/mysqldump", "-ps3cr3t", "shop"));
        // -p alone prompts: the next argument is the database, not a password
        assertEquals(List.of("mysql", "-p", "shop"), redact("mysql", "-p", "shop"));
        // other programs' -p (a port, a path) is not a password
        assertEquals(List.of("ssh", "-p2222", "host"), redact("ssh", "-p2222", "host"));
    }

    @Test
    void knownClientsPasswordArguments() {
        assertEquals(List.of("sshpass", "-p", MASK, "ssh", "host"), redact("sshpass", "-p", "hunter2", "ssh", "host"));
        assertEquals(List.of("redis-cli", "-a", MASK, "ping"), redact("redis-cli", "-a", "hunter2", "ping"));
        assertEquals(List.of("curl", "-u", "alice:" + MASK, "https://x"), redact("curl", "-u", "alice:pw", "https://x"));
        assertEquals(List.of("curl", "-ualice:" + MASK), redact("curl", "-ualice:pw"));
    }

    @Test
    void keyValueParameters() {
        assertEquals(List.of("wget", "https://api.example.com/v1?user=bob&token=" + MASK + "&page=2"),
                redact("wget", "https://api.example.com/v1?user=bob&token=abc123&page=2"));
        assertEquals(List.of("tool", "secret=" + MASK, "key=" + MASK, "password=" + MASK, "aws_secret_access_key=" + MASK),
                redact("tool", "secret=s", "key=k", "password=p", "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG"));
        assertEquals(List.of("psql", "host=db user=app password=" + MASK + " dbname=shop"),
                redact("psql", "host=db user=app password=hunter2 dbname=shop"));
    }

    @Test
    void urlCredentials() {
        assertEquals(List.of("git", "clone", "https://bob:" + MASK + "@git.example.com/repo.git"),
                redact("git", "clone", "https://bob:hunter2@git.example.com/repo.git"));
        assertEquals(List.of("psql", "postgres://app:" + MASK + "@db:5432/shop"), redact("psql", "postgres://app:pw@db:5432/shop"));
        // a URL with a port but no credentials is untouched
        assertEquals(List.of("curl", "http://host:8080/path"), redact("curl", "http://host:8080/path"));
    }

    @Test
    void awsKeysAndAuthorizationHeaders() {
        assertEquals(List.of("aws", "--profile", "x", "id " + MASK), redact("aws", "--profile", "x", "id AKIAIOSFODNN7EXAMPLE"));
        assertEquals(List.of("curl", "-H", "Authorization: " + MASK, "https://x"),
                redact("curl", "-H", "Authorization: Bearer eyJhbGciOi.abc.def", "https://x"));
        assertEquals(List.of("curl", "-H", "X-Api-Key: " + MASK), redact("curl", "-H", "X-Api-Key: 123456"));
        assertEquals(List.of("http", "token: Bearer " + MASK), redact("http", "token: Bearer abcdefgh12345"));
    }

    @Test
    void whatIsNotASecretIsLeftAlone() {
        List<String> plain = List.of("/usr/bin/ld", "-plugin-opt=-pass-through=-lgcc", "--keep-going", "-o", "out",
                "monkey=banana", "--author=alice", "sort", "-k2", "http://example.com/a:b");
        assertSame(plain, r.redact(plain), "unchanged lists are returned as they are");
        assertEquals(List.of(), r.redact(List.of()));
    }

    @Test
    void configurablePatterns() {
        ArgvRedactor custom = ArgvRedactor.withPatterns(List.of("--license (\\S+)", "ghp_[A-Za-z0-9]{8,}"));
        assertEquals(List.of("tool", "--license " + MASK, MASK), custom.redact(List.of("tool", "--license XYZ-123", "ghp_abcdefgh1234")));
        ProbeException e = assertThrows(ProbeException.class, () -> ArgvRedactor.withPatterns(List.of("([unclosed")));
        assertTrue(e.oneLine().contains("invalid redaction pattern '([unclosed'"), e.oneLine());
    }

    /** The character tests that let most arguments skip a pattern never skip one that would match. */
    @Test
    void aPatternIsSkippedOnlyWhereItCannotMatch() {
        List<String> args = new java.util.ArrayList<>(List.of("workload", "exit", "0", "--password=hunter2", "--db-password:x",
                "token=abc", "https://u:p@host/x", "postgres://bob:s3cret@db:5432/app", "Authorization: Bearer abcdefghij",
                "Cookie:a=b", "AKIAIOSFODNN7EXAMPLE", "bearer   abcdefghijkl", "BEARER abcdefghijkl", "BeArEr x.y~z+/=-abc",
                "-pSECRET", "--api-key", "x-api-key : v", "a&key=v;b", "proxy-authorization:basic x", "", "=", ":", "A"));
        java.util.Random random = new java.util.Random(13);
        String alphabet = "aAbBeErR:=@/-_. \tkKyYtToOnNpPsSwWdDIi0159&;";
        for (int n = 0; n < 20000; n++) {
            StringBuilder b = new StringBuilder();
            for (int i = random.nextInt(24); i > 0; i--) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            args.add(b.toString());
        }
        for (String arg : args) {
            for (int i = 0; i < ArgvRedactor.BUILT_IN.size(); i++) {
                if (ArgvRedactor.BUILT_IN.get(i).matcher(arg).find()) {
                    assertTrue(ArgvRedactor.BUILT_IN_NEEDS.get(i).test(arg), "pattern " + i + " matches '" + arg + "' but is skipped");
                }
            }
        }
        assertEquals(List.of("curl", "-H", "Authorization: " + MASK),
                ArgvRedactor.withPatterns(List.of()).redact(List.of("curl", "-H", "Authorization: Bearer abcdefghij")));
    }
}
