package io.kwik.cli;

/**
 * Makes text from elsewhere safe to print on a terminal. A server's error message, a path event's
 * reason or a requested path could carry escape sequences that move the cursor, rewrite earlier
 * lines, set the window title or reverse the text's direction (terminal injection); here every
 * control character, every C1 control and every Unicode format character (bidirectional
 * overrides among them) is shown as an escape, {@code \x1b} or {@code \u202e}, instead.
 */
final class Terminal {
    private Terminal() {}

    /** {@code text} with every character that could steer a terminal escaped; null as {@code ""}. */
    static String safe(String text) {
        if (text == null) return "";
        StringBuilder safe = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isHarmless(c)) {
                if (safe != null) safe.append(c);
                continue;
            }
            if (safe == null) safe = new StringBuilder(text.length() + 16).append(text, 0, i);
            safe.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
        }
        return safe == null ? text : safe.toString();
    }

    private static boolean isHarmless(char c) {
        if (c == '\\') return true;
        if (Character.isISOControl(c)) return false;   // C0, DEL and C1 (CSI is U+009B)
        int type = Character.getType(c);
        // format characters: bidirectional overrides and isolates, zero-width joiners, ...
        return type != Character.FORMAT && type != Character.SURROGATE && type != Character.PRIVATE_USE
                && type != Character.UNASSIGNED && type != Character.LINE_SEPARATOR && type != Character.PARAGRAPH_SEPARATOR;
    }
}
