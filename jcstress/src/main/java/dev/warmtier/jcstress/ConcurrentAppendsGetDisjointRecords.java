package dev.warmtier.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.warmtier.engine.ContentRecordLayout;
import dev.warmtier.engine.MemoryModelAccess;
import dev.warmtier.engine.MemoryModelAccess.OpenContentLog;
import dev.warmtier.engine.StoreOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * Content-log appends. Two writers append a record each, at the same time, to a real
 * {@code ContentLog} on a real memory-mapped file. Result: how the two byte ranges lie, and
 * whether each record then reads back committed, checksum-valid and holding exactly what was
 * appended.
 *
 * <p>Opening a log creates and fsyncs a file and its directory: milliseconds, too slow for one log
 * per state. So every state of a forked VM appends to one log (in {@link SharedLog}), and the test
 * checks what the log owes each pair of appends: two ranges that do not overlap, each holding its
 * record whole. The records have different lengths, so a range reserved with the other's length
 * would overlap or fail to read back.
 */
@JCStressTest
@Description("ContentLog: two concurrent appends get disjoint byte ranges, and each record reads back whole")
@Outcome(id = {"A below B, A whole, B whole", "B below A, A whole, B whole"}, expect = ACCEPTABLE,
        desc = "disjoint ranges, in either order, both records intact")
@Outcome(id = "overlap, .*", expect = FORBIDDEN, desc = "the two records' byte ranges overlap")
@Outcome(expect = FORBIDDEN, desc = "a record does not read back as appended")
@State
public class ConcurrentAppendsGetDisjointRecords {

    static final byte[] ID_A = "writer-a".getBytes(StandardCharsets.UTF_8);
    static final byte[] CONTENT_A = "content of a".getBytes(StandardCharsets.UTF_8);
    static final byte[] ID_B = "writer-b".getBytes(StandardCharsets.UTF_8);
    static final byte[] CONTENT_B = "the longer content of writer b".getBytes(StandardCharsets.UTF_8);
    static final int LENGTH_A = ContentRecordLayout.recordLength(ID_A.length, CONTENT_A.length);
    static final int LENGTH_B = ContentRecordLayout.recordLength(ID_B.length, CONTENT_B.length);

    /** One real content log per forked VM, opened when the first state is made. */
    static final class SharedLog {
        static final OpenContentLog LOG = open();

        /**
         * Opens the log in a fresh temporary directory, then unlinks the file and the directory:
         * the mapping stays valid (Linux keeps an unlinked file while it is mapped), and nothing
         * is left behind however the forked VM ends.
         */
        private static OpenContentLog open() {
            try {
                Path dir = Files.createTempDirectory("warmtier-jcstress-");
                StoreOptions options = StoreOptions.defaults().withMaxContentBytes(64);
                options = options.withChunks(options.slotChunks(), dev.warmtier.engine.ChunkSeries.fixed(1 << 20));
                OpenContentLog log = MemoryModelAccess.openContentLog(dir, options);
                try (var files = Files.list(dir)) {
                    for (Path file : (Iterable<Path>) files::iterator) {
                        Files.delete(file);
                    }
                }
                Files.delete(dir);
                return log;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the shared content log", e);
            }
        }
    }

    private final OpenContentLog log = SharedLog.LOG;
    private long offsetA;
    private long offsetB;

    @Actor
    public void writerA() {
        offsetA = log.append(ID_A, CONTENT_A);
    }

    @Actor
    public void writerB() {
        offsetB = log.append(ID_B, CONTENT_B);
    }

    @Arbiter
    public void check(LLL_Result r) {
        if (offsetA + LENGTH_A <= offsetB) {
            r.r1 = "A below B";
        } else if (offsetB + LENGTH_B <= offsetA) {
            r.r1 = "B below A";
        } else {
            r.r1 = "overlap";
        }
        r.r2 = log.readsBack(offsetA, ID_A, CONTENT_A) ? "A whole" : "A damaged";
        r.r3 = log.readsBack(offsetB, ID_B, CONTENT_B) ? "B whole" : "B damaged";
    }
}
