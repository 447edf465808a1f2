package dev.warmtier.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The first filter every request meets. It refuses, before anything routes, parses or stores, a
 * request whose meaning the container or Spring would otherwise change behind the client's back:
 * <ul>
 *   <li>a raw {@code ;} in the path (Tomcat and Spring strip it as a path parameter, so
 *       {@code DELETE /spaces/abc;x} would drop {@code abc}), a {@code .} or {@code ..} segment
 *       (normalized away) and an empty segment (merged): 400;</li>
 *   <li>a query with a malformed percent-escape, bytes that are not UTF-8, or more than
 *       {@value #MAX_QUERY_PARAMETERS} parameters: 400 (Tomcat's own parser would fail later, as a 500);</li>
 *   <li>a {@code Content-Encoding} other than identity: 415 (bodies are read as sent);</li>
 *   <li>a form body ({@code application/x-www-form-urlencoded}, {@code multipart/form-data}): 415
 *       before any parameter parser reads it;</li>
 *   <li>an {@code Accept} header that cannot be parsed (400) or names only charsets other than UTF-8
 *       (406). Ranges with another charset, or with {@code q=0}, are removed before Spring
 *       negotiates, so it never picks an encoding it cannot write after the operation ran.</li>
 * </ul>
 * Each refusal is the usual problem detail, through {@link ProblemResponses}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class RequestGuardFilter extends OncePerRequestFilter {

    static final int MAX_QUERY_PARAMETERS = 100;


    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        HttpServletRequest checked;
        try {
            checkPath(request.getRequestURI());
            checkQuery(request.getQueryString());
            checkContentEncoding(request);
            checkNotAForm(request.getContentType());
            checked = withAcceptableRanges(request);
        } catch (RuntimeException refused) {
            ProblemResponses.send(request, response, refused);
            return;
        }
        chain.doFilter(checked, response);
    }

    /** The raw path, as sent: no {@code ;}, no dot segment (raw or escaped), no empty segment. */
    static void checkPath(String rawPath) {
        if (rawPath == null || rawPath.equals("/")) {
            return;
        }
        if (rawPath.indexOf(';') >= 0) {
            throw new InvalidRequestException("path", "must not contain a raw ';' (it would be cut off as a path "
                    + "parameter); percent-encode it as %3B inside an id");
        }
        String[] segments = rawPath.split("/", -1);
        for (int i = 1; i < segments.length; i++) {
            String segment = segments[i];
            if (segment.isEmpty()) {
                throw new InvalidRequestException("path", "must not contain an empty segment ('//' or a trailing '/')");
            }
            String dots = segment.replace("%2E", ".").replace("%2e", ".");
            if (dots.equals(".") || dots.equals("..")) {
                throw new InvalidRequestException("path", "must not contain a '.' or '..' segment, raw or "
                        + "percent-encoded (URLs normalize them away)");
            }
        }
    }

    /** The raw query: well-formed escapes that decode to UTF-8, and a bounded number of parameters. */
    static void checkQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return;
        }
        String[] parameters = rawQuery.split("&", -1);
        if (parameters.length > MAX_QUERY_PARAMETERS) {
            throw new InvalidRequestException("query", "must have at most " + MAX_QUERY_PARAMETERS
                    + " parameters, had " + parameters.length);
        }
        for (String parameter : parameters) {
            ByteBuffer bytes = ByteBuffer.allocate(parameter.length() * 3);
            for (int i = 0; i < parameter.length(); i++) {
                char c = parameter.charAt(i);
                if (c == '%') {
                    if (i + 2 >= parameter.length() || !isHex(parameter.charAt(i + 1)) || !isHex(parameter.charAt(i + 2))) {
                        throw new InvalidRequestException("query", "has a '%' not followed by two hex digits");
                    }
                    bytes.put((byte) Integer.parseInt(parameter, i + 1, i + 3, 16));
                    i += 2;
                } else {
                    bytes.put(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                }
            }
            try {
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes.flip());
            } catch (CharacterCodingException e) {
                throw new InvalidRequestException("query", "must decode to UTF-8");
            }
        }
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }

    private static void checkContentEncoding(HttpServletRequest request) {
        for (Enumeration<String> values = request.getHeaders(HttpHeaders.CONTENT_ENCODING); values.hasMoreElements(); ) {
            for (String coding : values.nextElement().split(",")) {
                String name = coding.trim();
                if (!name.isEmpty() && !name.equalsIgnoreCase("identity")) {
                    throw new UnsupportedContentException(HttpHeaders.CONTENT_ENCODING,
                            "must be identity (bodies are read as sent, uncompressed), was '" + Problems.quote(name) + "'");
                }
            }
        }
    }

    private static void checkNotAForm(String contentType) {
        if (contentType == null) {
            return;
        }
        String type = contentType.toLowerCase(Locale.ROOT).trim();
        if (type.startsWith(MediaType.APPLICATION_FORM_URLENCODED_VALUE) || type.startsWith("multipart/")) {
            throw new UnsupportedContentException(HttpHeaders.CONTENT_TYPE, "must be a JSON type; form bodies are "
                    + "not read, was '" + Problems.quote(contentType) + "'");
        }
    }

    /**
     * The request with only the Accept ranges the service can honour: every answer is UTF-8, so a
     * range that names another charset (or has q=0) is one it never satisfies.
     */
    private static HttpServletRequest withAcceptableRanges(HttpServletRequest request) {
        List<String> values = Collections.list(request.getHeaders(HttpHeaders.ACCEPT));
        if (values.isEmpty()) {
            return request;
        }
        List<MediaType> ranges;
        try {
            ranges = MediaType.parseMediaTypes(values);
        } catch (InvalidMediaTypeException e) {
            throw new InvalidRequestException(HttpHeaders.ACCEPT, "is not a valid list of media ranges");
        }
        if (ranges.isEmpty()) {
            return request; // a blank Accept means no preference
        }
        List<String> kept = new ArrayList<>();
        for (MediaType range : ranges) {
            if (range.getQualityValue() > 0 && isUtf8OrUnset(range)) {
                kept.add(range.toString());
            }
        }
        if (kept.isEmpty()) {
            throw new NotAcceptableException("the service answers in UTF-8 only; Accept named no range it can "
                    + "satisfy, was '" + Problems.quote(String.join(", ", values)) + "'");
        }
        if (kept.size() == ranges.size()) {
            return request;
        }
        String accept = String.join(", ", kept);
        return new HttpServletRequestWrapper(request) {
            @Override
            public String getHeader(String name) {
                return HttpHeaders.ACCEPT.equalsIgnoreCase(name) ? accept : super.getHeader(name);
            }

            @Override
            public Enumeration<String> getHeaders(String name) {
                return HttpHeaders.ACCEPT.equalsIgnoreCase(name)
                        ? Collections.enumeration(List.of(accept)) : super.getHeaders(name);
            }
        };
    }

    private static boolean isUtf8OrUnset(MediaType range) {
        String charset = range.getParameter("charset");
        if (charset == null) {
            return true;
        }
        try {
            return Charset.forName(charset.replace("\"", "")).equals(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException unknown) {
            return false;
        }
    }
}
