package dev.mcpgateway.discovery;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.miscellaneous.WordDelimiterGraphFilter;
import org.apache.lucene.analysis.util.CharTokenizer;

/**
 * Turns tool names and prose into the same terms: {@code github__create_pull_request},
 * {@code createPullRequest} and "create a pull request" all become {@code github? creat pull request}.
 * Splits on every character that is not a letter or digit (so {@code __}, {@code _}, {@code -} and
 * {@code .} separate words), then on case changes, lowercases, drops English stop words and stems
 * (Porter), so "issues" finds "issue" and "listing" finds "list".
 */
final class ToolTextAnalyzer extends Analyzer {

    private static final int WORD_PARTS = WordDelimiterGraphFilter.GENERATE_WORD_PARTS
            | WordDelimiterGraphFilter.GENERATE_NUMBER_PARTS | WordDelimiterGraphFilter.SPLIT_ON_CASE_CHANGE;

    @Override
    protected TokenStreamComponents createComponents(String fieldName) {
        Tokenizer words = CharTokenizer.fromTokenCharPredicate(Character::isLetterOrDigit);
        TokenStream s = new WordDelimiterGraphFilter(words, WORD_PARTS, null);
        s = new LowerCaseFilter(s);
        s = new StopFilter(s, EnglishAnalyzer.ENGLISH_STOP_WORDS_SET);
        s = new PorterStemFilter(s);
        return new TokenStreamComponents(words, s);
    }
}
