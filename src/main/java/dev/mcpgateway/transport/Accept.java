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
