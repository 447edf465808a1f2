package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The options refuse, at the edge of each range, settings that would make files no open can
 * handle (a chunk too large to map, a record larger than any chunk), and their {@code with...}
 * methods keep what the caller did not ask to change.
 */
class StoreOptionsTests {

    private static final int CONTENT = 1024;
    private static final long LARGEST_RECORD = ContentRecordLayout.alignedChunkFor(CONTENT);

    private static StoreOptions options(int dimension, Durability durability, Duration interval, int maxContent,
                                        ChunkSeries slots, ChunkSeries content) {
        return new StoreOptions(dimension, durability, interval, maxContent, slots, content, false,
                AtomicSlotAllocator::new, Forcer.MSYNC, Compactor::new, VectorScorers.scalar(), 1);
    }

    private static StoreOptions withDimension(int dimension) {
        return options(dimension, Durability.NONE, Duration.ofMillis(100), CONTENT, ChunkSeries.fixed(1),
                ChunkSeries.fixed(LARGEST_RECORD));
    }

    @Test
    void theDimensionMustBeFromOneToTheLayoutsMaximum() {
        assertThat(withDimension(1).embeddingDimension()).isEqualTo(1);
        assertThat(withDimension(SlotLayout.MAX_DIMENSION).embeddingDimension()).isEqualTo(SlotLayout.MAX_DIMENSION);
        assertThatIllegalArgumentException().isThrownBy(() -> withDimension(0)).withMessageContaining("was 0");
        assertThatIllegalArgumentException().isThrownBy(() -> withDimension(SlotLayout.MAX_DIMENSION + 1));
    }

    @Test
    void withEmbeddingDimensionChecksTheSameRange() {
        StoreOptions base = withDimension(8);
        assertThat(base.withEmbeddingDimension(1).embeddingDimension()).isEqualTo(1);
        assertThat(base.withEmbeddingDimension(SlotLayout.MAX_DIMENSION).embeddingDimension())
                .isEqualTo(SlotLayout.MAX_DIMENSION);
        assertThatIllegalArgumentException().isThrownBy(() -> base.withEmbeddingDimension(0));
        assertThatIllegalArgumentException().isThrownBy(() -> base.withEmbeddingDimension(SlotLayout.MAX_DIMENSION + 1));
    }

    @Test
    void withEmbeddingDimensionKeepsTheSlotChunksSizeInBytes() {
        int small = SlotLayout.slotSize(8);
        int large = SlotLayout.slotSize(32);
        StoreOptions fixed = withDimension(8).withChunks(ChunkSeries.fixed(40), ChunkSeries.fixed(LARGEST_RECORD));
        assertThat(fixed.withEmbeddingDimension(32).slotChunks())
                .isEqualTo(ChunkSeries.fixed(40L * small / large));
        assertThat(fixed.withEmbeddingDimension(32).withEmbeddingDimension(8).slotChunks().first())
                .as("at least one slot, and whole slots").isPositive();

        StoreOptions defaults = StoreOptions.defaults();
        int wide = SlotLayout.slotSize(StoreOptions.DEFAULT_DIMENSION);
        long firstBytes = defaults.slotChunks().first() * wide;
        long maxBytes = defaults.slotChunks().max() * wide;
        StoreOptions eight = defaults.withEmbeddingDimension(8);
        assertThat(eight.slotChunks().first() * small).isBetween(firstBytes - small + 1, firstBytes);
        assertThat(eight.slotChunks().max() * small).isBetween(maxBytes - small + 1, maxBytes);
        assertThat(eight.contentChunks()).isEqualTo(defaults.contentChunks());
    }

    @Test
    void intervalDurabilityNeedsAPositiveIntervalAndOtherModesIgnoreIt() {
        StoreOptions base = withDimension(8);
        assertThat(base.withDurability(Durability.INTERVAL, Duration.ofNanos(1)).syncInterval()).isEqualTo(Duration.ofNanos(1));
        assertThatIllegalArgumentException().isThrownBy(() -> base.withDurability(Durability.INTERVAL, Duration.ZERO));
        assertThatIllegalArgumentException().isThrownBy(() -> base.withDurability(Durability.INTERVAL, Duration.ofNanos(-1)));
        assertThat(base.withDurability(Durability.NONE, Duration.ZERO).durability()).isEqualTo(Durability.NONE);
        assertThat(base.withDurability(Durability.ALWAYS, Duration.ofNanos(-1)).durability()).isEqualTo(Durability.ALWAYS);
    }

    @Test
    void theContentLimitMustBeFromZeroToTheLayoutsMaximum() {
        ChunkSeries content = ChunkSeries.fixed(ContentRecordLayout.alignedChunkFor(ContentRecordLayout.MAX_CONTENT_BYTES));
        assertThat(options(8, Durability.NONE, Duration.ZERO, 0, ChunkSeries.fixed(1), content).maxContentBytes()).isZero();
        assertThat(options(8, Durability.NONE, Duration.ZERO, ContentRecordLayout.MAX_CONTENT_BYTES, ChunkSeries.fixed(1),
                content).maxContentBytes()).isEqualTo(ContentRecordLayout.MAX_CONTENT_BYTES);
        assertThatIllegalArgumentException().isThrownBy(
                () -> options(8, Durability.NONE, Duration.ZERO, -1, ChunkSeries.fixed(1), content));
        assertThatIllegalArgumentException().isThrownBy(() -> options(8, Durability.NONE, Duration.ZERO,
                ContentRecordLayout.MAX_CONTENT_BYTES + 1, ChunkSeries.fixed(1), content));
    }

    @Test
    void aSlotChunkMayReachButNotPassTheLargestMapping() {
        long most = StoreOptions.MAX_CHUNK_BYTES / SlotLayout.slotSize(8);
        ChunkSeries content = ChunkSeries.fixed(LARGEST_RECORD);
        assertThat(options(8, Durability.NONE, Duration.ZERO, CONTENT, ChunkSeries.fixed(most), content).slotChunks().max())
                .isEqualTo(most);
        assertThatIllegalArgumentException().isThrownBy(
                () -> options(8, Durability.NONE, Duration.ZERO, CONTENT, ChunkSeries.fixed(most + 1), content));
    }

    @Test
    void theLargestContentChunkMustHoldTheLargestRecordAndStayMappable() {
        assertThat(options(8, Durability.NONE, Duration.ZERO, CONTENT, ChunkSeries.fixed(1),
                ChunkSeries.fixed(LARGEST_RECORD)).contentChunks().max()).isEqualTo(LARGEST_RECORD);
        assertThatIllegalArgumentException().isThrownBy(() -> options(8, Durability.NONE, Duration.ZERO, CONTENT,
                ChunkSeries.fixed(1), ChunkSeries.fixed(LARGEST_RECORD - ContentRecordLayout.ALIGNMENT)));
        assertThat(options(8, Durability.NONE, Duration.ZERO, CONTENT, ChunkSeries.fixed(1),
                ChunkSeries.fixed(StoreOptions.MAX_CHUNK_BYTES)).contentChunks().max()).isEqualTo(StoreOptions.MAX_CHUNK_BYTES);
        assertThatIllegalArgumentException().isThrownBy(() -> options(8, Durability.NONE, Duration.ZERO, CONTENT,
                ChunkSeries.fixed(1), ChunkSeries.fixed(StoreOptions.MAX_CHUNK_BYTES + ContentRecordLayout.ALIGNMENT)));
        assertThatIllegalArgumentException().as("a first chunk that is not a multiple of the alignment")
                .isThrownBy(() -> options(8, Durability.NONE, Duration.ZERO, CONTENT, ChunkSeries.fixed(1),
                        new ChunkSeries(LARGEST_RECORD + 4, 1)));
    }

    @Test
    void withMaxContentBytesGrowsTheContentChunksToHoldTheLargestRecord() {
        StoreOptions fixed = withDimension(8).withChunks(ChunkSeries.fixed(1), ChunkSeries.fixed(LARGEST_RECORD));
        assertThat(fixed.withMaxContentBytes(CONTENT * 4).contentChunks())
                .isEqualTo(ChunkSeries.fixed(ContentRecordLayout.alignedChunkFor(CONTENT * 4)));
        assertThat(fixed.withMaxContentBytes(10).contentChunks()).as("keeps its size when that is enough")
                .isEqualTo(ChunkSeries.fixed(LARGEST_RECORD));

        StoreOptions growing = StoreOptions.defaults().withMaxContentBytes(64 << 20);
        assertThat(growing.contentChunks().first()).isEqualTo(StoreOptions.FIRST_CHUNK_BYTES);
        assertThat(growing.contentChunks().max()).isGreaterThanOrEqualTo(ContentRecordLayout.alignedChunkFor(64 << 20));
    }

    @Test
    void theWithMethodsChangeOnlyWhatTheyName() {
        StoreOptions base = StoreOptions.defaults();
        SlotAllocator marker = new AtomicSlotAllocator(7);
        StoreOptions changed = base.withAllocator(next -> marker).withGrowAhead(false);
        assertThat(changed.allocatorFactory().apply(0)).isSameAs(marker);
        assertThat(changed.growAhead()).isFalse();
        assertThat(base.growAhead()).isTrue();
        int contentBytes = (int) ContentRecordLayout.alignedChunkFor(StoreOptions.DEFAULT_MAX_CONTENT_BYTES);
        StoreOptions chunked = changed.withChunks(16, contentBytes);
        assertThat(chunked.slotChunks()).isEqualTo(ChunkSeries.fixed(16));
        assertThat(chunked.contentChunks()).isEqualTo(ChunkSeries.fixed(contentBytes));
        assertThat(chunked.growAhead()).isFalse();
        assertThat(chunked.allocatorFactory()).isSameAs(changed.allocatorFactory());
    }
}
