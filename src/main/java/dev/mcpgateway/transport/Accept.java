package dev.mcpgateway.transport;

import java.util.Locale;

/** Reads an {@code Accept} header well enough to tell whether a media type is acceptable. */
final class Accept {

    private Accept() {
    }

    static boolean allows(String header, String mediaType) {
        if (header == null) {
            return false;
        }
        if (header.indexOf(';') < 0 && header.indexOf('*') < 0) {
            // The common form, e.g. "application/json, text/event-stream": no wildcards, no q-values.
            int at = header.indexOf(mediaType);
            if (at >= 0) {
                int end = at + mediaType.length();
                boolean startOk = at == 0 || header.charAt(at - 1) == ',' || header.charAt(at - 1) == ' ';
                boolean endOk = end == header.length() || header.charAt(end) == ',' || header.charAt(end) == ' ';
                if (startOk && endOk) {
                    return true;
                }
            }
        }
        String wanted = mediaType.toLowerCase(Locale.ROOT);
        String wantedMajor = wanted.substring(0, wanted.indexOf('/'));
        for (String part : header.split(",")) {
            String range = part.trim();
            int semi = range.indexOf(';');
            String params = semi < 0 ? "" : range.substring(semi);
            if (semi >= 0) {
                range = range.substring(0, semi).trim();
            }
            if (params.replace(" ", "").contains("q=0") && !params.matches(".*q=0\\.\\d*[1-9].*")) {
                continue;
            }
            range = range.toLowerCase(Locale.ROOT);
            if (range.equals(wanted) || range.equals("*/*") || range.equals(wantedMajor + "/*")) {
                return true;
            }
        }
        return false;
    }
}
