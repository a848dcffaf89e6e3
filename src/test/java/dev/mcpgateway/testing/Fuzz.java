package dev.mcpgateway.testing;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Property-based fuzzing with plain JUnit: a property is checked on {@code tries} generated inputs;
 * the first one that fails is reported with the seed and the try index that replay it, and the
 * input itself. No shrinking: generators keep inputs small instead.
 * <p>
 * Try {@code i} of a property draws from its own {@link Random}, seeded from the run's seed, the
 * property's name and {@code i}, so a run is deterministic and one try replays alone:
 * <ul>
 * <li>{@code -Dfuzz.seed=N} another run (default 1975, as {@code HttpFuzzTest}); {@code random} a
 * fresh seed, printed;</li>
 * <li>{@code -Dfuzz.only=I} only try {@code I};</li>
 * <li>{@code -Dfuzz.scale=K} {@code K} times as many tries, for a longer hunt.</li>
 * </ul>
 */
public final class Fuzz {

    /** Generates one value from the randomness it is given. */
    @FunctionalInterface
    public interface Gen<T> {

        T next(Random r);

        default <U> Gen<U> map(java.util.function.Function<? super T, ? extends U> f) {
            return r -> f.apply(next(r));
        }

        /** A list of {@code min} to {@code max} values; empty and full lists come up more often. */
        default Gen<List<T>> list(int min, int max) {
            return r -> {
                int n = size(r, min, max);
                List<T> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    out.add(next(r));
                }
                return out;
            };
        }

        /** A value with probability {@code p}, else {@code null}. */
        default Gen<T> orNull(double p) {
            return r -> r.nextDouble() < p ? next(r) : null;
        }
    }

    /** A check that may throw anything, including a checked exception. */
    @FunctionalInterface
    public interface Property<T> {
        void check(T input) throws Exception;
    }

    static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final long DEFAULT_SEED = 1975L;
    /** Failure messages show at most this much of an input. */
    static final int SHOWN = 4000;

    private static final long SEED = seed();

    private Fuzz() {
    }

    private static long seed() {
        String s = System.getProperty("fuzz.seed");
        if (s == null || s.isBlank()) {
            return DEFAULT_SEED;
        }
        if (s.equals("random")) {
            long fresh = new Random().nextLong();
            System.out.println("fuzz.seed=" + fresh);
            return fresh;
        }
        return Long.parseLong(s.trim());
    }

    /**
     * Checks {@code property} on {@code tries} inputs from {@code gen} (scaled by
     * {@code -Dfuzz.scale}, or the one of {@code -Dfuzz.only}). The property's name, for the seed and
     * the messages, is the calling method's.
     *
     * @return how many tries ran
     */
    public static <T> int forAll(int tries, Gen<T> gen, Property<? super T> property) {
        StackWalker.StackFrame caller = StackWalker.getInstance().walk(s -> s.skip(1).findFirst()).orElseThrow();
        String name = caller.getClassName().substring(caller.getClassName().lastIndexOf('.') + 1) + "."
                + caller.getMethodName();
        return forAll(name, tries, gen, property);
    }

    /** {@link #forAll(int, Gen, Property)} with an explicit name. */
    public static <T> int forAll(String name, int tries, Gen<T> gen, Property<? super T> property) {
        Integer only = Integer.getInteger("fuzz.only");
        int total = tries * Integer.getInteger("fuzz.scale", 1);
        return run(name, SEED, only == null ? 0 : only, only == null ? total : only + 1, total, gen, property);
    }

    /** Tries {@code from} (inclusive) to {@code to} (exclusive) of a run of {@code total}. */
    static <T> int run(String name, long seed, int from, int to, int total, Gen<T> gen, Property<? super T> property) {
        for (int i = from; i < to; i++) {
            T input;
            try {
                input = input(name, seed, i, gen);
            } catch (RuntimeException | StackOverflowError e) {
                throw new AssertionError(header(name, seed, i, total) + "\nthe generator threw " + e, e);
            }
            try {
                property.check(input);
            } catch (Exception | AssertionError | StackOverflowError e) {
                String why = e.toString();
                throw new AssertionError(header(name, seed, i, total) + "\ninput: " + describe(input) + "\n"
                        + (why.length() <= SHOWN ? why : why.substring(0, SHOWN) + "..."), e);
            }
        }
        return to - from;
    }

    /** The input of try {@code i}: the same for the same name, seed and index, whatever ran before. */
    static <T> T input(String name, long seed, int i, Gen<T> gen) {
        return gen.next(new Random(mix(seed, name.hashCode(), i)));
    }

    private static String header(String name, long seed, int i, int total) {
        return name + " failed at try " + i + " of " + total + " (seed " + seed + "); replay it alone with -Dfuzz.seed="
                + seed + " -Dfuzz.only=" + i;
    }

    /** Splitmix64 of the three, so neighbouring tries and seeds give unrelated streams. */
    static long mix(long seed, long name, long i) {
        long z = seed * 0x9E3779B97F4A7C15L + name * 0xBF58476D1CE4E5B9L + i * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** An input as a failure message shows it: bytes in hex and as text, control characters escaped. */
    public static String describe(Object input) {
        String shown = switch (input) {
            case null -> "null";
            case byte[] b -> b.length + " bytes " + HexFormat.of().formatHex(b) + " = \""
                    + escape(new String(b, StandardCharsets.UTF_8)) + "\"";
            case String s -> "\"" + escape(s) + "\"";
            case Object[] a -> Arrays.deepToString(a);
            default -> escape(input.toString());
        };
        return shown.length() <= SHOWN ? shown
                : shown.substring(0, SHOWN) + "... (" + (shown.length() - SHOWN) + " more characters)";
    }

    /** Java escapes for control characters, lone surrogates and line ends; the rest as it is. */
    public static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean loneSurrogate = Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1)))
                    && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1)));
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                default -> {
                    if (c < 0x20 || c == 0x7F || c == 0xFEFF || loneSurrogate) {
                        out.append(String.format("\\u%04X", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- generators

    /** A size in {@code [min, max]}, the bounds one time in eight each. */
    static int size(Random r, int min, int max) {
        return switch (r.nextInt(8)) {
            case 0 -> min;
            case 1 -> max;
            default -> min + r.nextInt(max - min + 1);
        };
    }

    /** Always {@code value}. */
    public static <T> Gen<T> just(T value) {
        return r -> value;
    }

    /** Integers in {@code [min, max]}, the bounds and zero more often than their share. */
    public static Gen<Integer> ints(int min, int max) {
        return r -> {
            switch (r.nextInt(16)) {
                case 0 :
                    return min;
                case 1 :
                    return max;
                case 2 :
                    if (min <= 0 && 0 <= max) {
                        return 0;
                    }
                    break;
                default :
                    break;
            }
            return (int) (min + (long) (r.nextDouble() * ((long) max - min + 1)));
        };
    }

    /** Any {@code int}: small ones, edge values and the whole range. */
    public static Gen<Integer> ints() {
        return frequency(w(2, ints(-100, 100)), w(1, of(Integer.MIN_VALUE, Integer.MAX_VALUE, -1, 0, 1)),
                w(4, Random::nextInt));
    }

    /** Any {@code long}: small ones, edge values and the whole range. */
    public static Gen<Long> longs() {
        return frequency(w(2, r -> r.nextLong(-1000, 1001)),
                w(1, of(Long.MIN_VALUE, Long.MAX_VALUE, -1L, 0L, 1L, (1L << 53) + 1, -(1L << 53) - 1)),
                w(4, Random::nextLong));
    }

    /** Longs in {@code [min, max]}, the bounds more often than their share. */
    public static Gen<Long> longs(long min, long max) {
        return frequency(w(1, of(min, max)), w(10, r -> r.nextLong(min, max)));
    }

    /** Integers of up to {@code digits} decimal digits, either sign. */
    public static Gen<BigInteger> bigIntegers(int digits) {
        return r -> {
            BigInteger magnitude = new BigInteger(
                    (int) Math.ceil(size(r, 0, digits) * Math.log(10) / Math.log(2)), r);
            BigInteger bound = BigInteger.TEN.pow(digits);
            BigInteger v = magnitude.mod(bound);
            return r.nextBoolean() ? v.negate() : v;
        };
    }

    /** Any finite double: small, huge, tiny, whole, negative zero. */
    public static Gen<Double> doubles() {
        Gen<Double> anyBits = r -> {
            double d;
            do {
                d = Double.longBitsToDouble(r.nextLong());
            } while (!Double.isFinite(d));
            return d;
        };
        return frequency(w(3, r -> (r.nextDouble() - 0.5) * 2000),
                w(1, of(0.0, -0.0, 1.0, -1.0, 0.5, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE, 1e-300)),
                w(2, r -> (double) r.nextInt(-1000, 1000)), w(2, anyBits));
    }

    /** Up to {@code max} bytes, all 256 values equally likely. */
    public static Gen<byte[]> bytes(int max) {
        return r -> {
            byte[] b = new byte[size(r, 0, max)];
            r.nextBytes(b);
            return b;
        };
    }

    /** Up to {@code max} characters from {@code alphabet} (code points, so astral ones stay whole). */
    public static Gen<String> strings(String alphabet, int max) {
        int[] points = alphabet.codePoints().toArray();
        return r -> {
            StringBuilder s = new StringBuilder();
            for (int n = size(r, 0, max); n > 0; n--) {
                s.appendCodePoint(points[r.nextInt(points.length)]);
            }
            return s.toString();
        };
    }

    /**
     * Up to {@code max} characters of any kind: ASCII, control characters (NUL included), Latin-1,
     * the rest of the BMP, and astral characters (as surrogate pairs); never a lone surrogate, which
     * no UTF-8 text can carry.
     */
    public static Gen<String> strings(int max) {
        Gen<Integer> bmp = r -> {
            int c;
            do {
                c = r.nextInt(0x100, 0x10000);
            } while (Character.isSurrogate((char) c));
            return c;
        };
        Gen<Integer> point = frequency(w(6, ints(0x20, 0x7E)), w(1, ints(0x00, 0x1F)), w(1, ints(0x80, 0xFF)),
                w(2, bmp), w(1, ints(0x10000, Character.MAX_CODE_POINT)));
        return r -> {
            StringBuilder s = new StringBuilder();
            for (int n = size(r, 0, max); n > 0; n--) {
                s.appendCodePoint(point.next(r));
            }
            return s.toString();
        };
    }

    /** Up to {@code max} of the {@code tokens}, concatenated. */
    public static Gen<String> concat(List<String> tokens, int max) {
        return of(tokens).list(0, max).map(l -> String.join("", l));
    }

    /** One of the values, equally likely. */
    @SafeVarargs
    public static <T> Gen<T> of(T... values) {
        return of(List.of(values));
    }

    /** One of the values, equally likely. */
    public static <T> Gen<T> of(List<T> values) {
        List<T> copy = List.copyOf(values);
        return r -> copy.get(r.nextInt(copy.size()));
    }

    /** A value of one of the generators, equally likely. */
    @SafeVarargs
    public static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
        return r -> gens[r.nextInt(gens.length)].next(r);
    }

    /** A generator and how often {@link #frequency} picks it, relative to the others. */
    public record Weighted<T>(int weight, Gen<? extends T> gen) {
    }

    /** {@code gen} with a weight, for {@link #frequency}. */
    public static <T> Weighted<T> w(int weight, Gen<? extends T> gen) {
        return new Weighted<>(weight, gen);
    }

    /**
     * A value of one of the generators, picked by weight: {@code frequency(w(3, a), w(1, b))} takes
     * {@code a} three times as often as {@code b}.
     */
    @SafeVarargs
    public static <T> Gen<T> frequency(Weighted<? extends T>... choices) {
        int total = Arrays.stream(choices).mapToInt(Weighted::weight).sum();
        return r -> {
            int pick = r.nextInt(total);
            for (Weighted<? extends T> c : choices) {
                pick -= c.weight();
                if (pick < 0) {
                    return c.gen().next(r);
                }
            }
            throw new IllegalStateException("weights must be positive");
        };
    }

    // ---------------------------------------------------------------- JSON

    /** A JSON scalar: null, a boolean, an int, an integer beyond {@code long}, a double, a string. */
    public static Gen<JsonNode> jsonScalar() {
        return oneOf(just(JSON.nullNode()), of(JSON.booleanNode(true), JSON.booleanNode(false)),
                ints().map(JSON::numberNode), bigIntegers(30).map(JSON::numberNode), doubles().map(JSON::numberNode),
                strings(30).map(JSON::textNode));
    }

    /**
     * Any JSON value nested up to {@code depth} (a scalar four times in six at each level), arrays and
     * objects of up to four members, object keys from {@code keys}.
     */
    public static Gen<JsonNode> json(int depth, Gen<String> keys) {
        if (depth <= 0) {
            return jsonScalar();
        }
        return frequency(w(4, jsonScalar()), w(1, jsonArray(depth, keys)), w(1, jsonObject(depth, keys)));
    }

    /** An array of up to four values nested up to {@code depth - 1}. */
    public static Gen<JsonNode> jsonArray(int depth, Gen<String> keys) {
        return r -> {
            ArrayNode a = JSON.arrayNode();
            json(depth - 1, keys).list(0, 4).next(r).forEach(a::add);
            return a;
        };
    }

    /** An object of up to four members (keys from {@code keys}), values nested up to {@code depth - 1}. */
    public static Gen<JsonNode> jsonObject(int depth, Gen<String> keys) {
        return r -> {
            ObjectNode o = JSON.objectNode();
            Gen<JsonNode> values = json(Math.max(0, depth - 1), keys);
            for (int n = size(r, 0, 4); n > 0; n--) {
                o.set(keys.next(r), values.next(r));
            }
            return o;
        };
    }
}
