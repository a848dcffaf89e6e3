package dev.mcpgateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * HTTP/1.1 by hand over a plain socket, for clients no library would imitate: one that never reads,
 * one that trickles its request, one that stalls in its body.
 */
public final class RawHttp {

    private RawHttp() {
    }

    /** One server-sent event: its id (or null) and its data (empty for none). */
    public record SseEvent(String id, String data) {
    }

    /**
     * A socket to the server of {@code endpoint}. A positive {@code receiveBuffer} is set before
     * connecting, so the kernel does not grow it: a client that does not read fills it quickly.
     */
    public static Socket connect(URI endpoint, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()), 5_000);
        return socket;
    }

    /** Writes {@code text} (CRLF line ends expected) and flushes. */
    public static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    /**
     * Whether the server has closed the connection: reads (and drops) what is there until the end of
     * the stream. Throws {@link java.net.SocketTimeoutException} when the server keeps it open past
     * the socket's timeout.
     */
    public static boolean closedByServer(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[8192];
        try {
            while (in.read(buf) >= 0) {
                // drain
            }
        } catch (SocketException e) {
            // A reset is a close too.
        }
        return true;
    }

    /** The status line and headers of a response, up to the blank line. */
    public static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            head.append(line).append('\n');
        }
        return head.toString();
    }

    /**
     * The body of a chunked response as far as it arrived: stops at the last chunk, at the end of the
     * stream, at a reset, or after {@code maxBytes}, keeping whatever complete bytes came before.
     */
    public static String readChunkedToEnd(InputStream in, long maxBytes) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            while (body.size() < maxBytes) {
                String size = readLine(in);
                if (size == null) {
                    break;
                }
                if (size.isEmpty()) {
                    continue;
                }
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    break;
                }
                byte[] chunk = in.readNBytes(n);
                body.write(chunk);
                if (chunk.length < n) {
                    break;
                }
            }
        } catch (SocketException | EOFException e) {
            // Cut off: keep what came.
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    /** The complete events in {@code text} (an event ends at a blank line); comments are skipped. */
    public static List<SseEvent> events(String text) {
        List<SseEvent> out = new ArrayList<>();
        int start = 0;
        int end;
        while ((end = text.indexOf("\n\n", start)) >= 0) {
            String id = null;
            StringBuilder data = new StringBuilder();
            boolean any = false;
            for (String line : text.substring(start, end).split("\n")) {
                if (line.startsWith("id:")) {
                    id = line.substring(3).trim();
                    any = true;
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).trim());
                    any = true;
                }
            }
            if (any) {
                out.add(new SseEvent(id, data.toString()));
            }
            start = end + 2;
        }
        return out;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                break;
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        if (b < 0 && line.size() == 0) {
            return null;
        }
        return line.toString(StandardCharsets.UTF_8);
    }
}
