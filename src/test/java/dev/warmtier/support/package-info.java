/**
 * Tools the tests share, none of them a test: {@link dev.warmtier.support.Workers} runs HTTP
 * clients released together and times each request, {@link dev.warmtier.support.Findings}
 * collects what a scenario found wrong and fails once with all of it,
 * {@link dev.warmtier.support.Memories} makes values a reader can check from the value alone,
 * {@link dev.warmtier.support.SpaceReport} reads one space's invariant report,
 * {@link dev.warmtier.support.LinearizabilityChecker} checks one key's history (with
 * {@link dev.warmtier.support.Histories} to build legal and tampered ones), and
 * {@link dev.warmtier.support.RawHttp} sends bytes {@code java.net.http} refuses to.
 *
 * <p>Each is stateless or immutable, or says in its own comment which threads touch it.
 */
package dev.warmtier.support;
