package dev.warmtier.concurrency;

import dev.warmtier.WarmTierApplication;
import dev.warmtier.engine.ObservedSlotAllocator;
import dev.warmtier.engine.SlotAllocator;
import dev.warmtier.space.StoreOptionsCustomizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The service of {@link ServiceKillDashNineTests}' child JVM, with an {@link EngineWriteJournal}
 * wired in through two seams that exist anyway, so no production interface changes: the engine's
 * slot allocator ({@link StoreOptionsCustomizer}) notes the slot claim and the payload write, and
 * an aspect around {@code MemoryService.put} and {@code delete} notes the call and its return and
 * tells the allocator, through a thread-local, which id the request thread is writing. The journal
 * file is the system property {@value #JOURNAL}. Started by {@link #main}, the only place it is a
 * source: a {@code @TestConfiguration} stays out of every other context's component scan.
 */
@TestConfiguration(proxyBeanMethods = false)
class EngineWriteJournalConfiguration {

    static final String JOURNAL = "warmtier.test.engine-write-journal";

    /** The id the current request thread is writing; set and cleared by {@link ServiceCalls}. */
    private static final ThreadLocal<String> WRITING = new ThreadLocal<>();

    public static void main(String[] args) {
        SpringApplication.run(new Class<?>[] {WarmTierApplication.class, EngineWriteJournalConfiguration.class}, args);
    }

    @Bean
    EngineWriteJournal engineWriteJournal() {
        try {
            return EngineWriteJournal.map(Path.of(System.getProperty(JOURNAL)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Bean
    StoreOptionsCustomizer journalingAllocator(EngineWriteJournal journal) {
        return options -> options.withAllocator(
                firstFree -> new JournalingAllocator(options.allocatorFactory().apply(firstFree), journal));
    }

    @Bean
    ServiceCalls serviceCalls(EngineWriteJournal journal) {
        return new ServiceCalls(journal);
    }

    /** The service's own allocator, noting each claim and payload write of the id being written. */
    static final class JournalingAllocator extends ObservedSlotAllocator {
        private final EngineWriteJournal journal;

        JournalingAllocator(SlotAllocator delegate, EngineWriteJournal journal) {
            super(delegate);
            this.journal = journal;
        }

        @Override
        protected void claimed(long slot) {
            noteAndMaybeHold(EngineWriteJournal.CLAIMED, EngineWriteJournal.HOLD_AFTER_CLAIM, slot);
        }

        @Override
        protected void payloadWritten(long slot) {
            noteAndMaybeHold(EngineWriteJournal.PAYLOAD, EngineWriteJournal.HOLD_BEFORE_PUBLISH, slot);
        }

        private void noteAndMaybeHold(String kind, int holdPoint, long slot) {
            String id = String.valueOf(WRITING.get());
            journal.note(kind, id, "slot=" + slot);
            journal.holdIfAsked(holdPoint, id, slot);
        }
    }

    /** Notes each write call of the service and its return; the first argument is the space, the second the id. */
    @Aspect
    static final class ServiceCalls {
        private final EngineWriteJournal journal;

        ServiceCalls(EngineWriteJournal journal) {
            this.journal = journal;
        }

        @Around("execution(* dev.warmtier.memory.MemoryService.put(..))"
                + " || execution(* dev.warmtier.memory.MemoryService.delete(..))")
        public Object noted(ProceedingJoinPoint call) throws Throwable {
            String id = String.valueOf(call.getArgs()[1]);
            journal.note(EngineWriteJournal.CALLED, id, call.getSignature().getName());
            WRITING.set(id);
            boolean returned = false;
            try {
                Object result = call.proceed();
                returned = true;
                return result;
            } finally {
                WRITING.remove();
                journal.note(EngineWriteJournal.RETURNED, id, returned ? "ok" : "threw");
            }
        }
    }
}
