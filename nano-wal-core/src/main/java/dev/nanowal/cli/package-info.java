/**
 * The operator's command line ({@code java -jar nano-wal-core.jar}): {@link dev.nanowal.cli.WalCli} parses the
 * arguments and hands each command to a class of its own. A thin layer: {@code repair} opens the WAL through
 * the public API (recovery does the cutting); {@code stats}, {@code dump} and {@code verify} read the files
 * through {@code WalFiles}, holding no lock, and judge each segment with the format's
 * {@code SegmentScan}, the same verdict recovery acts on. Single-threaded; no state outlives a command.
 */
package dev.nanowal.cli;
