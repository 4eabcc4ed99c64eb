package dev.nanowal.internal.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Handles on {@code long} fields, for the counters and positions that the append path writes without a fence. */
final class LongFields {

    private LongFields() {
    }

    /** The handle on the {@code long} field {@code name} of the class that {@code lookup} belongs to. */
    static VarHandle handle(MethodHandles.Lookup lookup, String name) {
        try {
            return lookup.findVarHandle(lookup.lookupClass(), name, long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
