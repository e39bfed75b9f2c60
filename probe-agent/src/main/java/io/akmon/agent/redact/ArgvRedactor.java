package io.akmon.agent.redact;

import io.akmon.agent.loader.ProbeException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Replaces secrets in a command line with {@value #MASK}: values of password, token, key and secret
 * options and parameters, the password of {@code user:password@} in URLs, AWS access key ids,
 * {@code Authorization:}-style headers, and the password arguments of known clients (mysql's
 * {@code -pSECRET}, sshpass, redis-cli, curl's {@code -u user:password}). What is not a secret is
 * left as it was.
 */
public final class ArgvRedactor {
    public static final String MASK = "[redacted]";

    private static final String SECRET_WORD = "(?:passw(?:or)?d|pass|pwd|secret|token|api[-_]?key|access[-_]?key|"
            + "private[-_]?key|client[-_]?secret|credentials?|auth|key)";
    /** The built-in patterns; group 1 is what gets replaced. */
    static final List<Pattern> BUILT_IN = List.of(
            // --password=x, -password=x, --db-password=x, --api-key=x (the option's name ends in the secret word)
            Pattern.compile("(?i)^-{1,2}(?:[\\w.]*[-_.])?" + SECRET_WORD + "[=:](.+)$"),
            // token=x, key=x, secret=x, password=x, aws_secret_access_key=x, in query strings and connection strings too
            Pattern.compile("(?i)(?:^|[^\\w-])(?:\\w*[-_.])?" + SECRET_WORD + "=([^&;,\\s'\"]+)"),
            // scheme://user:password@host
            Pattern.compile("(?i)[a-z][a-z0-9+.-]*://[^/\\s:@]*:([^/\\s@]+)@"),
            // Authorization: Bearer x, Proxy-Authorization:, X-Api-Key:, Cookie:
            Pattern.compile("(?i)(?:^|\\s)(?:proxy-)?(?:authorization|x-api-key|x-auth-token|cookie)\\s*:\\s*(.+)$"),
            // AWS access key ids
            Pattern.compile("\\b((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16})\\b"),
            // Bearer tokens anywhere
            Pattern.compile("(?i)\\bbearer\\s+([\\w.~+/=-]{8,})"));

    /**
     * Per built-in pattern, a character test that every argument it can match passes: most arguments
     * pass none, and skipping a regular expression that cannot match is far cheaper than running it.
     */
    static final List<Predicate<String>> BUILT_IN_NEEDS = List.of(
            s -> s.indexOf('=') >= 0 || s.indexOf(':') >= 0,
            s -> s.indexOf('=') >= 0,
            s -> s.indexOf('@') >= 0 && s.contains("://"),
            s -> s.indexOf(':') >= 0,
            s -> s.indexOf('A') >= 0,
            s -> containsIgnoreCase(s, "bearer"));

    /** Options whose value is the next argument, for any command. */
    private static final Pattern SECRET_OPTION = Pattern.compile("(?i)^-{1,2}(?:[\\w.]*[-_.])?" + SECRET_WORD + "$");
    private static final Set<String> MYSQL_CLIENTS = Set.of("mysql", "mariadb", "mysqldump", "mysqladmin", "mysqlimport",
            "mysqlshow", "mysqlcheck", "mysqlpump", "mariadb-dump", "mariadb-admin");

    private final List<Pattern> patterns;

    private ArgvRedactor(List<Pattern> patterns) {
        this.patterns = patterns;
    }

    /** The built-in patterns followed by {@code extra} (regular expressions, see {@link RedactionSettings#patterns}). */
    public static ArgvRedactor withPatterns(List<String> extra) {
        List<Pattern> all = new ArrayList<>(BUILT_IN);
        for (String p : extra) {
            try {
                all.add(Pattern.compile(p));
            } catch (PatternSyntaxException e) {
                throw new ProbeException("invalid redaction pattern '" + p + "': " + e.getDescription(),
                        "give a Java regular expression; its first group (or the whole match) is replaced");
            }
        }
        return new ArgvRedactor(List.copyOf(all));
    }

    /** argv with its secrets replaced; the same list if there were none. */
    public List<String> redact(List<String> argv) {
        if (argv == null || argv.isEmpty()) {
            return argv;
        }
        String program = baseName(argv.get(0));
        List<String> out = null;
        boolean nextIsSecret = false;
        for (int i = 0; i < argv.size(); i++) {
            String arg = argv.get(i);
            String redacted;
            if (nextIsSecret) {
                redacted = program.equals("curl") && arg.indexOf(':') > 0 ? userOnly(arg) : MASK;
                nextIsSecret = false;
            } else {
                redacted = redactArgument(program, arg);
                nextIsSecret = i > 0 && takesSecretValue(program, arg);
            }
            if (!redacted.equals(arg)) {
                if (out == null) {
                    out = new ArrayList<>(argv);
                }
                out.set(i, redacted);
            }
        }
        return out == null ? argv : out;
    }

    private String redactArgument(String program, String arg) {
        if (MYSQL_CLIENTS.contains(program) && arg.length() > 2 && arg.startsWith("-p") && !arg.startsWith("--")) {
            return "-p" + MASK;
        }
        if (program.equals("curl") && arg.length() > 2 && arg.startsWith("-u") && arg.indexOf(':') > 0) {
            return "-u" + userOnly(arg.substring(2));
        }
        String s = arg;
        for (int i = 0; i < patterns.size(); i++) {
            if (i < BUILT_IN_NEEDS.size() && !BUILT_IN_NEEDS.get(i).test(s)) {
                continue;
            }
            s = replace(patterns.get(i), s);
        }
        return s;
    }

    private static boolean containsIgnoreCase(String s, String word) {
        for (int i = 0; i + word.length() <= s.length(); i++) {
            if (s.regionMatches(true, i, word, 0, word.length())) {
                return true;
            }
        }
        return false;
    }

    /** Whether the argument after this one is a secret. */
    private static boolean takesSecretValue(String program, String arg) {
        if (MYSQL_CLIENTS.contains(program) && (arg.equals("-p") || arg.equalsIgnoreCase("--password"))) {
            return false; // mysql -p / --password alone prompts; the next argument is not the password
        }
        switch (program) {
            case "sshpass":
                if (arg.equals("-p")) {
                    return true;
                }
                break;
            case "redis-cli":
            case "valkey-cli":
                if (arg.equals("-a") || arg.equals("--pass") || arg.equals("--askpass")) {
                    return !arg.equals("--askpass");
                }
                break;
            case "curl":
                if (arg.equals("-u") || arg.equals("--user") || arg.equals("--proxy-user")) {
                    return true;
                }
                break;
            default:
                break;
        }
        return arg.startsWith("-") && SECRET_OPTION.matcher(arg).matches();
    }

    private static String userOnly(String userPassword) {
        int colon = userPassword.indexOf(':');
        return colon < 0 ? userPassword : userPassword.substring(0, colon + 1) + MASK;
    }

    private static String replace(Pattern p, String s) {
        Matcher m = p.matcher(s);
        if (!m.find()) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int last = 0;
        do {
            int start = m.groupCount() >= 1 && m.group(1) != null ? m.start(1) : m.start();
            int end = m.groupCount() >= 1 && m.group(1) != null ? m.end(1) : m.end();
            if (start < last) {
                continue;
            }
            out.append(s, last, start).append(MASK);
            last = end;
        } while (m.find());
        return out.append(s, last, s.length()).toString();
    }

    private static String baseName(String path) {
        int slash = path.lastIndexOf('/');
        return (slash < 0 ? path : path.substring(slash + 1)).toLowerCase(Locale.ROOT);
    }
}
