package dev.warmtier.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An HTTP/1.1 client over a raw {@link Socket}, for tests that must put bytes on the wire that
 * {@code java.net.http.HttpClient} refuses to send (a raw {@code ;} or a bad escape in the path,
 * control characters in headers, no Host, odd methods, lying Content-Lengths).
 *
 * <p>One socket per request. The request bytes go out unmodified, then the output side is shut,
 * so a server waiting for more body sees end-of-stream at once instead of a stalled client. The
 * answer is read until it is complete (by Content-Length, chunked framing, or end-of-stream), or
 * until {@link #TIMEOUT_MILLIS} passes; interim 1xx answers are skipped.
 */
public final class RawHttp {

    /** Longest wait for an answer, in total. */
    public static final int TIMEOUT_MILLIS = 10_000;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final int port;

    public RawHttp(int port) {
        this.port = port;
    }

    /** How an exchange ended. */
    public enum Outcome {
        /** A status line arrived (the body may be cut short if the server closed early). */
        ANSWERED,
        /** The server closed the connection without sending a status line. */
        CLOSED_WITHOUT_ANSWER,
        /** Nothing complete arrived within {@link #TIMEOUT_MILLIS}: the server waits for bytes. */
        TIMED_OUT
    }

    /** One request on the wire and what came back. {@code response} is null unless ANSWERED. */
    public record Exchange(byte[] request, Outcome outcome, Response response, long nanos) {
        public boolean answered() {
            return outcome == Outcome.ANSWERED;
        }

        @Override
        public String toString() {
            return escape(request) + " -> " + (answered() ? response.summary() : outcome.toString());
        }
    }

    /** A final answer: status, headers in order, body (de-chunked). */
    public record Response(int status, List<Map.Entry<String, String>> headers, byte[] body) {

        /** The first value of a header (case-insensitive name), or null. */
        public String header(String name) {
            for (Map.Entry<String, String> header : headers) {
                if (header.getKey().equalsIgnoreCase(name)) {
                    return header.getValue();
                }
            }
            return null;
        }

        /** The media type without parameters, lower case; "" when there is no Content-Type. */
        public String mediaType() {
            String type = header("Content-Type");
            return type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The body as JSON, or null when it is not JSON. */
        public JsonNode jsonOrNull() {
            try {
                JsonNode node = JSON.readTree(body);
                return node == null || node.isMissingNode() ? null : node;
            } catch (RuntimeException e) {
                return null;
            }
        }

        /** Status, Content-Type and the start of the body, on one line. */
        public String summary() {
            String text = text().replace("\r", "\\r").replace("\n", "\\n");
            return status + " " + (header("Content-Type") == null ? "(no Content-Type)" : header("Content-Type"))
                    + " " + (text.isEmpty() ? "(empty body)" : text.length() > 400 ? text.substring(0, 400) + "..." : text);
        }
    }

    /**
     * A well-formed request: the request line, Host, the headers given (name, value pairs),
     * Content-Length when there is a body, Connection: close. Strings are sent as ISO-8859-1, so
     * each char is one byte on the wire: raw UTF-8 must be spelled byte by byte.
     */
    public static byte[] request(String method, String target, String body, String... headers) {
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: localhost\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) {
            head.append("Content-Length: ").append(payload.length).append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        byte[] start = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = Arrays.copyOf(start, start.length + payload.length);
        System.arraycopy(payload, 0, all, start.length, payload.length);
        return all;
    }

    /** Sends {@link #request} and reads the answer. */
    public Exchange send(String method, String target, String body, String... headers) {
        return send(request(method, target, body, headers));
    }

    /** Sends these exact bytes on a fresh connection and reads the answer. */
    public Exchange send(byte[] request) {
        long start = System.nanoTime();
        long deadline = start + TIMEOUT_MILLIS * 1_000_000L;
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        boolean head = startsWith(request, "HEAD ");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
            try {
                OutputStream out = socket.getOutputStream();
                out.write(request);
                out.flush();
                socket.shutdownOutput();
            } catch (IOException e) {
                // The server may answer and close before taking every byte (a header too large); read what it said.
            }
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return timedOutOrPartial(request, received, head, start);
                }
                socket.setSoTimeout((int) left);
                int n;
                try {
                    n = in.read(buffer);
                } catch (SocketTimeoutException e) {
                    return timedOutOrPartial(request, received, head, start);
                } catch (IOException e) {
                    n = -1; // reset by the server: what arrived is all there is
                }
                if (n < 0) {
                    Response response = parse(received.toByteArray(), head, true);
                    return new Exchange(request, response == null ? Outcome.CLOSED_WITHOUT_ANSWER : Outcome.ANSWERED,
                            response, System.nanoTime() - start);
                }
                received.write(buffer, 0, n);
                Response response = parse(received.toByteArray(), head, false);
                if (response != null) {
                    return new Exchange(request, Outcome.ANSWERED, response, System.nanoTime() - start);
                }
            }
        } catch (IOException e) {
            Response response = parse(received.toByteArray(), head, true);
            return new Exchange(request, response == null ? Outcome.CLOSED_WITHOUT_ANSWER : Outcome.ANSWERED, response,
                    System.nanoTime() - start);
        }
    }

    private static Exchange timedOutOrPartial(byte[] request, ByteArrayOutputStream received, boolean head, long start) {
        Response response = parse(received.toByteArray(), head, true);
        return new Exchange(request, response == null ? Outcome.TIMED_OUT : Outcome.ANSWERED, response,
                System.nanoTime() - start);
    }

    /**
     * The final answer in these bytes, or null when it is not complete yet (or, at end of stream,
     * when no status line arrived at all). At end of stream a body cut short is returned as is.
     */
    static Response parse(byte[] bytes, boolean head, boolean endOfStream) {
        int at = 0;
        while (true) {
            int end = indexOf(bytes, at, "\r\n\r\n");
            if (end < 0) {
                return null;
            }
            String[] lines = new String(bytes, at, end - at, StandardCharsets.ISO_8859_1).split("\r\n");
            String[] statusLine = lines[0].split(" ", 3);
            if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/")) {
                return null;
            }
            int status;
            try {
                status = Integer.parseInt(statusLine[1]);
            } catch (NumberFormatException e) {
                return null;
            }
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.add(Map.entry(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim()));
                }
            }
            int bodyStart = end + 4;
            if (status >= 100 && status < 200) {
                at = bodyStart; // interim answer (100 Continue): the final one follows
                continue;
            }
            Response bare = new Response(status, headers, new byte[0]);
            if (head || status == 204 || status == 304) {
                return bare;
            }
            byte[] rest = Arrays.copyOfRange(bytes, bodyStart, bytes.length);
            String encoding = bare.header("Transfer-Encoding");
            if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
                byte[] body = dechunk(rest);
                if (body != null) {
                    return new Response(status, headers, body);
                }
                return endOfStream ? new Response(status, headers, rest) : null;
            }
            String length = bare.header("Content-Length");
            int declared = -1;
            try {
                declared = length == null ? -1 : Integer.parseInt(length.trim());
            } catch (NumberFormatException e) {
                // no usable length: the body runs to the end of the stream
            }
            if (declared >= 0) {
                if (rest.length >= declared) {
                    return new Response(status, headers, Arrays.copyOf(rest, declared));
                }
                return endOfStream ? new Response(status, headers, rest) : null;
            }
            return endOfStream ? new Response(status, headers, rest) : null;
        }
    }

    /** The de-chunked body, or null when the last chunk has not arrived yet. */
    private static byte[] dechunk(byte[] chunked) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int at = 0;
        while (true) {
            int lineEnd = indexOf(chunked, at, "\r\n");
            if (lineEnd < 0) {
                return null;
            }
            String sizeText = new String(chunked, at, lineEnd - at, StandardCharsets.ISO_8859_1).split(";", 2)[0].trim();
            int size;
            try {
                size = Integer.parseInt(sizeText, 16);
            } catch (NumberFormatException e) {
                return null;
            }
            at = lineEnd + 2;
            if (size == 0) {
                return indexOf(chunked, at - 2, "\r\n\r\n") < 0 ? null : body.toByteArray();
            }
            if (at + size + 2 > chunked.length) {
                return null;
            }
            body.write(chunked, at, size);
            at += size + 2;
        }
    }

    private static int indexOf(byte[] bytes, int from, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.ISO_8859_1);
        outer:
        for (int i = Math.max(0, from); i <= bytes.length - n.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (bytes[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static boolean startsWith(byte[] bytes, String prefix) {
        byte[] p = prefix.getBytes(StandardCharsets.ISO_8859_1);
        return bytes.length >= p.length && Arrays.equals(Arrays.copyOf(bytes, p.length), p);
    }

    /**
     * The bytes as a Java-like string literal body: printable ASCII as is, CR/LF/tab as
     * {@code \r \n \t}, other bytes as {@code \xNN}; long runs are elided in the middle so a
     * 9 KB header stays readable.
     */
    public static String escape(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < bytes.length; i++) {
            if (bytes.length > 1200 && i == 500) {
                out.append("...(").append(bytes.length - 1000).append(" bytes)...");
                i = bytes.length - 500;
            }
            int b = bytes[i] & 0xFF;
            switch (b) {
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                default -> {
                    if (b >= 0x20 && b < 0x7F) {
                        out.append((char) b);
                    } else {
                        out.append(String.format("\\x%02X", b));
                    }
                }
            }
        }
        return out.toString();
    }

    /** The fields every problem detail of the contract carries. */
    public static final List<String> PROBLEM_FIELDS = List.of("type", "title", "status", "detail", "instance");

    /** Asserts the exchange was answered with this status as a problem detail of the contract, and returns it. */
    public static Response problem(Exchange exchange, int status) {
        assertThat(exchange.outcome()).as("%s", exchange).isEqualTo(Outcome.ANSWERED);
        Response response = exchange.response();
        assertThat(response.status()).as("%s", exchange).isEqualTo(status);
        assertThat(response.mediaType()).as("%s", exchange)
                .isEqualTo("application/problem+json");
        JsonNode json = response.jsonOrNull();
        assertThat(json).as("%s", exchange).isNotNull();
        for (String field : PROBLEM_FIELDS) {
            assertThat(json.path(field).isMissingNode() || json.path(field).isNull())
                    .as("%s lacks %s", exchange, field).isFalse();
        }
        assertThat(json.path("status").asInt()).as("%s", exchange).isEqualTo(status);
        return response;
    }
}
