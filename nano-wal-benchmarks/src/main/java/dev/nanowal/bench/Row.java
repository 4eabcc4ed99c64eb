package dev.nanowal.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** One line of the results table: a subject's repeated measurements of one workload. */
final class Row {

    final String workload;
    final String subject;
    final String unit;
    final boolean higherIsBetter;
    final String baseline;
    final List<Double> values = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    String error;

    Row(String workload, String subject, String unit, boolean higherIsBetter, String baseline) {
        this.workload = workload;
        this.subject = subject;
        this.unit = unit;
        this.higherIsBetter = higherIsBetter;
        this.baseline = baseline;
    }

    boolean ok() {
        return error == null && !values.isEmpty();
    }

    double median() {
        return median(values);
    }

    double min() {
        return Collections.min(values);
    }

    double max() {
        return Collections.max(values);
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
