using System.Globalization;
using System.Text;

namespace Kefu.Text.Chat;

/// <summary>A chat template that cannot be read or rendered; the message names the line and the construct.</summary>
public sealed class ChatTemplateException(string message) : Exception(message);

internal enum TemplateTokenKind
{
    Text,       // template text between tags
    Output,     // {{ opens an expression
    Statement,  // {% opens a statement
    End,        // }} or %} closes it
    Name,
    String,
    Integer,
    Float,
    Operator,
    Eof,
}

internal readonly record struct TemplateToken(TemplateTokenKind Kind, string Value, int Line);

/// <summary>
/// Cuts a Jinja template into tokens as transformers' environment configures jinja2 (trim_blocks and lstrip_blocks on):
/// text, {{ }} and {% %} with the expression tokens inside, comments dropped. "-" beside a delimiter strips the
/// whitespace on that side; trim_blocks drops the first newline after %} and #}; lstrip_blocks drops the spaces and
/// tabs between a line's start and {% or {# ("+" after the opening delimiter keeps them).
/// </summary>
internal static class TemplateLexer
{
    private static readonly string[] operators = ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", "="];

    public static List<TemplateToken> Lex(string source)
    {
        var tokens = new List<TemplateToken>();
        int i = 0, line = 1;
        bool trimNext = false; // the tag before ended with "-": strip leading whitespace of the next text
        bool blockBefore = false; // the tag before was %} or #}: trim_blocks drops one newline
        while (i < source.Length)
        {
            int open = FindOpen(source, i);
            string text = source[i..(open < 0 ? source.Length : open)];
            bool lineStart = i == 0 || source[i - 1] == '\n';
            if (blockBefore && text.StartsWith('\n'))
                (text, lineStart) = (text[1..], true);
            else if (blockBefore && text.StartsWith("\r\n", StringComparison.Ordinal))
                (text, lineStart) = (text[2..], true);
            if (trimNext)
                text = text.TrimStart();
            if (open < 0)
            {
                Add(tokens, text, line);
                break;
            }
            char kind = source[open + 1];
            bool stripBefore = open + 2 < source.Length && source[open + 2] == '-';
            bool keepBefore = open + 2 < source.Length && source[open + 2] == '+';
            if (stripBefore)
                text = text.TrimEnd();
            else if (kind != '{' && !keepBefore)
                text = LeftStripBlock(text, lineStart && !trimNext);
            Add(tokens, text, line);
            line += Count(source, i, open);
            int start = open + 2 + (stripBefore || keepBefore ? 1 : 0);
            if (kind == '#')
            {
                int close = source.IndexOf("#}", start, StringComparison.Ordinal);
                if (close < 0)
                    throw new ChatTemplateException($"chat template line {line}: a comment {{# is not closed.");
                trimNext = source[close - 1] == '-';
                blockBefore = true;
                line += Count(source, open, close + 2);
                i = close + 2;
                continue;
            }
            tokens.Add(new TemplateToken(kind == '{' ? TemplateTokenKind.Output : TemplateTokenKind.Statement, kind == '{' ? "{{" : "{%", line));
            i = LexExpression(source, start, kind == '{' ? '}' : '%', tokens, ref line, out trimNext);
            blockBefore = kind == '%';
        }
        tokens.Add(new TemplateToken(TemplateTokenKind.Eof, "", line));
        return tokens;
    }

    private static void Add(List<TemplateToken> tokens, string text, int line)
    {
        if (text.Length > 0)
            tokens.Add(new TemplateToken(TemplateTokenKind.Text, text, line));
    }

    // {{, {% or {#
    private static int FindOpen(string source, int from)
    {
        for (int i = source.IndexOf('{', from); i >= 0 && i + 1 < source.Length; i = source.IndexOf('{', i + 1))
        {
            if (source[i + 1] is '{' or '%' or '#')
                return i;
        }
        return -1;
    }

    // lstrip_blocks: whitespace alone between the line's start and the tag goes
    private static string LeftStripBlock(string text, bool atLineStart)
    {
        int from = text.LastIndexOf('\n') + 1;
        if (from == 0 && !atLineStart)
            return text;
        return text.AsSpan(from).IsWhiteSpace() ? text[..from] : text;
    }

    private static int Count(string s, int from, int to)
    {
        int n = 0;
        for (int k = from; k < to && k < s.Length; k++)
            n += s[k] == '\n' ? 1 : 0;
        return n;
    }

    // expression tokens up to the closing }} or %}; returns the index after it
    private static int LexExpression(string source, int i, char closer, List<TemplateToken> tokens, ref int line, out bool trimAfter)
    {
        while (true)
        {
            while (i < source.Length && char.IsWhiteSpace(source[i]))
                line += source[i++] == '\n' ? 1 : 0;
            if (i >= source.Length)
                throw new ChatTemplateException($"chat template line {line}: a tag is not closed.");
            if (source[i] == '-' && i + 2 < source.Length && source[i + 1] == closer && source[i + 2] == '}')
            {
                trimAfter = true;
                tokens.Add(new TemplateToken(TemplateTokenKind.End, "", line));
                return i + 3;
            }
            if (source[i] == closer && i + 1 < source.Length && source[i + 1] == '}')
            {
                trimAfter = false;
                tokens.Add(new TemplateToken(TemplateTokenKind.End, "", line));
                return i + 2;
            }
            char c = source[i];
            if (char.IsLetter(c) || c == '_')
            {
                int start = i;
                while (i < source.Length && (char.IsLetterOrDigit(source[i]) || source[i] == '_'))
                    i++;
                tokens.Add(new TemplateToken(TemplateTokenKind.Name, source[start..i], line));
            }
            else if (char.IsAsciiDigit(c))
            {
                int start = i;
                while (i < source.Length && (char.IsAsciiDigit(source[i]) || source[i] == '_'))
                    i++;
                bool isFloat = i + 1 < source.Length && source[i] == '.' && char.IsAsciiDigit(source[i + 1]);
                if (isFloat)
                {
                    i++;
                    while (i < source.Length && char.IsAsciiDigit(source[i]))
                        i++;
                }
                if (i < source.Length && source[i] is 'e' or 'E')
                {
                    isFloat = true;
                    i++;
                    if (i < source.Length && source[i] is '+' or '-')
                        i++;
                    while (i < source.Length && char.IsAsciiDigit(source[i]))
                        i++;
                }
                tokens.Add(new TemplateToken(isFloat ? TemplateTokenKind.Float : TemplateTokenKind.Integer, source[start..i].Replace("_", ""), line));
            }
            else if (c is '\'' or '"')
            {
                i = LexString(source, i, tokens, ref line);
            }
            else
            {
                string? op = operators.FirstOrDefault(o => string.CompareOrdinal(source, i, o, 0, o.Length) == 0);
                if (op is null)
                    throw new ChatTemplateException($"chat template line {line}: unexpected character '{c}'.");
                tokens.Add(new TemplateToken(TemplateTokenKind.Operator, op, line));
                i += op.Length;
            }
        }
    }

    // a Python string literal with its backslash escapes
    private static int LexString(string source, int i, List<TemplateToken> tokens, ref int line)
    {
        char quote = source[i++];
        var value = new StringBuilder();
        int startLine = line;
        while (true)
        {
            if (i >= source.Length)
                throw new ChatTemplateException($"chat template line {startLine}: a string is not closed.");
            char c = source[i++];
            if (c == quote)
                break;
            if (c == '\n')
                line++;
            if (c != '\\' || i >= source.Length)
            {
                value.Append(c);
                continue;
            }
            char e = source[i++];
            switch (e)
            {
                case 'n': value.Append('\n'); break;
                case 't': value.Append('\t'); break;
                case 'r': value.Append('\r'); break;
                case '\\': value.Append('\\'); break;
                case '\'': value.Append('\''); break;
                case '"': value.Append('"'); break;
                case '0': value.Append('\0'); break;
                case 'u' when i + 4 <= source.Length:
                    value.Append((char)int.Parse(source.AsSpan(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                case '\n': line++; break; // a backslash before a newline continues the line
                default: value.Append('\\').Append(e); break; // Python keeps unknown escapes as they are
            }
        }
        tokens.Add(new TemplateToken(TemplateTokenKind.String, value.ToString(), startLine));
        return i;
    }
}
