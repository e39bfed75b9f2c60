package io.akmon.agent.publish;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.akmon.agent.event.Event;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/** One JSON object per line, for jq and friends. */
public final class StdoutSink implements EventSink {
    private final JsonGenerator json;
    private final OutputStream out;

    public StdoutSink(OutputStream target) {
        try {
            this.out = new BufferedOutputStream(target, 1 << 16);
            this.json = new JsonFactory().createGenerator(out);
            json.setRootValueSeparator(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void accept(Event event) {
        try {
            event.writeJson(json);
            json.flush();
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void flush() {
        try {
            json.flush();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
