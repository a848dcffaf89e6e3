package dev.mcpgateway.upstream;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import io.vertx.core.buffer.Buffer;

/**
 * Incremental parser for {@code text/event-stream} (WHATWG server-sent events): feed it buffers as
 * they arrive; it calls back once per complete event. Handles LF, CRLF and CR line ends.
 */
public final class SseParser {

    /** One event. {@code id} is null when the event carried none. */
    public record Event(String id, String event, String data, Long retry) {
    }

    private final Consumer<Event> handler;
    private final StringBuilder line = new StringBuilder();
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String id;
    private String event;
    private Long retry;
    private boolean lastWasCr;
    private byte[] pending = new byte[0];

    public SseParser(Consumer<Event> handler) {
        this.handler = handler;
    }

    public void feed(Buffer buffer) {
        feed(buffer.getBytes());
    }

    public void feed(byte[] bytes) {
        // Decode only complete UTF-8 sequences; keep a split multi-byte character for the next chunk.
        byte[] all = bytes;
        if (pending.length > 0) {
            all = new byte[pending.length + bytes.length];
            System.arraycopy(pending, 0, all, 0, pending.length);
            System.arraycopy(bytes, 0, all, pending.length, bytes.length);
        }
        int complete = completeUtf8Length(all);
        pending = complete == all.length ? new byte[0] : java.util.Arrays.copyOfRange(all, complete, all.length);
        String text = new String(all, 0, complete, StandardCharsets.UTF_8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                if (lastWasCr) {
                    lastWasCr = false;
                    continue;
                }
                endLine();
            } else if (c == '\r') {
                lastWasCr = true;
                endLine();
            } else {
                lastWasCr = false;
                line.append(c);
            }
        }
    }

    private static int completeUtf8Length(byte[] b) {
        int n = b.length;
        int i = n - 1;
        int back = 0;
        while (i >= 0 && back < 4 && (b[i] & 0xC0) == 0x80) {
            i--;
            back++;
        }
        if (i < 0) {
            return n;
        }
        int lead = b[i] & 0xFF;
        int need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        return (n - i) >= need ? n : i;
    }

    private void endLine() {
        if (line.isEmpty()) {
            dispatch();
            return;
        }
        String l = line.toString();
        line.setLength(0);
        if (l.charAt(0) == ':') {
            return;
        }
        int colon = l.indexOf(':');
        String field = colon < 0 ? l : l.substring(0, colon);
        String value = colon < 0 ? "" : l.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    id = value;
                }
            }
            case "event" -> event = value;
            case "retry" -> {
                try {
                    retry = Long.parseLong(value);
                } catch (NumberFormatException ignored) {
                    // The spec says to ignore a retry field that is not all digits.
                }
            }
            default -> {
            }
        }
    }

    private void dispatch() {
        if (hasData || id != null || retry != null) {
            handler.accept(
                    new Event(id, event == null || event.isEmpty() ? "message" : event, hasData ? data.toString() : "", retry));
        }
        data.setLength(0);
        hasData = false;
        event = null;
        retry = null;
        id = null;
    }
}
