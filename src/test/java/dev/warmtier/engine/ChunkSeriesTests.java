package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChunkSeriesTests {

    @Test
    void chunksDoubleFromTheFirstUpToTheLargestThenStay() {
        ChunkSeries series = new ChunkSeries(4, 3); // 4, 4, 8, 16, 32, 32, ...
        long[] sizes = {4, 4, 8, 16, 32, 32, 32};
        long[] starts = {0, 4, 8, 16, 32, 64, 96};
        for (int i = 0; i < sizes.length; i++) {
            assertThat(series.size(i)).as("size of chunk %d", i).isEqualTo(sizes[i]);
            assertThat(series.start(i)).as("start of chunk %d", i).isEqualTo(starts[i]);
        }
        assertThat(series.max()).isEqualTo(32);
        assertThat(series.capacity(0)).isZero();
        assertThat(series.capacity(4)).isEqualTo(32);
    }

    @Test
    void everyUnitLiesInTheChunkTheIndexNames() {
        for (ChunkSeries series : new ChunkSeries[] {new ChunkSeries(4, 3), new ChunkSeries(20, 8),
                ChunkSeries.fixed(7), new ChunkSeries(1, 0), new ChunkSeries(3, 1)}) {
            for (long unit = 0; unit < 20 * series.max(); unit++) {
                int index = series.index(unit);
                assertThat(unit).as("%s unit %d in chunk %d", series, unit, index)
                        .isGreaterThanOrEqualTo(series.start(index))
                        .isLessThan(series.start(index) + series.size(index));
            }
        }
    }

    @Test
    void indexesGoFarPastTwoToTheThirtyOneUnits() {
        ChunkSeries series = new ChunkSeries(20, 8);
        long unit = 5L << 32;
        int index = series.index(unit);
        assertThat(series.start(index)).isLessThanOrEqualTo(unit);
        assertThat(series.start(index) + series.size(index)).isGreaterThan(unit);
    }

    @Test
    void theDefaultSeriesStartSmallAndDoubleToTheirLargestChunk() {
        StoreOptions options = StoreOptions.defaults();
        long slotBytes = SlotLayout.slotSize(StoreOptions.DEFAULT_DIMENSION);
        assertThat(options.slotChunks().first() * slotBytes).isLessThanOrEqualTo(StoreOptions.FIRST_CHUNK_BYTES);
        assertThat(options.slotChunks().max() * slotBytes).isLessThanOrEqualTo(StoreOptions.DEFAULT_MAX_CHUNK_BYTES)
                .isGreaterThan(StoreOptions.DEFAULT_MAX_CHUNK_BYTES / 2);
        assertThat(options.contentChunks()).isEqualTo(new ChunkSeries(StoreOptions.FIRST_CHUNK_BYTES, 8));
        assertThat(options.withMaxContentBytes(ContentRecordLayout.MAX_CONTENT_BYTES).contentChunks().max())
                .as("the largest chunk holds the largest record")
                .isGreaterThanOrEqualTo(ContentRecordLayout.alignedChunkFor(ContentRecordLayout.MAX_CONTENT_BYTES));
    }

    @Test
    void aSeriesThatCouldNotBeMappedIsRefused() {
        assertThatThrownBy(() -> new ChunkSeries(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ChunkSeries(1, ChunkSeries.MAX_DOUBLINGS + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ChunkSeries(1L << 40, 30)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theLimitsOfASeriesAreInclusive() {
        assertThat(new ChunkSeries(1, 0).max()).as("one unit per chunk").isEqualTo(1);
        assertThat(new ChunkSeries(1, ChunkSeries.MAX_DOUBLINGS).max()).isEqualTo(1L << ChunkSeries.MAX_DOUBLINGS);
        assertThatThrownBy(() -> new ChunkSeries(0, 0)).isInstanceOf(IllegalArgumentException.class);
        // The chunk after the largest starts at twice its size: that must still be a positive long.
        assertThat(new ChunkSeries(1L << 60, 1).start(3)).isEqualTo(1L << 62);
        assertThatThrownBy(() -> new ChunkSeries(1L << 61, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new ChunkSeries(1L << 61, 0).start(2)).isEqualTo(1L << 62);
    }

    @Test
    void aDoublingSeriesReachesTheLargestSizeExactlyAndNeverLessThanTheLargestRecord() {
        assertThat(ChunkSeries.doubling(1, 8, 1)).as("8 is reachable: 1, 2, 4, 8").isEqualTo(new ChunkSeries(1, 3));
        assertThat(ChunkSeries.doubling(1, 7, 1)).as("8 is over 7").isEqualTo(new ChunkSeries(1, 2));
        assertThat(ChunkSeries.doubling(1, 1, 4)).as("a record of 4 needs a chunk of 4").isEqualTo(new ChunkSeries(1, 2));
        assertThat(ChunkSeries.doubling(1, 1, 5)).isEqualTo(new ChunkSeries(1, 3));
        assertThat(ChunkSeries.doubling(1, Long.MAX_VALUE, 1)).as("never past the doublings a mapping allows")
                .isEqualTo(new ChunkSeries(1, ChunkSeries.MAX_DOUBLINGS));
    }
}
