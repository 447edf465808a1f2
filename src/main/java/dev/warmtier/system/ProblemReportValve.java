package dev.warmtier.system;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;

/**
 * The host's error report valve: an error that Tomcat answers itself (a request it could not parse,
 * a method it refuses, an error no page handled) is an RFC 9457 problem detail, never Tomcat's HTML
 * page. The detail is a fixed sentence per status: nothing of the request, the exception or the
 * server is echoed. See {@link #statusFor} for the statuses it corrects.
 */
public class ProblemReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        status = statusFor(status, throwable);
        response.setStatus(status);
        try {
            response.setContentType("application/problem+json");
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            PrintWriter writer = response.getReporter();
            if (writer != null) {
                writer.write(new String(Problems.json(status, Problems.detailOf(status), instanceOf(request)),
                        StandardCharsets.UTF_8));
            }
        } catch (IOException | IllegalStateException e) {
            // The connection is gone or the answer was committed meanwhile: nothing more to say.
        }
    }

    /**
     * A client's request is never answered with a 5xx: Tomcat's 501 (a method it does not
     * implement, such as CONNECT) is a 405, its 505 (a request line whose protocol is not HTTP/1.x)
     * a 400. Headers past the size or count limit are a 431, not a 400.
     */
    private static int statusFor(int status, Throwable cause) {
        return switch (status) {
            case 400 -> headersTooLarge(cause) ? 431 : 400;
            case 501 -> 405;
            case 505 -> 400;
            default -> status;
        };
    }

    /** Tomcat's parser refuses a header block past its size or count limit with one of these messages. */
    private static boolean headersTooLarge(Throwable cause) {
        String message = cause == null ? "" : String.valueOf(cause.getMessage());
        return message.contains("header is too large") || message.contains("maximum allowed number of headers");
    }

    private static URI instanceOf(Request request) {
        try {
            return Problems.instance(request.getRequestURI());
        } catch (RuntimeException unreadable) {
            return Problems.UNREADABLE_PATH;
        }
    }
}
