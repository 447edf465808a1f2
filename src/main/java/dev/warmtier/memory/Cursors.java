package dev.warmtier.memory;

import dev.warmtier.system.InvalidRequestException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Paging cursors: the last id of a page, base64url-encoded so clients treat it as opaque. */
final class Cursors {

    private Cursors() {
    }

    static String of(String lastId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(lastId.getBytes(StandardCharsets.UTF_8));
    }

    static String idOf(String cursor) {
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(cursor);
            String id = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            if (id.isEmpty() || bytes.length > 256) {
                throw new InvalidRequestException("after", "is not a cursor this service returned");
            }
            return id;
        } catch (IllegalArgumentException | CharacterCodingException e) {
            throw new InvalidRequestException("after", "is not a cursor this service returned");
        }
    }
}
