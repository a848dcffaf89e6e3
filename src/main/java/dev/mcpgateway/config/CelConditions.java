package dev.mcpgateway.config;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;

/**
 * The language of {@code cel} conditions in authorization rules: the variables an expression sees
 * and their types. An expression sees the request as {@code method}, {@code kind} ({@code tool},
 * {@code prompt}, {@code resource}), {@code backend}, {@code name} (also as {@code tool}),
 * {@code arguments} (a map; empty while listing), {@code claims} (the token's claims),
 * {@code scopes} (a list), {@code principal} and {@code headers} (lower-case names to their first
 * value), and must evaluate to a bool. The configuration checks expressions with it when a file is
 * loaded; the authorizer runs what {@link #compile} returns with {@link #OPTIONS}.
 */
public final class CelConditions {

    /** JSON numbers may be integers or decimals: let {@code amount < 100} compare either. */
    public static final CelOptions OPTIONS = CelOptions.current().enableHeterogeneousNumericComparisons(true).build();

    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .setOptions(OPTIONS)
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("method", SimpleType.STRING)
            .addVar("kind", SimpleType.STRING)
            .addVar("backend", SimpleType.STRING)
            .addVar("name", SimpleType.STRING)
            .addVar("tool", SimpleType.STRING)
            .addVar("principal", SimpleType.STRING)
            .addVar("arguments", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("claims", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("headers", MapType.create(SimpleType.STRING, SimpleType.STRING))
            .addVar("scopes", ListType.create(SimpleType.STRING))
            .setResultType(SimpleType.BOOL)
            .build();

    private CelConditions() {
    }

    /**
     * The checked syntax tree of an expression.
     *
     * @throws IllegalArgumentException saying what is wrong and where
     */
    public static CelAbstractSyntaxTree compile(String expression) {
        try {
            return COMPILER.compile(expression).getAst();
        } catch (CelValidationException e) {
            throw new IllegalArgumentException("invalid CEL expression: " + e.getMessage());
        }
    }
}
