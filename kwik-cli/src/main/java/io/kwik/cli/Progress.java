package io.kwik.cli;

import java.io.Console;
import java.io.PrintStream;
import java.text.DecimalFormat;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * Shows how a download goes: a live bar (the progressbar library) on a terminal, plain lines
 * (at most one a second) otherwise, or nothing.
 */
abstract sealed class Progress implements AutoCloseable {

    /** How to show progress. */
    enum Mode {
        /** A bar when standard output is a terminal, else plain lines. */
        AUTO,
        /** Always the bar. */
        BAR,
        /** Plain lines. */
        PLAIN,
        /** Nothing. */
        NONE
    }

    /** The modes as {@code --progress} takes them, for the help and shell completion. */
    static final class Candidates implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(Mode.values()).map(m -> m.name().toLowerCase(Locale.ROOT)).iterator();
        }
    }

    /** Starts showing a download of {@code total} bytes. */
    static Progress start(Mode mode, PrintStream out, String name, long total) {
        Mode chosen = mode == Mode.AUTO ? (stdoutIsTerminal() ? Mode.BAR : Mode.PLAIN) : mode;
        return switch (chosen) {
            case BAR -> new Bar(out, name, total);
            case PLAIN -> new Plain(out, total);
            default -> new None();
        };
    }

    /** {@code done} bytes so far; {@code note} is a short remark such as the number of paths. */
    abstract void update(long done, String note);

    /** Stops showing; the last state stays on screen. */
    @Override
    public abstract void close();

    /**
     * Whether standard output (and input) is an interactive terminal. On JDK 22 and later
     * {@link System#console()} is never null and {@code Console.isTerminal()} tells; before, a
     * null console means "not a terminal".
     */
    static boolean stdoutIsTerminal() {
        Console console = System.console();
        if (console == null) return false;
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    private static final class Bar extends Progress {
        private final ProgressBar bar;

        Bar(PrintStream out, String name, long total) {
            this.bar = new ProgressBarBuilder()
                    .setTaskName(name)
                    .setInitialMax(total)
                    .setUnit(" MiB", 1L << 20)
                    .showSpeed(new DecimalFormat("#0.0"))
                    .setSpeedUnit(ChronoUnit.SECONDS)
                    .setUpdateIntervalMillis(200)
                    .setConsumer(new ConsoleProgressBarConsumer(out))
                    .build();
        }

        @Override
        void update(long done, String note) {
            bar.stepTo(done);
            bar.setExtraMessage(note.isEmpty() ? "" : " " + note);
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    private static final class Plain extends Progress {
        private final PrintStream out;
        private final long total;
        private final long started = System.nanoTime();
        private long lastPrinted = System.nanoTime();
        private long done;
        private String note = "";

        Plain(PrintStream out, long total) {
            this.out = out;
            this.total = total;
        }

        @Override
        void update(long done, String note) {
            this.done = done;
            this.note = note;
            long now = System.nanoTime();
            if (now - lastPrinted >= 1_000_000_000L) {
                lastPrinted = now;
                print(now);
            }
        }

        private void print(long now) {
            double seconds = Math.max(1e-9, (now - started) / 1e9);
            out.println(String.format(Locale.ROOT, "progress  %s of %s (%.0f%%), %s%s", Sizes.bytes(done), Sizes.bytes(total),
                    total == 0 ? 100.0 : 100.0 * done / total, Sizes.rate(done / seconds), note.isEmpty() ? "" : ", " + note));
            out.flush();
        }

        @Override
        public void close() {
            print(System.nanoTime());
        }
    }

    private static final class None extends Progress {
        @Override
        void update(long done, String note) {}

        @Override
        public void close() {}
    }
}
