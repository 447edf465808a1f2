package dev.warmtier.system;

import dev.warmtier.support.RawHttp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;
import org.quicktheories.impl.Constraint;

/**
 * The fuzz test's generator: a valid request for some endpoint, then 0 to {@value #MAX_MUTATIONS}
 * mutations of its path (escapes, {@code ;}), query, headers, method, JSON body, framing and raw
 * bytes. Every choice is one draw from QuickTheories, so shrinking removes mutations and moves
 * each toward the first, simplest option.
 *
 * <p>Writes target only fuzz-owned names: memories in space {@value #SPACE} whose ids share no
 * prefix with the sentinels, and spaces {@code fz-a}, {@code fz-b}. No mutation here can spell a
 * sentinel's id or space, so a sentinel that changes was reached by a write aimed elsewhere.
 */
final class FuzzRequests {

    static final String SPACE = "fuzz";
    static final int MAX_MUTATIONS = 4;
    private static final String M = "/api/v1/spaces/" + SPACE + "/memories";
    private static final String JSON = "application/json";
    private static final String MEMORY = "{\"content\":\"fuzz\",\"embedding\":[0.1,0.2,0.3,0.4],\"confidence\":0.5,"
            + "\"activation\":0.25,\"decayRate\":0.1}";
    private static final String PATCH = "{\"confidence\":0.9,\"embedding\":[1,2,3,4],\"content\":\"patched\"}";

    /** One generated request: the template it started from, what was done to it, and the bytes. */
    record FuzzRequest(int template, List<String> mutations, byte[] raw) {
        @Override
        public String toString() {
            return "template " + template + " " + mutations + ": \"" + RawHttp.escape(raw) + "\"";
        }
    }

    /** A valid request: method, target, headers (Host and Connection: close included), body or null. */
    private record Template(String method, String target, String body, String... headers) {
    }

    private static final List<Template> TEMPLATES = List.of(
            new Template("GET", M + "/f1", null),
            new Template("PUT", M + "/f1", MEMORY, "Content-Type", JSON),
            new Template("PUT", M + "/k%3Bv=2", MEMORY, "Content-Type", JSON),
            new Template("DELETE", M + "/k%3Bv=2", null),
            new Template("GET", M + "/f2?embedding=false", null, "Accept", JSON),
            new Template("PATCH", M + "/f1", PATCH, "Content-Type", "application/merge-patch+json"),
            new Template("PUT", M + "/caf%C3%A9", MEMORY, "Content-Type", JSON),
            new Template("PUT", M + "/a%2Fb", MEMORY, "Content-Type", JSON, "If-None-Match", "*"),
            new Template("DELETE", M + "/f2", null, "If-Match", "*"),
            new Template("PUT", M + "/f2", MEMORY, "Content-Type", JSON),
            new Template("POST", M, "{\"content\":\"posted\"}", "Content-Type", JSON),
            new Template("GET", M + "?limit=10&after=ZjE", null),
            new Template("POST", M + "/batch", "{\"memories\":[{\"id\":\"f1\",\"content\":\"one\"},"
                    + "{\"id\":\"b;x\",\"content\":\"two\",\"embedding\":[0,0,0,1]}]}", "Content-Type", JSON),
            new Template("PATCH", M + "/k%3Bv=2", "{\"activation\":0.5}", "Content-Type", "application/merge-patch+json"),
            new Template("GET", "/api/v1/spaces", null),
            new Template("PUT", "/api/v1/spaces/fz-a", null),
            new Template("DELETE", "/api/v1/spaces/fz-a", null),
            new Template("GET", M + "/a%2Fb", null),
            new Template("GET", "/actuator/warmtier/" + SPACE, null),
            new Template("GET", "/actuator/health/liveness", null),
            new Template("PUT", "/api/v1/spaces/fz-b", null),
            new Template("DELETE", "/api/v1/spaces/fz-b", null));

    private static final String[] SEMICOLONS = {";", ";k=v", ";jsessionid=1", ";v=2", ";a=b;c=d", ";oops"};
    private static final String[] ESCAPES = {"%", "%G1", "%00", "%C3%28", "%2F", "%5C", "%3B", "%25", "%FF", "%E2%82",
            "%7", "%%", "%0A", "%C0%AF", "%ED%A0%80", "%20"};
    /** Raw bytes in a path (ISO-8859-1 chars, one byte each). */
    private static final String[] RAW_PATH_CHARS = {" ", "\"", "<", "{", "|", "\\", "\u00e9", "\u00c3\u00a9", "\t", "#",
            "?", "[", "^", "`", "\u0000", "\u007f"};
    private static final String[] QUERIES = {"limit=%ZZ", "limit=%", "after=%G1", "embedding=%00", "limit=0",
            "limit=1001", "limit=abc", "embedding=maybe", "limit=1&limit=2", "after=!!!", "after=%C3%28", "x=%2",
            "limit=99999999999", "after=", "embedding", "%=1", "limit=%2B1", "after=%FF%FE"};
    private static final String[][] HEADERS = {
            {"Accept", "application/xml"}, {"Accept", "application/json;charset=iso-8859-1"}, {"Accept", "text/html"},
            {"Accept", "*/*;q=0"}, {"Accept", ";;;"}, {"Accept", "application/problem+json"}, {"Accept", "application/cbor"},
            {"Accept-Charset", "iso-8859-1"}, {"Content-Type", "text/plain"},
            {"Content-Type", "application/json;charset=utf-16"}, {"Content-Type", "application/json;charset=bogus"},
            {"Content-Type", "application/merge-patch+json"}, {"Content-Type", ""}, {"Content-Type", "application/json; a=\""},
            {"Content-Type", "multipart/form-data; boundary=x"}, {"Content-Type", "application/x-www-form-urlencoded"},
            {"Content-Encoding", "gzip"}, {"Expect", "100-continue"}, {"Expect", "bogus"}, {"If-Match", "\"1\""},
            {"If-Match", "garbage"}, {"If-None-Match", "*"}, {"If-None-Match", "\"x"}, {"X-Ctl", "a\u0001b"},
            {"X-Del", "a\u007fb"}, {"X-Latin", "caf\u00e9"}, {"Transfer-Encoding", "chunked"},
            {"Transfer-Encoding", "gzip"}, {"Host", ""}, {"Host", "other:1"}, {" Leading", "space"},
            {"Bad Name", "x"}, {"", "empty-name"}, {"Range", "bytes=0-1"}, {"Accept-Encoding", "gzip"},
            {"Origin", "http://evil.example"}, {"X-HTTP-Method-Override", "DELETE"}};
    private static final String[] METHODS = {"GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE",
            "CONNECT", "PROPFIND", "BREW", "get", "G\u00c9T", ""};
    private static final String[] JSON_VALUES = {"1e39", "-1e39", "NaN", "\"AAAAPw==\"", "null", "[]", "{}", "\"x\"",
            "true", "1e-50", "99999999999999999999999", "[1,2]", "[1,2,3,4,5]", "\"\\u0000\"", "[1e39,0,0,0]",
            "[\"1\",2,3,4]", "-0.5", "2", "\"\\uD800\""};
    private static final String[] DUPLICATES = {"\"content\":\"dup\",", "\"confidence\":0.1,", "\"id\":\"other\",",
            "\"version\":7,", "\"space\":\"default\",", "\"embedding\":null,"};
    private static final String[] BODIES = {"", "null", "[]", "\"str\"", "{", "{}", "{\"content\":" + "[".repeat(2000),
            "{\"content\":\"" + "a".repeat(1500) + "\"}", "\u00ff\u00fe{}", "{\"memories\":[]}", "{\"content\":\"\u00e9\"}"};

    private FuzzRequests() {
    }

    static Gen<FuzzRequest> requests() {
        return FuzzRequests::generate;
    }

    /** The valid requests the mutations start from, as bytes. */
    static int templateCount() {
        return TEMPLATES.size();
    }

    private static FuzzRequest generate(RandomnessSource in) {
        int index = pick(in, TEMPLATES.size());
        Draft draft = new Draft(TEMPLATES.get(index));
        int mutations = (int) in.next(Constraint.between(0, MAX_MUTATIONS));
        for (int i = 0; i < mutations; i++) {
            MUTATIONS[pick(in, MUTATIONS.length)].apply(draft, in);
        }
        return new FuzzRequest(index, List.copyOf(draft.log), draft.bytes());
    }

    private static int pick(RandomnessSource in, int n) {
        return (int) in.next(Constraint.between(0, n - 1));
    }

    private static String pick(RandomnessSource in, String[] options) {
        return options[pick(in, options.length)];
    }

    /** A request being mutated; the raw mutations run on its bytes, in order, once it is serialized. */
    private static final class Draft {
        String method;
        String target;
        final List<String[]> headers = new ArrayList<>();
        byte[] body;
        /** null: computed from the body; "": none sent; otherwise sent as is. */
        String contentLength;
        final List<UnaryOperator<byte[]>> raw = new ArrayList<>();
        final List<String> log = new ArrayList<>();

        Draft(Template template) {
            method = template.method();
            target = template.target();
            headers.add(new String[] {"Host", "localhost"});
            for (int i = 0; i < template.headers().length; i += 2) {
                headers.add(new String[] {template.headers()[i], template.headers()[i + 1]});
            }
            headers.add(new String[] {"Connection", "close"});
            body = template.body() == null ? new byte[0] : template.body().getBytes(StandardCharsets.UTF_8);
        }

        int pathEnd() {
            int q = target.indexOf('?');
            return q < 0 ? target.length() : q;
        }

        byte[] bytes() {
            StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
            for (String[] header : headers) {
                head.append(header[0]).append(": ").append(header[1]).append("\r\n");
            }
            String length = contentLength != null ? contentLength
                    : body.length > 0 || method.equals("PUT") || method.equals("POST") || method.equals("PATCH")
                    ? Integer.toString(body.length) : "";
            if (!length.isEmpty()) {
                head.append("Content-Length: ").append(length).append("\r\n");
            }
            head.append("\r\n");
            byte[] start = head.toString().getBytes(StandardCharsets.ISO_8859_1);
            byte[] all = Arrays.copyOf(start, start.length + body.length);
            System.arraycopy(body, 0, all, start.length, body.length);
            for (var mutation : raw) {
                all = mutation.apply(all);
            }
            return all;
        }
    }

    @FunctionalInterface
    private interface Mutation {
        void apply(Draft draft, RandomnessSource in);
    }

    private static final Mutation[] MUTATIONS = {
            FuzzRequests::semicolonInASegment,
            FuzzRequests::escapeInThePath,
            FuzzRequests::query,
            FuzzRequests::addHeader,
            FuzzRequests::unescape,
            FuzzRequests::swapMethod,
            FuzzRequests::replaceJsonValue,
            FuzzRequests::rawCharInThePath,
            FuzzRequests::duplicateKey,
            FuzzRequests::replaceBody,
            FuzzRequests::truncateBody,
            FuzzRequests::flipBodyByte,
            FuzzRequests::removeHeader,
            FuzzRequests::contentLength,
            FuzzRequests::manyHeaders,
            FuzzRequests::hugeHeader,
            FuzzRequests::flipHeadByte,
            FuzzRequests::bareLineFeeds,
            FuzzRequests::truncateRequest};

    /** {@code ;} or {@code ;k=v} inside or at the end of one path segment. */
    private static void semicolonInASegment(Draft d, RandomnessSource in) {
        String path = d.target.substring(0, d.pathEnd());
        List<Integer> ends = new ArrayList<>();
        for (int i = 1; i <= path.length(); i++) {
            if (i == path.length() || path.charAt(i) == '/') {
                ends.add(i);
            }
        }
        int end = ends.get(pick(in, ends.size()));
        int start = path.lastIndexOf('/', end - 1) + 1;
        int at = end - (int) in.next(Constraint.between(0, end - start));
        String token = pick(in, SEMICOLONS);
        d.target = d.target.substring(0, at) + token + d.target.substring(at);
        d.log.add("insert '" + token + "' into the path at " + at);
    }

    private static void escapeInThePath(Draft d, RandomnessSource in) {
        int at = 1 + pick(in, d.pathEnd());
        String token = pick(in, ESCAPES);
        d.target = d.target.substring(0, at) + token + d.target.substring(at);
        d.log.add("insert escape '" + token + "' into the path at " + at);
    }

    private static void rawCharInThePath(Draft d, RandomnessSource in) {
        int at = 1 + pick(in, d.pathEnd());
        String token = pick(in, RAW_PATH_CHARS);
        d.target = d.target.substring(0, at) + token + d.target.substring(at);
        d.log.add("insert raw \"" + RawHttp.escape(token.getBytes(StandardCharsets.ISO_8859_1)) + "\" into the path at " + at);
    }

    private static final Pattern ESCAPE = Pattern.compile("%[0-9A-Fa-f]{2}");

    /** One {@code %XX} of the target back to its raw byte: {@code %3B} becomes a raw {@code ;}. */
    private static void unescape(Draft d, RandomnessSource in) {
        List<Integer> found = new ArrayList<>();
        Matcher m = ESCAPE.matcher(d.target);
        while (m.find()) {
            found.add(m.start());
        }
        if (found.isEmpty()) {
            d.log.add("unescape: none to unescape");
            return;
        }
        int at = found.get(pick(in, found.size()));
        char raw = (char) Integer.parseInt(d.target.substring(at + 1, at + 3), 16);
        d.target = d.target.substring(0, at) + raw + d.target.substring(at + 3);
        d.log.add("unescape at " + at);
    }

    private static void query(Draft d, RandomnessSource in) {
        String query = pick(in, QUERIES);
        boolean append = in.next(Constraint.between(0, 1)) == 1 && d.target.contains("?");
        d.target = append ? d.target + "&" + query : d.target.substring(0, d.pathEnd()) + "?" + query;
        d.log.add((append ? "append query '" : "query '") + query + "'");
    }

    private static void addHeader(Draft d, RandomnessSource in) {
        String[] header = HEADERS[pick(in, HEADERS.length)];
        d.headers.add(pick(in, d.headers.size() + 1), header.clone());
        d.log.add("add header \"" + RawHttp.escape((header[0] + ": " + header[1]).getBytes(StandardCharsets.ISO_8859_1)) + "\"");
    }

    private static void removeHeader(Draft d, RandomnessSource in) {
        if (d.headers.isEmpty()) {
            d.log.add("remove header: none left");
            return;
        }
        String[] removed = d.headers.remove(pick(in, d.headers.size()));
        d.log.add("remove header " + removed[0]);
    }

    private static void manyHeaders(Draft d, RandomnessSource in) {
        int count = 95 + pick(in, 20);
        for (int i = 0; i < count; i++) {
            d.headers.add(Math.min(1, d.headers.size()), new String[] {"X-Many-" + i, "v"});
        }
        d.log.add("add " + count + " headers");
    }

    private static void hugeHeader(Draft d, RandomnessSource in) {
        int size = 7 * 1024 + pick(in, 4 * 1024);
        d.headers.add(Math.min(1, d.headers.size()), new String[] {"X-Huge", "h".repeat(size)});
        d.log.add("add a header of " + size + " bytes");
    }

    private static void swapMethod(Draft d, RandomnessSource in) {
        d.method = pick(in, METHODS);
        d.log.add("method '" + RawHttp.escape(d.method.getBytes(StandardCharsets.ISO_8859_1)) + "'");
    }

    private static void contentLength(Draft d, RandomnessSource in) {
        String[] choices = {Integer.toString(Math.max(0, d.body.length - 1)), Integer.toString(d.body.length + 5), "",
                "-1", "abc", "0", "99999999999999999999", "1, 2", " " + d.body.length};
        d.contentLength = pick(in, choices);
        d.log.add("Content-Length '" + d.contentLength + "'");
    }

    private static void replaceJsonValue(Draft d, RandomnessSource in) {
        String body = new String(d.body, StandardCharsets.ISO_8859_1);
        List<Integer> colons = new ArrayList<>();
        for (int i = 0; i < body.length(); i++) {
            if (body.charAt(i) == ':') {
                colons.add(i);
            }
        }
        if (colons.isEmpty()) {
            d.log.add("json value: no field to change");
            return;
        }
        int start = colons.get(pick(in, colons.size())) + 1;
        int end = valueEnd(body, start);
        String value = pick(in, JSON_VALUES);
        d.body = (body.substring(0, start) + value + body.substring(end)).getBytes(StandardCharsets.ISO_8859_1);
        d.log.add("json value at " + start + " -> " + value);
    }

    /** Where the JSON value starting at {@code start} ends: the first , } or ] outside brackets and strings. */
    private static int valueEnd(String body, int start) {
        int depth = 0;
        boolean string = false;
        for (int i = start; i < body.length(); i++) {
            char c = body.charAt(i);
            if (string) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    string = false;
                }
            } else if (c == '"') {
                string = true;
            } else if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}' || c == ',') {
                if (depth == 0) {
                    return i;
                }
                if (c != ',') {
                    depth--;
                }
            }
        }
        return body.length();
    }

    private static void duplicateKey(Draft d, RandomnessSource in) {
        String key = pick(in, DUPLICATES);
        String body = new String(d.body, StandardCharsets.ISO_8859_1);
        int brace = body.indexOf('{');
        body = brace < 0 ? "{" + key + "\"content\":\"x\"}" : body.substring(0, brace + 1) + key + body.substring(brace + 1);
        d.body = body.getBytes(StandardCharsets.ISO_8859_1);
        d.log.add("duplicate key " + key);
    }

    private static void replaceBody(Draft d, RandomnessSource in) {
        String body = pick(in, BODIES);
        d.body = body.getBytes(StandardCharsets.ISO_8859_1);
        d.log.add("body of " + d.body.length + " bytes: " + RawHttp.escape(Arrays.copyOf(d.body, Math.min(20, d.body.length))));
    }

    private static void truncateBody(Draft d, RandomnessSource in) {
        int keep = (int) in.next(Constraint.between(0, d.body.length));
        d.body = Arrays.copyOf(d.body, keep);
        d.log.add("truncate body to " + keep);
    }

    private static void flipBodyByte(Draft d, RandomnessSource in) {
        if (d.body.length == 0) {
            d.log.add("flip body byte: empty body");
            return;
        }
        int at = pick(in, d.body.length);
        int mask = 1 + pick(in, 255);
        d.body[at] ^= (byte) mask;
        d.log.add("flip body byte " + at + " ^ " + mask);
    }

    /** XOR one byte of the request line or headers (the bytes before the blank line). */
    private static void flipHeadByte(Draft d, RandomnessSource in) {
        long at = in.next(Constraint.between(0, 4095));
        int mask = 1 + pick(in, 255);
        d.raw.add(bytes -> {
            int head = Math.max(1, headLength(bytes));
            int i = (int) (at % head);
            byte[] out = bytes.clone();
            out[i] ^= (byte) mask;
            return out;
        });
        d.log.add("flip head byte " + at + " (mod head length) ^ " + mask);
    }

    private static void bareLineFeeds(Draft d, RandomnessSource in) {
        d.raw.add(bytes -> {
            int head = headLength(bytes);
            byte[] start = new String(bytes, 0, head, StandardCharsets.ISO_8859_1).replace("\r\n", "\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            byte[] out = Arrays.copyOf(start, start.length + bytes.length - head);
            System.arraycopy(bytes, head, out, start.length, bytes.length - head);
            return out;
        });
        d.log.add("bare LF line ends in the head");
    }

    private static void truncateRequest(Draft d, RandomnessSource in) {
        long keep = in.next(Constraint.between(1, 4096));
        d.raw.add(bytes -> Arrays.copyOf(bytes, (int) Math.min(bytes.length, keep)));
        d.log.add("truncate the request to " + keep + " bytes");
    }

    /** Bytes up to the end of the blank line that ends the head, or all of them. */
    private static int headLength(byte[] bytes) {
        for (int i = 0; i + 3 < bytes.length; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') {
                return i + 4;
            }
        }
        return bytes.length;
    }
}
