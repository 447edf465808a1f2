package dev.warmtier.engine;

/**
 * The outcome of a put.
 *
 * @param memory         the stored memory when {@link Status#isStored() stored}, otherwise {@code null}
 * @param currentVersion on a failed precondition, the live version found (0 when absent)
 */
public record PutResult(Status status, StoredMemory memory, long currentVersion) {

    public enum Status {
        CREATED, REPLACED, PRECONDITION_FAILED;

        public boolean isStored() {
            return this != PRECONDITION_FAILED;
        }
    }
}
