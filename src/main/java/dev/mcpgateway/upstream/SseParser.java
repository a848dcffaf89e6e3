package dev.mcpgateway.upstream;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import io.vertx.core.buffer.Buffer;

/**
 * Incremental parser for {@code text/event-stream} (WHATWG server-sent events): feed it buffers as
 * they arrive; it calls back once per complete event. Handles LF, CRLF and CR line ends.
 * <p>
 * A parser made with a bound holds at most that many bytes of one event's data, and of one line
 * (with a little room for the field name): past either, {@link #feed} throws {@link LimitExceeded}
 * and the parser, whose place in the stream is lost, refuses everything fed to it after.
 */
public final class SseParser {

    /** One event. {@code id} is null when the event carried none. */
    public record Event(String id, String event, String data, Long retry) {
    }

    /**
     * An upstream fed a line or an event larger than the parser's bound; nothing past the bound was
     * kept.
     */
    public static final class LimitExceeded extends RuntimeException {
        private final String what;
        private final long limit;

        LimitExceeded(String what, long limit) {
            super(what + " larger than " + limit + " bytes", null, false, false);
            this.what = what;
            this.limit = limit;
        }

        /** What grew too large, to complete a sentence: "an event-stream line", "an event". */
        public String what() {
            return what;
        }

        public long limit() {
            return limit;
        }
    }

    /** Room in a line, beyond the bound, for a field name and its separator ("data: "). */
    private static final int FIELD_ROOM = 64;

    private final Consumer<Event> handler;
    private final long maxSize;
    private final long maxLine;
    private final StringBuilder line = new StringBuilder();
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String id;
    private String event;
    private Long retry;
    private boolean lastWasCr;
    private byte[] pending = new byte[0];
    /** UTF-8 bytes of the line being read and of the event's data so far, checked against the bound. */
    private long lineBytes;
    private long dataBytes;
    private LimitExceeded failed;

    /** A parser without a bound, for input that is already bounded (a whole body read with a limit). */
    public SseParser(Consumer<Event> handler) {
        this(handler, Long.MAX_VALUE);
    }

    /** A parser that holds at most {@code maxSize} bytes of an event's data (and of a line, field name aside). */
    public SseParser(Consumer<Event> handler, long maxSize) {
        if (maxSize <= 0) {
            throw new IllegalArgumentException("maxSize must be positive: " + maxSize);
        }
        this.handler = handler;
        this.maxSize = maxSize;
        this.maxLine = maxSize > Long.MAX_VALUE - FIELD_ROOM ? Long.MAX_VALUE : maxSize + FIELD_ROOM;
    }

    public void feed(Buffer buffer) {
        feed(buffer.getBytes());
    }

    /** @throws LimitExceeded when a line or an event passes the bound (now, or in an earlier feed) */
    public void feed(byte[] bytes) {
        if (failed != null) {
            throw failed;
        }
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
                // A surrogate pair is four bytes in UTF-8: two for each half.
                lineBytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
                if (lineBytes > maxLine) {
                    throw fail("an event-stream line");
                }
                line.append(c);
            }
        }
    }

    private LimitExceeded fail(String what) {
        line.setLength(0);
        line.trimToSize();
        data.setLength(0);
        data.trimToSize();
        pending = new byte[0];
        failed = new LimitExceeded(what, maxSize);
        return failed;
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
        long bytes = lineBytes;
        line.setLength(0);
        lineBytes = 0;
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
                // The field name and separator are ASCII: the rest of the line's bytes are the value's.
                dataBytes += (hasData ? 1 : 0) + bytes - (l.length() - value.length());
                if (dataBytes > maxSize) {
                    throw fail("an event");
                }
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
        dataBytes = 0;
        hasData = false;
        event = null;
        retry = null;
        id = null;
    }
}
