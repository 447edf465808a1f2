package dev.warmtier.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.support.RawHttp;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * What {@link RequestGuardFilter} refuses before anything routes, parses or stores: paths whose
 * meaning the container would change (on every endpoint), encodings and forms it does not read,
 * Accept headers it cannot honour, and a too large body announced with {@code Expect: 100-continue}.
 * Each refusal is a problem detail, and the data and the spaces are as they were.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RequestGuardTests {

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", () -> dataDir.toString());
        registry.add("warmtier.embedding-dimension", () -> "4");
        registry.add("warmtier.durability", () -> "none");
        registry.add("warmtier.check-interval", () -> "0");
        registry.add("warmtier.max-request-bytes", () -> "100000");
    }

    private static final String SPACE = "/api/v1/spaces/guarded";
    private static final String M = SPACE + "/memories";
    private static final String JSON = "application/json";

    @LocalServerPort
    int port;

    private RawHttp.Exchange send(String method, String target, String body, String... headers) {
        return new RawHttp(port).send(method, target, body, headers);
    }

    /** The space and one memory {@code k}; returns the memory's ETag. */
    private String seeded() {
        send("PUT", SPACE, null);
        RawHttp.Exchange put = send("PUT", M + "/k", "{\"content\":\"kept\"}", "Content-Type", JSON);
        assertThat(put.answered()).as("%s", put).isTrue();
        return send("GET", M + "/k", null).response().header("ETag");
    }

    /** The space still exists, and {@code k} is at this ETag with its content. */
    private void unchanged(String etag) {
        RawHttp.Exchange get = send("GET", M + "/k", null);
        assertThat(get.response().status()).as("%s", get).isEqualTo(200);
        assertThat(get.response().header("ETag")).as("%s", get).isEqualTo(etag);
        assertThat(get.response().jsonOrNull().path("content").asString()).isEqualTo("kept");
    }

    private long count() {
        JsonNode page = send("GET", M + "?limit=1000", null).response().jsonOrNull();
        return page.path("items").size();
    }

    @Test
    void aRawSemicolonAnswers400OnEveryEndpointAndChangesNothing() {
        String etag = seeded();
        long before = count();
        String body = "{\"content\":\"changed\"}";
        List<RawHttp.Exchange> exchanges = List.of(
                send("GET", M + "/k;v=1", null),
                send("PUT", M + "/k;v=1", body, "Content-Type", JSON),
                send("PATCH", M + "/k;v=1", body, "Content-Type", "application/merge-patch+json"),
                send("DELETE", M + "/k;v=1", null),
                send("POST", M + ";x=1", body, "Content-Type", JSON),
                send("GET", M + ";x=1?limit=10", null),
                send("POST", M + "/batch;x=1", "{\"memories\":[{\"id\":\"k\",\"content\":\"changed\"}]}",
                        "Content-Type", JSON),
                send("PUT", "/api/v1/spaces/guarded;x=1", null),
                send("DELETE", "/api/v1/spaces/guarded;x=1", null),
                send("GET", "/api/v1/spaces;x=1", null),
                send("GET", "/actuator/warmtier/guarded;x=1", null),
                send("GET", "/actuator/health;x=1", null));
        for (RawHttp.Exchange exchange : exchanges) {
            RawHttp.Response refused = RawHttp.problem(exchange, 400);
            assertThat(refused.jsonOrNull().path("errors").get(0).path("field").asString()).isEqualTo("path");
        }
        unchanged(etag);
        assertThat(count()).isEqualTo(before);
    }

    @Test
    void dotAndEmptySegmentsAnswer400InsteadOfBeingNormalizedAway() {
        String etag = seeded();
        // Normalized, each of these would reach another resource: the space itself, or k.
        for (String target : List.of(M + "/..", M + "/%2e%2E", M + "/x/../k", SPACE + "/memories/./k",
                "/api/v1/spaces//guarded", M + "//k")) {
            RawHttp.problem(send("DELETE", target, null), 400);
        }
        unchanged(etag);
    }

    @Test
    void aMalformedQueryAnswers400() {
        seeded();
        for (String query : List.of("?limit=%ZZ", "?limit=%4", "?after=%C3%28", "?limit=1" + "&x=1".repeat(100))) {
            RawHttp.problem(send("GET", M + query, null), 400);
        }
    }

    @Test
    void aCompressedBodyIs415AndNothingIsStored() {
        String etag = seeded();
        RawHttp.Response refused = RawHttp.problem(send("PUT", M + "/k", "{\"content\":\"changed\"}",
                "Content-Type", JSON, "Content-Encoding", "gzip"), 415);
        assertThat(refused.text()).contains("Content-Encoding");
        RawHttp.problem(send("POST", M, "{\"content\":\"new\"}", "Content-Type", JSON, "Content-Encoding", "br"), 415);
        assertThat(send("PUT", M + "/k", "{\"content\":\"kept\"}", "Content-Type", JSON, "Content-Encoding",
                "identity").response().status()).isEqualTo(200);
    }

    @Test
    void formBodiesAre415AndNeverParsed() {
        String etag = seeded();
        long before = count();
        RawHttp.problem(send("PUT", M + "/k", "content=changed", "Content-Type", "application/x-www-form-urlencoded"),
                415);
        RawHttp.problem(send("POST", M, "content=new", "Content-Type", "application/x-www-form-urlencoded"), 415);
        RawHttp.problem(send("POST", M + "/batch", "--b\r\n\r\nx\r\n--b--", "Content-Type",
                "multipart/form-data; boundary=b"), 415);
        // A form body on a GET is not read as parameters either: limit stays the one in the query.
        RawHttp.Exchange listed = send("GET", M + "?limit=1", "limit=abc", "Content-Type",
                "application/x-www-form-urlencoded");
        RawHttp.problem(listed, 415);
        unchanged(etag);
        assertThat(count()).isEqualTo(before);
    }

    @Test
    void anAcceptWithOnlyOtherCharsetsIs406BeforeAnythingIsStored() {
        seeded();
        long before = count();
        RawHttp.problem(send("POST", M, "{\"content\":\"new\"}", "Content-Type", JSON, "Accept",
                "application/json;charset=iso-8859-1"), 406);
        RawHttp.problem(send("PUT", "/api/v1/spaces/never-made", null, "Accept", "application/json; charset=utf-16"),
                406);
        RawHttp.problem(send("POST", M + "/batch", "{\"memories\":[{\"id\":\"b1\",\"content\":\"x\"}]}",
                "Content-Type", JSON, "Accept", "*/*;charset=utf-32"), 406);
        assertThat(count()).isEqualTo(before);
        JsonNode spaces = send("GET", "/api/v1/spaces", null).response().jsonOrNull();
        assertThat(spaces.path("spaces").toString()).doesNotContain("never-made");
    }

    @Test
    void anAcceptThatAlsoNamesUtf8IsServedInUtf8() {
        seeded();
        RawHttp.Exchange get = send("GET", M + "/k", null, "Accept",
                "application/json;charset=iso-8859-1, application/json;charset=UTF-8;q=0.5");
        assertThat(get.response().status()).as("%s", get).isEqualTo(200);
        assertThat(get.response().header("Content-Type")).startsWith("application/json");
        RawHttp.problem(send("GET", M + "/k", null, "Accept", "application/json;q=0"), 406);
    }

    @Test
    void aMalformedAcceptIs400() {
        seeded();
        RawHttp.problem(send("GET", M + "/k", null, "Accept", ";;;"), 400);
        RawHttp.problem(send("GET", M + "/k", null, "Accept", "application/"), 400);
    }

    @Test
    void expectContinueWithAnOversizeLengthGets413InsteadOf100Continue() throws Exception {
        String etag = seeded();
        String head = "PUT " + M + "/k HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Expect: 100-continue\r\nContent-Length: 5000000\r\nConnection: close\r\n\r\n";
        // The client sends the head alone and waits, as a client expecting 100 Continue does; the
        // first bytes back must be the 413, never an invitation to send 5 MB.
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).as(answer).startsWith("HTTP/1.1 413").doesNotContain("100 Continue")
                    .contains("application/problem+json").contains("100000");
        }
        unchanged(etag);
    }
}
