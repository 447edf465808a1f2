package dev.warmtier.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives a problem detail to an error answered with no body at all (an actuator endpoint's 404 for
 * an unknown selector, for one): every 4xx and 5xx carries {@code application/problem+json}. An
 * error sent with {@code sendError} is left to the error page ({@link ProblemErrorController}); a
 * HEAD answer stays empty.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
class ErrorBodyFilter extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        BodyWatch watched = new BodyWatch(response);
        chain.doFilter(request, watched);
        watched.flushWriter();
        int status = response.getStatus();
        if (status >= 400 && !watched.wroteBody && !watched.sentError && !response.isCommitted()
                && !"HEAD".equals(request.getMethod())) {
            byte[] problem = Problems.json(status, Problems.detailOf(status), Problems.instance(request.getRequestURI()));
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.setContentLength(problem.length);
            response.getOutputStream().write(problem);
        }
    }

    /** Notes whether anything was written to the body, or the error was handed to the error page. */
    private static final class BodyWatch extends HttpServletResponseWrapper {
        private boolean wroteBody;
        private boolean sentError;
        private ServletOutputStream stream;
        private PrintWriter writer;

        BodyWatch(HttpServletResponse response) {
            super(response);
        }

        @Override
        public void sendError(int status, String message) throws IOException {
            sentError = true;
            super.sendError(status, message);
        }

        @Override
        public void sendError(int status) throws IOException {
            sentError = true;
            super.sendError(status);
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            if (stream == null) {
                ServletOutputStream out = super.getOutputStream();
                stream = new ServletOutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        wroteBody = true;
                        out.write(b);
                    }

                    @Override
                    public void write(byte[] bytes, int offset, int length) throws IOException {
                        wroteBody |= length > 0;
                        out.write(bytes, offset, length);
                    }

                    @Override
                    public void flush() throws IOException {
                        out.flush();
                    }

                    @Override
                    public boolean isReady() {
                        return out.isReady();
                    }

                    @Override
                    public void setWriteListener(WriteListener listener) {
                        out.setWriteListener(listener);
                    }
                };
            }
            return stream;
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            if (writer == null) {
                String encoding = getCharacterEncoding();
                writer = new PrintWriter(new OutputStreamWriter(getOutputStream(),
                        encoding == null ? StandardCharsets.UTF_8.name() : encoding), false);
            }
            return writer;
        }

        @Override
        public void flushBuffer() throws IOException {
            flushWriter();
            super.flushBuffer();
        }

        /** Characters a handler wrote and left in the writer's buffer reach the body. */
        void flushWriter() {
            if (writer != null) {
                writer.flush();
            }
        }
    }
}
