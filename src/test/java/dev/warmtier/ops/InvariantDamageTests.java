package dev.warmtier.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.TestHttp;
import dev.warmtier.engine.ContentRecordLayout;
import dev.warmtier.engine.DamagedFiles;
import dev.warmtier.engine.SlotLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Every invariant count of {@code /actuator/warmtier} moves at the service level, alone: memories
 * are stored over HTTP, then the live files of one space are damaged the way a bad disk or a buggy
 * writer would (bytes written through a {@code FileChannel} land in the page cache the store's
 * mappings read), and the report of that space shows exactly the intended count non-zero.
 * ({@code duplicateSlots} counts index entries, which live on the heap, not in a file; no file
 * damage can move it, so {@link RacyServiceTests} moves it with the racy allocator.)
 *
 * <p>All tests share one service, so each damages a space of its own. Health is global, so a DOWN
 * seen after the damage proves nothing by itself if another space were already damaged; each test
 * therefore starts from an UP service, sees DOWN with its own space's violations in the health
 * details and every other space clean, then drops its space and sees UP again. A test that fails
 * half-way still has its space dropped afterwards, so the next one starts UP.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class InvariantDamageTests {

    private static final int DIMENSION = 4;
    private static final List<String> COUNTS = List.of("duplicateSlots", "overlappingContentRanges",
            "contentLengthMismatchBytes", "nonMonotonicSlots", "checksumFailures", "indexMismatches");

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", () -> dataDir.toString());
        registry.add("warmtier.embedding-dimension", () -> String.valueOf(DIMENSION));
        // No background check: every check in this class is one the test asked for.
        registry.add("warmtier.check-interval", () -> "0");
    }

    @LocalServerPort
    int port;
    TestHttp http;
    /** The space the running test damages, dropped after the test whatever its outcome. */
    String victim;

    @BeforeEach
    void aBystanderWithDataOfItsOwn() {
        http = new TestHttp(port);
        // The default space holds data too and is never damaged: its report must stay clean.
        for (int i = 0; i < 3; i++) {
            put("default", "bystander-" + i, "never damaged " + i);
        }
    }

    @AfterEach
    void dropTheVictim() {
        if (victim != null) {
            http.send("DELETE", "/api/v1/spaces/" + victim, null);
        }
    }

    @Test
    void aLostLengthWordInTheContentLogIsAContentLengthMismatch() throws Exception {
        String space = "damage-length-word";
        DamagedFiles files = createVictim(space);
        long replaced = put(space, "rewritten", "first version").get("slot").asLong();
        put(space, "rewritten", "second version");
        put(space, "after", "a record after the damage");
        long tail = assertClean(space).get("contentBytes").asLong();
        long offset = files.readSlotLong(replaced, SlotLayout.CONTENT_OFFSET_OFFSET);

        // The checker walks the log from offset 0 by each record's length word and compares where
        // the walk ends with the tail. A zero length is no plausible record, so the walk stops at
        // this record, short of the tail by exactly the bytes from it to the tail. The length word
        // is outside the record's checksum, and the record is a replaced version's, which no index
        // entry reads: no other count moves.
        files.writeContentBytes(offset, DamagedFiles.littleEndianInt(0));

        assertOnlyCountMoved(space, "contentLengthMismatchBytes", tail - offset);
        assertHealthUpOnceDropped(space);
    }

    @Test
    void aCommittedSlotWrittenPastTheAllocatorsMarkIsNonMonotonic() throws Exception {
        String space = "damage-past-the-mark";
        DamagedFiles files = createVictim(space);
        long copied = put(space, "copied", "written a second time, where no one claimed").get("slot").asLong();
        JsonNode clean = assertClean(space);
        long mark = clean.get("slotsAllocated").asLong();
        long unclaimed = mark + 2;
        assertThat(unclaimed).as("slot %d inside the capacity, %s", unclaimed, clean).isLessThan(
                clean.get("slotCapacity").asLong());

        // Slots are only written after the allocator hands them out, all below its next-slot mark,
        // so data at or past the mark was written by a writer that never claimed it (one that took
        // its slot from a stale or wrong counter). A whole committed slot is copied there. The slot
        // scan and the index pass look below the mark only: nothing but nonMonotonicSlots sees it.
        files.writeSlotBytes(unclaimed, 0, files.readSlot(copied));

        assertOnlyCountMoved(space, "nonMonotonicSlots", 1);
        assertHealthUpOnceDropped(space);
    }

    @Test
    void aClearedSlotThatTheIndexPointsAtIsAnIndexMismatch() throws Exception {
        String space = "damage-cleared-slot";
        DamagedFiles files = createVictim(space);
        long cleared = put(space, "cleared", "its slot is zeroed").get("slot").asLong();
        assertClean(space);

        // A lost write or a zeroed page: the index entry of "cleared" now points at a slot that is
        // not committed for that id (confirmed inside the id's compute, where no write is under
        // way). The slot is below the mark, so not non-monotonic; not committed, so no checksum is
        // checked; its content record is untouched, so the log counts stay at zero; its range is
        // empty now, so it overlaps nothing.
        files.clearSlot(cleared);

        assertOnlyCountMoved(space, "indexMismatches", 1);
        TestHttp.Response read = http.send("GET", "/api/v1/spaces/" + space + "/memories/cleared", null);
        System.out.println("GET of the memory whose slot was cleared: " + read);
        assertThat(read.status()).as("a read of a cleared slot fails loudly: %s", read).isEqualTo(500);
        assertHealthUpOnceDropped(space);
    }

    @Test
    void aCommittedVersionNewerThanTheIndexKnowsIsAnIndexMismatch() throws Exception {
        String space = "damage-unknown-winner";
        DamagedFiles files = createVictim(space);
        long replaced = put(space, "renumbered", "old content").get("slot").asLong();
        JsonNode current = put(space, "renumbered", "current content");
        long currentVersion = current.get("version").asLong();
        assertClean(space);

        // Per id, the committed slot with the highest version wins: that is what recovery rebuilds
        // the index from. A buggy writer stamps the replaced slot with a version past the current
        // one and seals it with a valid checksum, so the winner is a version the index does not
        // know, and a restart would bring the old content back. The slot is not live in the index,
        // so no range or slot is shared; its checksum and record are valid.
        files.rewriteSlot(replaced, slot -> slot.putLong(SlotLayout.VERSION_OFFSET, currentVersion + 1_000));

        assertOnlyCountMoved(space, "indexMismatches", 1);
        // The index still serves the current version: only the checker sees what a restart would do.
        JsonNode read = http.send("GET", "/api/v1/spaces/" + space + "/memories/renumbered", null).json();
        assertThat(read.get("content").asString()).as("%s", read).isEqualTo("current content");
        assertHealthUpOnceDropped(space);
    }

    @Test
    void aFlippedByteOfAContentRecordIsAChecksumFailure() throws Exception {
        String space = "damage-record-byte";
        DamagedFiles files = createVictim(space);
        long replaced = put(space, "replaced", "old content").get("slot").asLong();
        put(space, "replaced", "current content");
        assertClean(space);
        long offset = files.readSlotLong(replaced, SlotLayout.CONTENT_OFFSET_OFFSET);

        // The log scan verifies the CRC32C of every committed record, live or not. One content byte
        // of the replaced version's record flips, as on a bad disk. A live record is not used here:
        // its slot could no longer say which id it holds, so its index entry would be unbacked and
        // indexMismatches would move as well.
        files.flipContentByte(offset + ContentRecordLayout.ID_OFFSET + "replaced".length());

        assertOnlyCountMoved(space, "checksumFailures", 1);
        JsonNode read = http.send("GET", "/api/v1/spaces/" + space + "/memories/replaced", null).json();
        assertThat(read.get("content").asString()).as("%s", read).isEqualTo("current content");
        assertHealthUpOnceDropped(space);
    }

    @Test
    void twoIntactLiveRecordsSharingBytesAreAnOverlap() throws Exception {
        String space = "damage-overlap";
        DamagedFiles files = createVictim(space);
        int outerContentBytes = 100;
        long innerSlot = put(space, "inner", "bee").get("slot").asLong();
        long outerSlot = put(space, "outer", "x".repeat(outerContentBytes)).get("slot").asLong();
        assertClean(space);
        long innerOffset = files.readSlotLong(innerSlot, SlotLayout.CONTENT_OFFSET_OFFSET);
        int innerLength = files.readSlotInt(innerSlot, SlotLayout.RECORD_LENGTH_OFFSET);
        long outerOffset = files.readSlotLong(outerSlot, SlotLayout.CONTENT_OFFSET_OFFSET);
        long outerContent = outerOffset + ContentRecordLayout.ID_OFFSET + "outer".length();
        long copy = (outerContent + ContentRecordLayout.ALIGNMENT - 1)
                / ContentRecordLayout.ALIGNMENT * ContentRecordLayout.ALIGNMENT;
        assertThat(copy + innerLength).as("inner's %d-byte record fits in outer's content at %d", innerLength, copy)
                .isLessThanOrEqualTo(outerContent + outerContentBytes);

        // The checker counts the pairs of live slots whose records' ranges [offset, offset + length)
        // intersect. Two records can only both be intact while sharing bytes if the log handed out
        // overlapping reservations (a racy tail: the content log's twin of the racy slot allocator)
        // and the bytes agree. That state is built here: inner's record copied byte for byte into
        // outer's content, outer's checksum resealed over its new bytes, inner's slot pointed at the
        // copy and resealed. Every slot and record validates and holds its own id, so the overlap is
        // all that is wrong. (Pointing one slot at another's record, as InvariantCheckerTests does,
        // overlaps too, but that slot then holds the other id: indexMismatches moves as well.)
        files.writeContentBytes(copy, files.readContentBytes(innerOffset, innerLength));
        files.resealContentRecord(outerOffset);
        files.rewriteSlot(innerSlot, slot -> slot.putLong(SlotLayout.CONTENT_OFFSET_OFFSET, copy));

        assertOnlyCountMoved(space, "overlappingContentRanges", 1);
        // Reads pass every check of their own: only the checker sees the two records share bytes.
        JsonNode read = http.send("GET", "/api/v1/spaces/" + space + "/memories/inner", null).json();
        assertThat(read.get("content").asString()).as("%s", read).isEqualTo("bee");
        assertHealthUpOnceDropped(space);
    }

    // ---- helpers ----------------------------------------------------------------------------

    /** Creates the test's space, after checking that the service starts the test UP. */
    private DamagedFiles createVictim(String space) {
        TestHttp.Response health = http.send("GET", "/actuator/health", null);
        assertThat(health.status()).as("health before %s is damaged: %s", space, health.body()).isEqualTo(200);
        TestHttp.Response created = http.send("PUT", "/api/v1/spaces/" + space, null);
        assertThat(created.status()).as("PUT /api/v1/spaces/%s: %s", space, created).isEqualTo(201);
        victim = space;
        // Memories before the ones each test damages, so no damage sits at offset or slot 0.
        for (int i = 0; i < 3; i++) {
            put(space, "filler-" + i, "stored before the damage " + i);
        }
        return new DamagedFiles(dataDir.resolve(space), DIMENSION);
    }

    private JsonNode put(String space, String id, String content) {
        TestHttp.Response put = http.send("PUT", "/api/v1/spaces/" + space + "/memories/" + id,
                "{\"content\":\"" + content + "\"}");
        assertThat(put.status()).as("PUT %s/%s: %s", space, id, put).isIn(200, 201);
        return put.json();
    }

    /** The space's report before the damage: every count zero. */
    private JsonNode assertClean(String space) {
        TestHttp.Response report = http.send("GET", "/actuator/warmtier/" + space, null);
        assertThat(report.status()).as("%s", report).isEqualTo(200);
        JsonNode invariants = report.json().get("invariants");
        assertThat(invariants.get("ok").asBoolean()).as("before the damage: %s", report.body()).isTrue();
        for (String count : COUNTS) {
            assertThat(invariants.get(count).asLong()).as("%s before the damage: %s", count, report.body()).isZero();
        }
        return report.json();
    }

    /**
     * The space's report shows {@code count} at {@code expected} and every other count at zero;
     * the report of every space shows every other space clean; health is DOWN (503) with the
     * violations in this space's details and none elsewhere.
     */
    private void assertOnlyCountMoved(String space, String count, long expected) {
        TestHttp.Response report = http.send("GET", "/actuator/warmtier/" + space, null);
        System.out.println(count + " moved: GET /actuator/warmtier/" + space + " -> " + report);
        assertThat(report.status()).as("%s", report).isEqualTo(200);
        JsonNode invariants = report.json().get("invariants");
        assertThat(invariants.get("ok").asBoolean()).as("ok after the damage: %s", report.body()).isFalse();
        for (String each : COUNTS) {
            assertThat(invariants.get(each).asLong()).as("%s after damage meant for %s: %s", each, count, report.body())
                    .isEqualTo(each.equals(count) ? expected : 0);
        }

        TestHttp.Response all = http.send("GET", "/actuator/warmtier", null);
        JsonNode spaces = all.json().get("spaces");
        assertThat(spaces.has(space)).as("%s", all.body()).isTrue();
        for (String name : spaces.propertyNames()) {
            JsonNode other = spaces.get(name).get("invariants");
            if (name.equals(space)) {
                assertThat(other.get(count).asLong()).as("%s of %s in %s", count, name, all.body()).isEqualTo(expected);
                continue;
            }
            assertThat(other.get("ok").asBoolean()).as("undamaged space %s in %s", name, all.body()).isTrue();
            for (String each : COUNTS) {
                assertThat(other.get(each).asLong()).as("%s of undamaged %s in %s", each, name, all.body()).isZero();
            }
        }

        TestHttp.Response health = http.send("GET", "/actuator/health", null);
        System.out.println(count + " moved: GET /actuator/health -> " + health);
        assertThat(health.status()).as("%s", health).isEqualTo(503);
        JsonNode component = health.json().get("components").get("warmTier");
        assertThat(component.get("status").asString()).as("%s", health.body()).isEqualTo("DOWN");
        JsonNode healthSpaces = component.get("details").get("spaces");
        assertThat(healthSpaces.get(space).get("violations").asLong()).as("%s", health.body()).isEqualTo(expected);
        for (String name : healthSpaces.propertyNames()) {
            if (!name.equals(space)) {
                assertThat(healthSpaces.get(name).get("violations").asLong())
                        .as("undamaged space %s in %s", name, health.body()).isZero();
            }
        }
    }

    /** Dropping the damaged space brings health back UP: the DOWN was this space's alone. */
    private void assertHealthUpOnceDropped(String space) {
        TestHttp.Response dropped = http.send("DELETE", "/api/v1/spaces/" + space, null);
        assertThat(dropped.status()).as("DELETE /api/v1/spaces/%s: %s", space, dropped).isEqualTo(204);
        victim = null;
        TestHttp.Response after = http.send("GET", "/actuator/health", null);
        assertThat(after.status()).as("health once %s is dropped: %s", space, after).isEqualTo(200);
        assertThat(after.json().get("components").get("warmTier").get("status").asString()).isEqualTo("UP");
    }
}
