package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChunkSeriesTest {

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
}
