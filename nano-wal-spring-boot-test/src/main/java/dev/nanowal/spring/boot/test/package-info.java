/**
 * Test support for applications on the nano-wal Spring Boot starter: {@link AutoConfigureTempWal} and
 * {@link SettableClock}.
 */
package dev.nanowal.spring.boot.test;
