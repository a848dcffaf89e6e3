package dev.mcpgateway.loadtest;

import java.util.List;
import java.util.Locale;

/**
 * Bar charts as SVG text, no library: groups along x (e.g. connection counts), a few bars per group (e.g. targets),
 * and per bar either stacked segments (e.g. CPU per process) or side-by-side series (e.g. percentiles). Linear or
 * logarithmic y axis, an optional reference line, a legend. Panels stack vertically into one SVG.
 */
final class Charts {

    private Charts() {}

    /** A named colour: a stack segment or a series. */
    record Series(String name, String color) {}

    /** One panel: {@code values[group][bar][series]}; NaN = no bar. */
    record Panel(String title, String yTitle, List<String> groups, List<String> bars, List<Series> series,
                 double[][][] values, boolean stacked, boolean log, double refLine, String valueFormat) {}

    static final int WIDTH = 960;
    static final int PANEL_HEIGHT = 360;
    static final String FONT = "font-family=\"Helvetica, Arial, sans-serif\"";

    static final String[] PALETTE = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
            "#ff9da7", "#9c755f", "#bab0ac", "#2f4b7c", "#a05195"};

    static String svg(String title, List<Panel> panels) {
        int height = 40 + panels.size() * PANEL_HEIGHT;
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height).append("\" ").append(FONT).append(">\n");
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        s.append(text(WIDTH / 2.0, 26, 17, "middle", "bold", title));
        for (int i = 0; i < panels.size(); i++) {
            panel(s, panels.get(i), 40 + i * PANEL_HEIGHT);
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static void panel(StringBuilder s, Panel p, int top) {
        double left = 78, right = WIDTH - 16, plotTop = top + 70, plotBottom = top + PANEL_HEIGHT - 62;
        s.append(text(left, top + 18, 14, "start", "bold", p.title()));
        legend(s, p.series(), left, top + 38);

        // y range
        double max = 0, min = 0, minPos = Double.MAX_VALUE;
        for (double[][] g : p.values()) {
            for (double[] b : g) {
                double sum = 0;
                for (double v : b) {
                    if (!Double.isNaN(v) && !p.stacked()) min = Math.min(min, v);
                    if (Double.isNaN(v) || v <= 0) continue;
                    minPos = Math.min(minPos, v);
                    max = Math.max(max, v);
                    sum += v;
                }
                if (p.stacked()) max = Math.max(max, sum);
            }
        }
        if (!Double.isNaN(p.refLine())) max = Math.max(max, p.refLine());
        if (max <= 0) max = 1;
        double lo, hi, step = 0;
        if (p.log()) {
            lo = Math.pow(10, Math.floor(Math.log10(minPos == Double.MAX_VALUE ? max / 10 : minPos)));
            hi = Math.pow(10, Math.ceil(Math.log10(max * 1.05)));
        } else {
            step = niceStep((max - min) * 1.12 / 5);
            lo = Math.floor(min / step) * step;
            hi = lo + step * Math.ceil((max * 1.1 - lo) / step);
        }
        final double ylo = lo, yhi = hi;
        java.util.function.DoubleUnaryOperator y = v -> {
            if (p.log()) {
                double c = Math.max(v, ylo);
                return plotBottom - (Math.log10(c) - Math.log10(ylo)) / (Math.log10(yhi) - Math.log10(ylo)) * (plotBottom - plotTop);
            }
            return plotBottom - (v - ylo) / (yhi - ylo) * (plotBottom - plotTop);
        };

        // grid and y labels
        if (p.log()) {
            for (double d = lo; d <= hi * 1.0001; d *= 10) {
                for (int m : new int[] {1, 2, 5}) {
                    double v = d * m;
                    if (v > hi * 1.0001) break;
                    gridLine(s, left, right, y.applyAsDouble(v), m == 1 ? "#cccccc" : "#eeeeee");
                    s.append(text(left - 6, y.applyAsDouble(v) + 4, 11, "end", "normal", number(v)));
                }
            }
        } else {
            for (int i = 0; lo + i * step <= hi + step / 1000; i++) {
                double v = lo + i * step;
                gridLine(s, left, right, y.applyAsDouble(v), "#dddddd");
                s.append(text(left - 6, y.applyAsDouble(v) + 4, 11, "end", "normal", number(v)));
            }
        }
        s.append(String.format(Locale.ROOT,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 %.1f %.1f)\">%s</text>\n",
                left - 58, (plotTop + plotBottom) / 2, left - 58, (plotTop + plotBottom) / 2, esc(p.yTitle())));
        if (!Double.isNaN(p.refLine())) {
            double ry = y.applyAsDouble(p.refLine());
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\" "
                    + "stroke-dasharray=\"6 4\" stroke-width=\"1.2\"/>\n", left, right, ry, ry));
        }

        // bars
        int ng = p.groups().size(), nb = p.bars().size(), ns = p.series().size();
        double groupW = (right - left) / Math.max(1, ng);
        double slotW = groupW * 0.9 / Math.max(1, nb);
        for (int g = 0; g < ng; g++) {
            double gx = left + g * groupW + groupW * 0.05;
            for (int b = 0; b < nb; b++) {
                double[] v = p.values()[g][b];
                double sx = gx + b * slotW;
                boolean any = false;
                for (double x : v) any |= !Double.isNaN(x);
                if (!any) continue;
                if (p.stacked()) {
                    double base = 0, bw = slotW * 0.72, bx = sx + (slotW - bw) / 2;
                    for (int k = 0; k < ns; k++) {
                        if (Double.isNaN(v[k]) || v[k] <= 0) continue;
                        double y0 = y.applyAsDouble(base), y1 = y.applyAsDouble(base + v[k]);
                        rect(s, bx, y1, bw, y0 - y1, p.series().get(k).color(), p.series().get(k).name() + ": "
                                + String.format(Locale.ROOT, p.valueFormat(), v[k]));
                        base += v[k];
                    }
                    s.append(text(bx + bw / 2, y.applyAsDouble(base) - 4, 10, "middle", "normal",
                            String.format(Locale.ROOT, p.valueFormat(), base)));
                } else {
                    double inner = slotW * 0.84, bw = inner / ns, bx0 = sx + (slotW - inner) / 2;
                    for (int k = 0; k < ns; k++) {
                        if (Double.isNaN(v[k])) continue;
                        double val = p.log() ? Math.max(v[k], lo) : v[k];
                        double yv = y.applyAsDouble(val), y0 = y.applyAsDouble(p.log() ? lo : 0);
                        double barTop = Math.min(yv, y0), h = Math.abs(y0 - yv);
                        rect(s, bx0 + k * bw, barTop, Math.max(1, bw - 1), h, p.series().get(k).color(),
                                p.series().get(k).name() + ": " + String.format(Locale.ROOT, p.valueFormat(), v[k]));
                        if (ns == 1) {
                            s.append(text(bx0 + bw / 2, barTop - 4, 10, "middle", "normal",
                                    String.format(Locale.ROOT, p.valueFormat(), v[k])));
                        }
                    }
                }
                s.append(text(sx + slotW / 2, plotBottom + 15, 11, "middle", "normal", p.bars().get(b)));
            }
            s.append(text(gx + groupW * 0.45, plotBottom + 36, 13, "middle", "bold", p.groups().get(g)));
            if (g > 0) {
                double sep = left + g * groupW;
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#bbbbbb\"/>\n",
                        sep, sep, plotTop, plotBottom + 40));
            }
        }
        double axis = p.log() ? plotBottom : y.applyAsDouble(0);
        s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
                left, right, axis, axis));
    }

    private static void legend(StringBuilder s, List<Series> series, double x, double y) {
        double cx = x;
        for (Series se : series) {
            if (cx + 28 + 6.6 * se.name().length() > WIDTH - 10) { // wrap
                cx = x;
                y += 16;
            }
            s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
                    cx, y - 10, se.color()));
            s.append(text(cx + 16, y, 12, "start", "normal", se.name()));
            cx += 28 + 6.6 * se.name().length();
        }
    }

    private static void gridLine(StringBuilder s, double x1, double x2, double y, String color) {
        s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
                x1, x2, y, y, color));
    }

    private static void rect(StringBuilder s, double x, double y, double w, double h, String color, String tip) {
        s.append(String.format(Locale.ROOT,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>\n",
                x, y, w, Math.max(0, h), color, esc(tip)));
    }

    private static String text(double x, double y, int size, String anchor, String weight, String t) {
        return String.format(Locale.ROOT,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\" font-weight=\"%s\">%s</text>\n",
                x, y, size, anchor, weight, esc(t));
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        if (raw <= 0) return 1;
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= raw) return m * p;
        }
        return 10 * p;
    }

    static String number(double v) {
        if (v == 0) return "0";
        if (Math.abs(v) >= 100) return String.format(Locale.ROOT, "%,.0f", v);
        if (Math.abs(v) >= 1) return String.format(Locale.ROOT, "%.4g", v).replaceAll("\\.?0+$", "");
        return String.format(Locale.ROOT, "%.3g", v).replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
    }

    static String esc(String t) {
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
