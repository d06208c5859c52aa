using System.Globalization;

namespace Kefu.Text.Chat;

// statements
internal abstract record Node(int Line);
internal sealed record TextNode(string Text, int Line) : Node(Line);
internal sealed record OutputNode(Expr Value, int Line) : Node(Line);
internal sealed record IfNode(List<(Expr Condition, List<Node> Body)> Branches, List<Node>? Else, int Line) : Node(Line);
internal sealed record ForNode(string[] Targets, Expr Iterable, Expr? Filter, List<Node> Body, List<Node>? Else, int Line) : Node(Line);
internal sealed record SetNode(string Name, string? Attribute, Expr Value, int Line) : Node(Line);
internal sealed record BreakNode(bool Continue, int Line) : Node(Line);

// expressions
internal abstract record Expr(int Line);
internal sealed record Literal(object? Value, int Line) : Expr(Line);
internal sealed record Variable(string Name, int Line) : Expr(Line);
internal sealed record ListExpr(List<Expr> Items, int Line) : Expr(Line);
internal sealed record DictExpr(List<(Expr Key, Expr Value)> Items, int Line) : Expr(Line);
internal sealed record Attribute(Expr Target, string Name, int Line) : Expr(Line);
internal sealed record Index(Expr Target, Expr Key, int Line) : Expr(Line);
internal sealed record Slice(Expr Target, Expr? Start, Expr? Stop, Expr? Step, int Line) : Expr(Line);
internal sealed record Call(Expr Target, List<Expr> Arguments, List<(string Name, Expr Value)> Named, int Line) : Expr(Line);
internal sealed record Filter(Expr Target, string Name, List<Expr> Arguments, List<(string Name, Expr Value)> Named, int Line) : Expr(Line);
internal sealed record Test(Expr Target, string Name, List<Expr> Arguments, bool Negated, int Line) : Expr(Line);
internal sealed record Unary(string Operator, Expr Operand, int Line) : Expr(Line);
internal sealed record Binary(string Operator, Expr Left, Expr Right, int Line) : Expr(Line);
internal sealed record Conditional(Expr Condition, Expr Then, Expr? Else, int Line) : Expr(Line);

/// <summary>
/// Parses the jinja2 subset chat templates use: text, {{ expr }}, if/elif/else, for (with tuple targets, an "if"
/// filter and else), set (a name or a namespace attribute), break/continue, generation blocks; expressions with
/// jinja2's precedence (if-else, or, and, not, comparisons and in, + -, ~, * / // %, unary -, filters and "is" tests,
/// attributes, subscripts, slices, calls, list and dict literals). Anything else (macro, call, include, extends, block,
/// raw, set blocks, with...) is a <see cref="ChatTemplateException"/> naming the construct.
/// </summary>
internal sealed class TemplateParser(List<TemplateToken> tokens)
{
    private int at;

    public static List<Node> Parse(string source)
    {
        var parser = new TemplateParser(TemplateLexer.Lex(source));
        var body = parser.Block(out string? stop);
        return stop is null ? body : throw parser.Error($"'{{% {stop} %}}' has no block to close");
    }

    private TemplateToken Peek => tokens[at];

    // nodes until EOF or a statement named in ends; stop is that statement's keyword (its tokens after the keyword unread)
    private List<Node> Block(out string? stop, params string[] ends)
    {
        var nodes = new List<Node>();
        while (true)
        {
            var token = tokens[at++];
            switch (token.Kind)
            {
                case TemplateTokenKind.Eof:
                    at--;
                    stop = null;
                    if (ends.Length > 0)
                        throw Error($"the template ends before '{{% {ends[^1]} %}}'");
                    return nodes;
                case TemplateTokenKind.Text:
                    nodes.Add(new TextNode(token.Value, token.Line));
                    break;
                case TemplateTokenKind.Output:
                    nodes.Add(new OutputNode(Expression(), token.Line));
                    Expect(TemplateTokenKind.End, "}}");
                    break;
                case TemplateTokenKind.Statement:
                    string keyword = Name();
                    if (ends.Contains(keyword))
                    {
                        stop = keyword;
                        return nodes;
                    }
                    nodes.Add(Statement(keyword, token.Line));
                    break;
                default:
                    throw Error($"unexpected '{token.Value}'");
            }
        }
    }

    private Node Statement(string keyword, int line)
    {
        switch (keyword)
        {
            case "if":
                var branches = new List<(Expr, List<Node>)>();
                var condition = Expression();
                Expect(TemplateTokenKind.End, "%}");
                while (true)
                {
                    var body = Block(out string? stop, "elif", "else", "endif");
                    branches.Add((condition, body));
                    if (stop == "elif")
                    {
                        condition = Expression();
                        Expect(TemplateTokenKind.End, "%}");
                        continue;
                    }
                    List<Node>? otherwise = null;
                    if (stop == "else")
                    {
                        Expect(TemplateTokenKind.End, "%}");
                        otherwise = Block(out _, "endif");
                    }
                    Expect(TemplateTokenKind.End, "%}");
                    return new IfNode(branches, otherwise, line);
                }
            case "for":
                var targets = new List<string> { Name() };
                while (Accept(","))
                    targets.Add(Name());
                if (Name() != "in")
                    throw Error("'for' needs 'in'");
                var iterable = Ternary(allowCondition: false);
                Expr? filter = null;
                if (Peek is { Kind: TemplateTokenKind.Name, Value: "if" })
                {
                    at++;
                    filter = Or();
                }
                if (Peek is { Kind: TemplateTokenKind.Name, Value: "recursive" })
                    throw Error("recursive for loops are not supported");
                Expect(TemplateTokenKind.End, "%}");
                var loopBody = Block(out string? end, "else", "endfor");
                List<Node>? empty = null;
                if (end == "else")
                {
                    Expect(TemplateTokenKind.End, "%}");
                    empty = Block(out _, "endfor");
                }
                Expect(TemplateTokenKind.End, "%}");
                return new ForNode([.. targets], iterable, filter, loopBody, empty, line);
            case "set":
                string name = Name();
                string? attribute = Accept(".") ? Name() : null;
                if (Peek.Kind == TemplateTokenKind.End)
                    throw Error("'{% set %}...{% endset %}' blocks are not supported");
                if (Peek is { Kind: TemplateTokenKind.Operator, Value: "," })
                    throw Error("'{% set a, b = ... %}' (tuple assignment) is not supported");
                Expect(TemplateTokenKind.Operator, "=");
                var value = Expression();
                Expect(TemplateTokenKind.End, "%}");
                return new SetNode(name, attribute, value, line);
            case "break" or "continue":
                Expect(TemplateTokenKind.End, "%}");
                return new BreakNode(keyword == "continue", line);
            case "generation":
                // transformers' AIChatExtension: {% generation %} marks assistant text for return_assistant_tokens_mask
                Expect(TemplateTokenKind.End, "%}");
                var inner = Block(out _, "endgeneration");
                Expect(TemplateTokenKind.End, "%}");
                return new IfNode([(new Literal(true, line), inner)], null, line);
            default:
                throw Error($"'{{% {keyword} %}}' is not supported (Kefu's chat templates run if, for, set, break, continue and generation)");
        }
    }

    private Expr Expression() => Ternary(allowCondition: true);

    private Expr Ternary(bool allowCondition)
    {
        var value = Or();
        if (!allowCondition || Peek is not { Kind: TemplateTokenKind.Name, Value: "if" })
            return value;
        int line = tokens[at++].Line;
        var condition = Or();
        Expr? otherwise = null;
        if (Peek is { Kind: TemplateTokenKind.Name, Value: "else" })
        {
            at++;
            otherwise = Ternary(allowCondition: true);
        }
        return new Conditional(condition, value, otherwise, line);
    }

    private Expr Or()
    {
        var left = And();
        while (Peek is { Kind: TemplateTokenKind.Name, Value: "or" } token)
        {
            at++;
            left = new Binary("or", left, And(), token.Line);
        }
        return left;
    }

    private Expr And()
    {
        var left = Not();
        while (Peek is { Kind: TemplateTokenKind.Name, Value: "and" } token)
        {
            at++;
            left = new Binary("and", left, Not(), token.Line);
        }
        return left;
    }

    private Expr Not()
    {
        if (Peek is { Kind: TemplateTokenKind.Name, Value: "not" } token)
        {
            at++;
            return new Unary("not", Not(), token.Line);
        }
        return Compare();
    }

    private Expr Compare()
    {
        var left = Additive();
        while (true)
        {
            var token = Peek;
            if (token.Kind == TemplateTokenKind.Operator && token.Value is "==" or "!=" or "<" or "<=" or ">" or ">=")
            {
                at++;
                left = new Binary(token.Value, left, Additive(), token.Line);
            }
            else if (token is { Kind: TemplateTokenKind.Name, Value: "in" })
            {
                at++;
                left = new Binary("in", left, Additive(), token.Line);
            }
            else if (token is { Kind: TemplateTokenKind.Name, Value: "not" } && tokens[at + 1] is { Kind: TemplateTokenKind.Name, Value: "in" })
            {
                at += 2;
                left = new Binary("not in", left, Additive(), token.Line);
            }
            else
                return left;
        }
    }

    private Expr Additive()
    {
        var left = Concat();
        while (Peek is { Kind: TemplateTokenKind.Operator, Value: "+" or "-" } token)
        {
            at++;
            left = new Binary(token.Value, left, Concat(), token.Line);
        }
        return left;
    }

    private Expr Concat()
    {
        var left = Multiplicative();
        while (Peek is { Kind: TemplateTokenKind.Operator, Value: "~" } token)
        {
            at++;
            left = new Binary("~", left, Multiplicative(), token.Line);
        }
        return left;
    }

    private Expr Multiplicative()
    {
        var left = UnaryExpr();
        while (Peek is { Kind: TemplateTokenKind.Operator, Value: "*" or "/" or "//" or "%" or "**" } token)
        {
            at++;
            left = new Binary(token.Value, left, UnaryExpr(), token.Line);
        }
        return left;
    }

    private Expr UnaryExpr()
    {
        if (Peek is { Kind: TemplateTokenKind.Operator, Value: "-" or "+" } token)
        {
            at++;
            return new Unary(token.Value, UnaryExpr(), token.Line);
        }
        return FilterAndTest(Postfix(Primary()));
    }

    private Expr FilterAndTest(Expr value)
    {
        while (true)
        {
            if (Accept("|"))
            {
                int line = Peek.Line;
                string name = Name();
                var (arguments, named) = Peek is { Kind: TemplateTokenKind.Operator, Value: "(" } ? Arguments() : ([], []);
                value = new Filter(value, name, arguments, named, line);
            }
            else if (Peek is { Kind: TemplateTokenKind.Name, Value: "is" })
            {
                int line = tokens[at++].Line;
                bool negated = Peek is { Kind: TemplateTokenKind.Name, Value: "not" };
                if (negated)
                    at++;
                string name = Peek.Kind == TemplateTokenKind.Operator && Peek.Value is "==" or "!=" or "<" or ">" or "<=" or ">=" ? tokens[at++].Value : Name();
                var arguments = new List<Expr>();
                if (Peek is { Kind: TemplateTokenKind.Operator, Value: "(" })
                    arguments = Arguments().Positional;
                else if (Peek.Kind is TemplateTokenKind.String or TemplateTokenKind.Integer or TemplateTokenKind.Float || Peek is { Kind: TemplateTokenKind.Name, Value: not ("and" or "or" or "else" or "if") })
                    arguments.Add(Postfix(Primary()));
                value = new Test(value, name, arguments, negated, line);
            }
            else
                return value;
        }
    }

    private Expr Postfix(Expr value)
    {
        while (Peek.Kind == TemplateTokenKind.Operator)
        {
            var token = Peek;
            if (token.Value == ".")
            {
                at++;
                value = new Attribute(value, Peek.Kind == TemplateTokenKind.Integer ? tokens[at++].Value : Name(), token.Line);
            }
            else if (token.Value == "[")
            {
                at++;
                Expr? start = Peek is { Kind: TemplateTokenKind.Operator, Value: ":" } ? null : Expression();
                if (Accept("]"))
                {
                    value = new Index(value, start!, token.Line);
                    continue;
                }
                Expect(TemplateTokenKind.Operator, ":");
                Expr? stop = Peek is { Kind: TemplateTokenKind.Operator, Value: ":" or "]" } ? null : Expression();
                Expr? step = null;
                if (Accept(":") && Peek is not { Kind: TemplateTokenKind.Operator, Value: "]" })
                    step = Expression();
                Expect(TemplateTokenKind.Operator, "]");
                value = new Slice(value, start, stop, step, token.Line);
            }
            else if (token.Value == "(")
            {
                var (arguments, named) = Arguments();
                value = new Call(value, arguments, named, token.Line);
            }
            else
                break;
        }
        return value;
    }

    private (List<Expr> Positional, List<(string, Expr)> Named) Arguments()
    {
        Expect(TemplateTokenKind.Operator, "(");
        var positional = new List<Expr>();
        var named = new List<(string, Expr)>();
        while (!Accept(")"))
        {
            if (positional.Count + named.Count > 0)
                Expect(TemplateTokenKind.Operator, ",");
            if (Accept(")"))
                break;
            if (Peek.Kind == TemplateTokenKind.Name && tokens[at + 1] is { Kind: TemplateTokenKind.Operator, Value: "=" })
            {
                string name = tokens[at].Value;
                at += 2;
                named.Add((name, Expression()));
            }
            else
                positional.Add(Expression());
        }
        return (positional, named);
    }

    private Expr Primary()
    {
        var token = tokens[at++];
        switch (token.Kind)
        {
            case TemplateTokenKind.String:
                string text = token.Value;
                while (Peek.Kind == TemplateTokenKind.String) // adjacent literals join, as in Python
                    text += tokens[at++].Value;
                return new Literal(text, token.Line);
            case TemplateTokenKind.Integer:
                return new Literal(long.Parse(token.Value, CultureInfo.InvariantCulture), token.Line);
            case TemplateTokenKind.Float:
                return new Literal(double.Parse(token.Value, CultureInfo.InvariantCulture), token.Line);
            case TemplateTokenKind.Name:
                return token.Value switch
                {
                    "true" or "True" => new Literal(true, token.Line),
                    "false" or "False" => new Literal(false, token.Line),
                    "none" or "None" => new Literal(null, token.Line),
                    _ => new Variable(token.Value, token.Line),
                };
            case TemplateTokenKind.Operator when token.Value == "(":
                var inner = Expression();
                if (Accept(","))
                    throw Error("tuples are not supported");
                Expect(TemplateTokenKind.Operator, ")");
                return inner;
            case TemplateTokenKind.Operator when token.Value == "[":
                var items = new List<Expr>();
                while (!Accept("]"))
                {
                    if (items.Count > 0)
                        Expect(TemplateTokenKind.Operator, ",");
                    if (Accept("]"))
                        break;
                    items.Add(Expression());
                }
                return new ListExpr(items, token.Line);
            case TemplateTokenKind.Operator when token.Value == "{":
                var pairs = new List<(Expr, Expr)>();
                while (!Accept("}"))
                {
                    if (pairs.Count > 0)
                        Expect(TemplateTokenKind.Operator, ",");
                    if (Accept("}"))
                        break;
                    var key = Expression();
                    Expect(TemplateTokenKind.Operator, ":");
                    pairs.Add((key, Expression()));
                }
                return new DictExpr(pairs, token.Line);
            default:
                at--;
                throw Error($"unexpected {(token.Kind == TemplateTokenKind.End ? "end of tag" : $"'{token.Value}'")}");
        }
    }

    private string Name()
    {
        var token = tokens[at];
        if (token.Kind != TemplateTokenKind.Name)
            throw Error($"expected a name, got {(token.Kind == TemplateTokenKind.End ? "the end of the tag" : $"'{token.Value}'")}");
        at++;
        return token.Value;
    }

    private bool Accept(string op)
    {
        if (Peek.Kind != TemplateTokenKind.Operator || Peek.Value != op)
            return false;
        at++;
        return true;
    }

    private void Expect(TemplateTokenKind kind, string value)
    {
        var token = Peek;
        if (token.Kind != kind || (kind == TemplateTokenKind.Operator && token.Value != value))
            throw Error($"expected '{value}', got {(token.Kind == TemplateTokenKind.End ? "the end of the tag" : token.Kind == TemplateTokenKind.Eof ? "the end of the template" : $"'{token.Value}'")}");
        at++;
    }

    private ChatTemplateException Error(string problem) => new($"chat template line {Peek.Line}: {problem}.");
}
