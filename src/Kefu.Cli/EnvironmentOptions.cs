using System.CommandLine;
using System.Runtime.CompilerServices;
using System.CommandLine.Parsing;

namespace Kefu.Cli;

/// <summary>
/// Every option of an enabled command also read from an environment variable, for containers: `--max-body-kb` from
/// KEFU_MAX_BODY_KB (KEFU_ + the name without dashes, upper case, '-' as '_'). The command line wins. A variable is
/// turned into the option's own tokens and parsed again, so it goes through the same parser and validators as the
/// command line; options added to the command later get their variable without more code.
/// Lists (`--allowed-hosts`) take the variable's values separated by commas or spaces; flags take true/false, 1/0,
/// yes/no, on/off.
/// </summary>
internal static class EnvironmentOptions
{
    public const string Prefix = "KEFU_";

    private static readonly ConditionalWeakTable<Command, object> Enabled = [];

    /// <summary>Call after the command's options are added: appends "[env: KEFU_...]" to each one's help.</summary>
    public static Command Enable(Command command)
    {
        Enabled.AddOrUpdate(command, Prefix);
        foreach (var option in command.Options.Where(Applies))
            option.Description = $"{option.Description} [env: {VariableOf(option)}]";
        return command;
    }

    public static string VariableOf(Option option) =>
        Prefix + option.Name.TrimStart('-').ToUpperInvariant().Replace('-', '_');

    /// <summary>The options of an enabled command that read a variable (not --help and the like, which do nothing but print).</summary>
    public static IEnumerable<Option> Of(Command command) => command.Options.Where(Applies);

    /// <summary>
    /// Parses <paramref name="args"/>, then again with the enabled command's unset options taken from the environment.
    /// <paramref name="error"/>: a variable whose value its option refuses, as "kefu: KEFU_PORT=abc: ..." (exit code 2, a usage error).
    /// </summary>
    public static ParseResult Parse(Command root, IReadOnlyList<string> args, out string? error, Func<string, string?>? environment = null)
    {
        error = null;
        environment ??= Environment.GetEnvironmentVariable;
        var parse = root.Parse(args);
        var command = parse.CommandResult.Command;
        if (!Enabled.TryGetValue(command, out _) || parse.Errors.Count > 0) return parse;

        var added = new List<string>();
        var sources = new List<(Option Option, string Variable, string Value)>();
        foreach (var option in Of(command))
        {
            if (parse.GetResult(option) is { Implicit: false }) continue;
            var variable = VariableOf(option);
            if (environment(variable) is not { } value || value.Trim().Length == 0) continue;
            added.Add(option.Name);
            added.AddRange(Tokens(option, value));
            sources.Add((option, variable, value));
        }
        if (added.Count == 0) return parse;

        // Before a "--", after which every token is an argument.
        var all = args.ToList();
        int end = all.IndexOf("--");
        all.InsertRange(end < 0 ? all.Count : end, added);
        var withEnvironment = root.Parse(all);
        foreach (var e in withEnvironment.Errors)
            foreach (var (option, variable, value) in sources)
                if (Concerns(e, option))
                {
                    error = $"kefu: {variable}={value}: {e.Message}";
                    return withEnvironment;
                }
        return withEnvironment;
    }

    private static bool Applies(Option option) =>
        option.Name.StartsWith("--", StringComparison.Ordinal) && option.Name is not ("--help" or "--version") && !option.Hidden;

    private static IEnumerable<string> Tokens(Option option, string value)
    {
        if (option.ValueType == typeof(bool))
            return [value.Trim().ToLowerInvariant() switch { "1" or "yes" or "on" => "true", "0" or "no" or "off" => "false", var v => v }];
        if (option.Arity.MaximumNumberOfValues > 1)
            return value.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return [value];
    }

    private static bool Concerns(ParseError error, Option option) =>
        error.SymbolResult switch
        {
            OptionResult o => o.Option == option,
            ArgumentResult { Parent: OptionResult o } => o.Option == option,
            _ => false,
        };
}
