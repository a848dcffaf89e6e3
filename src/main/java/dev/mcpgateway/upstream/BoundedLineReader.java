package dev.mcpgateway.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.jsonrpc.JsonRpcCodec;

/**
 * Reads newline-delimited lines of at most {@code max} bytes from a stream that a child process
 * feeds. A longer line is never held whole: it is skipped, and while it streams by a small scanner
 * looks for the top-level {@code id} of a JSON-RPC response, so the request it answered can still
 * be failed rather than left waiting.
 */
final class BoundedLineReader {

    /** What the reader found. */
    interface Handler {
        /** A complete line, without its line break; never blank. */
        void line(byte[] line);

        /**
         * A line of {@code size} bytes that was skipped for its length; {@code responseId} is the id
         * of the response it held, or null when it was no response or its id cannot be told.
         */
        void overlong(long size, JsonNode responseId);
    }

    private static final int CHUNK = 8192;

    private final InputStream in;
    private final int max;
    private final Handler handler;

    BoundedLineReader(InputStream in, long max, Handler handler) {
        this.in = in;
        this.max = (int) Math.min(Math.max(max, 1), Integer.MAX_VALUE - 16);
        this.handler = handler;
    }

    /** Reads until the end of the stream. */
    void run() throws IOException {
        byte[] chunk = new byte[CHUNK];
        byte[] line = new byte[Math.min(max, CHUNK)];
        int length = 0;
        // Set while a line over the bound streams by; then length counts nothing.
        ResponseIdScanner skipping = null;
        long skipped = 0;
        int n;
        while ((n = in.read(chunk)) != -1) {
            int from = 0;
            while (from < n) {
                int newline = indexOf(chunk, from, n);
                int end = newline < 0 ? n : newline;
                int count = end - from;
                if (skipping == null && length + (long) count > max) {
                    skipping = new ResponseIdScanner();
                    skipping.feed(line, 0, length);
                    skipped = length;
                    length = 0;
                }
                if (skipping != null) {
                    skipping.feed(chunk, from, end);
                    skipped += count;
                } else {
                    if (length + count > line.length) {
                        line = Arrays.copyOf(line, (int) Math.min(max, Math.max((long) line.length * 2, length + count)));
                    }
                    System.arraycopy(chunk, from, line, length, count);
                    length += count;
                }
                if (newline < 0) {
                    break;
                }
                if (skipping != null) {
                    handler.overlong(skipped, skipping.responseId());
                    skipping = null;
                } else if (!isBlank(line, length)) {
                    handler.line(Arrays.copyOf(line, length));
                }
                length = 0;
                if (line.length > CHUNK) {
                    // A long line once does not keep its buffer for good.
                    line = new byte[Math.min(max, CHUNK)];
                }
                from = newline + 1;
            }
        }
        if (skipping != null) {
            handler.overlong(skipped, null);
        } else if (!isBlank(line, length)) {
            handler.line(Arrays.copyOf(line, length));
        }
    }

    private static int indexOf(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static boolean isBlank(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] != ' ' && bytes[i] != '\t' && bytes[i] != '\r') {
                return false;
            }
        }
        return true;
    }

    /**
     * Follows a JSON text byte by byte, keeping only its nesting and the member names of the top
     * object, and the value of its {@code id} member. UTF-8 continuation bytes never equal the ASCII
     * characters it looks for, so bytes serve as well as characters.
     */
    static final class ResponseIdScanner {
        private static final int MAX_KEY = 16;
        private static final int MAX_ID = 64;

        private int depth;
        private boolean started;
        private boolean broken;
        private boolean finished;
        private boolean inString;
        private boolean escaped;
        private boolean expectKey;
        private StringBuilder key;
        private String lastKey;
        private StringBuilder id;
        private String idText;
        private int ids;
        private boolean hasMethod;

        void feed(byte[] bytes, int from, int to) {
            for (int i = from; i < to && !broken; i++) {
                step(bytes[i]);
            }
        }

        private void step(byte b) {
            if (finished) {
                if (!whitespace(b)) {
                    broken = true;
                }
                return;
            }
            if (!started) {
                if (whitespace(b)) {
                    return;
                }
                // A batch or a bare value: whose answer it holds cannot be told cheaply.
                broken = b != '{';
                started = true;
                depth = 1;
                expectKey = true;
                return;
            }
            if (id != null && depth == 1 && !inString && (b == ',' || b == '}')) {
                idText = id.toString().strip();
                id = null;
            } else if (id != null) {
                if (id.length() >= MAX_ID || (!inString && (b == '{' || b == '['))) {
                    broken = true;
                    return;
                }
                id.append((char) (b & 0xff));
            }
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    inString = false;
                    if (key != null) {
                        lastKey = key.length() > MAX_KEY ? null : key.toString();
                        key = null;
                    }
                } else if (key != null && key.length() <= MAX_KEY) {
                    key.append((char) (b & 0xff));
                }
                return;
            }
            switch (b) {
                case '"' -> {
                    inString = true;
                    if (depth == 1 && expectKey) {
                        key = new StringBuilder();
                        expectKey = false;
                    }
                }
                case ':' -> {
                    if (depth == 1) {
                        if ("id".equals(lastKey)) {
                            ids++;
                            id = new StringBuilder();
                        } else if ("method".equals(lastKey)) {
                            hasMethod = true;
                        }
                        lastKey = null;
                    }
                }
                case ',' -> expectKey = depth == 1;
                case '{', '[' -> depth++;
                case '}', ']' -> {
                    depth--;
                    finished = depth == 0;
                }
                default -> {
                }
            }
        }

        /** The id of the response the text held, or null. */
        JsonNode responseId() {
            if (broken || !finished || hasMethod || ids != 1 || idText == null || idText.isEmpty()) {
                return null;
            }
            try {
                JsonNode node = JsonRpcCodec.MAPPER.readTree(idText.getBytes(StandardCharsets.ISO_8859_1));
                return node != null && (node.isIntegralNumber() || node.isTextual()) ? node : null;
            } catch (IOException e) {
                return null;
            }
        }

        private static boolean whitespace(byte b) {
            return b == ' ' || b == '\t' || b == '\r' || b == '\n';
        }
    }
}
