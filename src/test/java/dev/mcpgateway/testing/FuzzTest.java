package dev.mcpgateway.testing;

import static dev.mcpgateway.testing.Fuzz.bigIntegers;
import static dev.mcpgateway.testing.Fuzz.ints;
import static dev.mcpgateway.testing.Fuzz.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.Fuzz.Gen;

class FuzzTest {

    @Test
    void aFailureNamesTheFirstFailingTryItsSeedAndItsInput() {
        Gen<Integer> gen = ints(0, 1000);
        List<Integer> seen = new ArrayList<>();

        AssertionError failure = catchThrowableOfType(AssertionError.class,
                () -> Fuzz.run("p", 42, 0, 500, 500, gen, i -> {
                    seen.add(i);
                    assertThat(i).isLessThan(900);
                }));

        Matcher m = Pattern.compile("p failed at try (\\d+) of 500 \\(seed 42\\); replay it alone with -Dfuzz.seed=42"
                + " -Dfuzz.only=(\\d+)\ninput: (\\d+)\n").matcher(failure.getMessage());
        assertThat(m.lookingAt()).as(failure.getMessage()).isTrue();
        int failed = Integer.parseInt(m.group(1));
        assertThat(m.group(2)).isEqualTo(m.group(1));
        // The reported try is the first that failed, and replaying it alone gives the same input.
        assertThat(seen).hasSize(failed + 1);
        assertThat(seen.subList(0, failed)).allMatch(i -> i < 900);
        assertThat(Fuzz.input("p", 42, failed, gen)).isEqualTo(seen.get(failed)).isEqualTo(Integer.parseInt(m.group(3)));
        assertThat(failure.getCause()).isInstanceOf(AssertionError.class);
    }

    @Test
    void aPassingPropertyRunsEveryTryOnInputsThatDependOnTheSeed() throws Exception {
        List<Integer> first = new ArrayList<>();
        List<Integer> again = new ArrayList<>();
        List<Integer> otherSeed = new ArrayList<>();

        int ran = Fuzz.run("p", 1, 0, 300, 300, ints(0, 1_000_000), first::add);
        Fuzz.run("p", 1, 0, 300, 300, ints(0, 1_000_000), again::add);
        Fuzz.run("p", 2, 0, 300, 300, ints(0, 1_000_000), otherSeed::add);

        assertThat(ran).isEqualTo(300);
        assertThat(first).hasSize(300).isEqualTo(again).isNotEqualTo(otherSeed);
    }

    @Test
    void stringsStayInLengthAndNeverCarryALoneSurrogate() {
        Fuzz.run("strings", 7, 0, 2000, 2000, strings(30), s -> {
            assertThat(s.codePointCount(0, s.length())).isLessThanOrEqualTo(30);
            for (int i = 0; i < s.length(); i++) {
                if (Character.isHighSurrogate(s.charAt(i))) {
                    assertThat(Character.isLowSurrogate(s.charAt(++i))).isTrue();
                } else {
                    assertThat(Character.isLowSurrogate(s.charAt(i))).isFalse();
                }
            }
        });
    }

    @Test
    void bigIntegersStayWithinTheirDigitsAndGoBeyondLong() {
        List<BigInteger> values = new ArrayList<>();
        Fuzz.run("big", 7, 0, 1000, 1000, bigIntegers(40), values::add);

        assertThat(values).allMatch(v -> v.abs().compareTo(BigInteger.TEN.pow(40)) < 0);
        assertThat(values).anyMatch(v -> v.bitLength() > 64).anyMatch(v -> v.signum() < 0);
    }

    @Test
    void describeShowsBytesInHexAndEscapesControlCharacters() {
        assertThat(Fuzz.describe(new byte[]{'A', '\n', 0})).isEqualTo("3 bytes 410a00 = \"A\\n\\u0000\"");
        assertThat(Fuzz.describe("a\r\"\uD834")).isEqualTo("\"a\\r\\\"\\uD834\"");
        assertThat(Fuzz.describe("x".repeat(5000))).hasSize(Fuzz.SHOWN + " (1002 more characters)".length() + 3)
                .endsWith("... (1002 more characters)");
    }
}
