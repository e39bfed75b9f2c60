package io.akmon.agent.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The log a sink under test writes to, captured per test so the test can read it and printed after it
 * for the report ({@code @RegisterExtension final SinkLog log = new SinkLog();}).
 */
public final class SinkLog implements BeforeEachCallback, AfterEachCallback {
    private ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    @Override
    public void beforeEach(ExtensionContext context) {
        bytes = new ByteArrayOutputStream();
        stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        System.out.print(text());
    }

    /** Where the sink writes. */
    public PrintStream stream() {
        return stream;
    }

    /** What it wrote so far in this test. */
    public String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
