/**
 * Auto-configuration of the {@code nanowal} Actuator endpoint: the keys the WAL holds, a page at a time, and
 * compaction on demand.
 */
package dev.nanowal.spring.boot.autoconfigure.endpoint;
