/**
 * Auto-configuration of the WAL's Micrometer meters ({@code nanowal.*}).
 */
package dev.nanowal.spring.boot.autoconfigure.metrics;
