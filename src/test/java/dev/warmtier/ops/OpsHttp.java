package dev.warmtier.ops;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** HTTP and file helpers for the operations tests. */
final class OpsHttp {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient client = HttpClient.newHttpClient();
    private final String base;

    OpsHttp(int port) {
        this.base = "http://localhost:" + port;
    }

    record Reply(int status, JsonNode json, String body) {
    }

    Reply send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = response.body().isEmpty() ? null : JSON.readTree(response.body());
        return new Reply(response.statusCode(), json, response.body());
    }

    /** Flips one byte of a slot's embedding in a live store's slot file: a bad disk, in miniature. */
    static void flipSlotByte(Path spaceDir, long slot, int dimension) throws Exception {
        long at = dev.warmtier.engine.SlotLayout.HEADER_BYTES + slot * dev.warmtier.engine.SlotLayout.slotSize(dimension)
                + dev.warmtier.engine.SlotLayout.EMBEDDING_OFFSET + 1;
        try (FileChannel channel = FileChannel.open(spaceDir.resolve("slots.dat"), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, at);
            one.put(0, (byte) (one.get(0) ^ 0x5A)).rewind();
            channel.write(one, at);
        }
    }
}
