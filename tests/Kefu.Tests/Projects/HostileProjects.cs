using System.Text;

namespace Kefu.Tests.Projects;

/// <summary>
/// One hostile input: a change to the small valid project (<see cref="TempProject.Valid"/>) and the diagnostic it must
/// give — its file (relative, '/'), line and a fragment of its message; an error unless IsError is false. Training
/// refuses projects with errors, and <paramref name="TrainRefuses"/> says it refuses this one all the same.
/// </summary>
internal sealed record HostileCase(string Name, Action<TempProject> Apply, string File, int Line, string Message, bool IsError = true, bool TrainRefuses = false)
{
    public bool Trains => !IsError && !TrainRefuses;

    public override string ToString() => Name;
}

/// <summary>
/// The probe's hostile project files, generated at test time (some are megabytes): deep nesting, alias bombs, links
/// out of the project and in loops, invalid UTF-8, oversized files, too many examples, empty files, slow regexes.
/// </summary>
internal static class HostileProjects
{
    public static IReadOnlyList<HostileCase> All { get; } =
    [
        new("30,000 nested '['", p => p.Write("data/deep.yml", "nlu: " + new string('[', 30_000) + new string(']', 30_000) + "\n"),
            "data/deep.yml", 1, "more than 64 levels deep"),
        new("100 nested block mappings", p => p.Write("data/deep.yml", NestedBlock(100)),
            "data/deep.yml", 66, "more than 64 levels deep"), // line 1 opens the top mapping, line 66 the 65th
        BillionLaughs("billion laughs in a response's custom", "data/responses.yml",
            "responses:\n  utter_lol:\n  - custom:\n", "      "),
        BillionLaughs("billion laughs in a slot's initial_value", "domain.yml",
            "version: \"3.1\"\nintents:\n- greet\nslots:\n  lol:\n    type: any\n    influence_conversation: false\n    mappings:\n    - type: custom\n    initial_value:\n", "      "),
        new("an alias inside the node it names", p => p.Write("data/responses.yml", "responses:\n  utter_x:\n  - custom: &a\n      again: [*a]\n"),
            "data/responses.yml", 4, "inside the node it refers to"),
        new("aliases nesting past the depth limit", p => p.Write("data/responses.yml",
                "responses:\n  utter_x:\n  - custom:\n      deep: &d " + Nested(50) + "\n      deeper: " + new string('[', 20) + "*d" + new string(']', 20) + "\n"),
            "data/responses.yml", 5, "more than 64 levels deep"),
        new("custom nested past the depth limit", p => p.Write("data/responses.yml", ResponseWithCustomDepth(61)),
            "data/responses.yml", 4, "more than 64 levels deep"),
        // YamlDotNet 16.3 throws InvalidOperationException and ArgumentException on these (found by YamlReaderFuzzTests).
        new("a '...' before any document", p => p.Write("data/dots.yml", "...\nnlu:\n"),
            "data/dots.yml", 1, "malformed YAML"),
        new("a list item '- :'", p => p.Write("data/colon.yml", "nlu:\n- :\n"),
            "data/colon.yml", 2, "malformed YAML"),
        new("invalid UTF-8", p => p.WriteBytes("data/nlu.yml", [.. Encoding.UTF8.GetBytes(SampleProject.Nlu[..SampleProject.Nlu.IndexOf("你好", StringComparison.Ordinal)]), 0xFF, 0xFE, .. "x\n"u8]),
            "data/nlu.yml", 5, "not valid UTF-8"),
        new("a 12 MB file", p => p.Write("data/big.yml", BigNlu(12 * 1024 * 1024)),
            "data/big.yml", 1, "larger than 10485760 bytes"),
        new("three 8 MB files", p => { for (int i = 1; i <= 3; i++) p.Write($"data/big{i}.yml", BigComments(8 * 1024 * 1024)); },
            "data/big3.yml", 1, "past 20971520 bytes"),
        // data/many.yml is read before data/nlu.yml, so its 100,001st example is the project's.
        new("100,001 examples", p => p.Write("data/many.yml", ManyExamples(100_001)),
            "data/many.yml", 3 + 100_001, "more than 100000 NLU examples"),
        // data/a_regexes.yml is read before data/nlu.yml, so its 1,001st pattern is the project's.
        new("1,001 regexes", p => p.Write("data/a_regexes.yml", "nlu:\n- regex: many\n  examples: |\n" + string.Concat(Enumerable.Range(0, 1_001).Select(i => $"    - r{i}\\d+\n"))),
            "data/a_regexes.yml", 1_004, "more than 1000 regex patterns"),
        new("a slow regex", p => p.Write("data/regex.yml", "nlu:\n- regex: slow\n  examples: |\n    - DD\\d{8}\n    - ^(?=\\w)(\\w+\\s?)+$\n"),
            "data/regex.yml", 5, "backtracks catastrophically", IsError: false),
        new("an empty nlu file and no other examples", p => p.Write("data/nlu.yml", ""),
            "data", 1, "no NLU examples", IsError: false, TrainRefuses: true),
        new("a scalar file of 5,000 characters", p => p.Write("data/long.yml", new string('x', 5_000) + "\n"),
            "data/long.yml", 1, "found 'xxxxx"),
        .. LinkCases(),
    ];

    /// <summary>The cases' names, so each shows as a test of its own.</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var c in All) data.Add(c.Name);
        return data;
    }

    public static HostileCase Named(string name) => All.Single(c => c.Name == name);

    /// <summary>Links need no privileges on Linux and macOS; Windows is left out rather than half-tested.</summary>
    private static IEnumerable<HostileCase> LinkCases()
    {
        if (OperatingSystem.IsWindows()) yield break;
        yield return new("a folder link loop (data/loop -> ..)", p => System.IO.File.CreateSymbolicLink(p.PathOf("data/loop"), ".."),
            "data/loop", 1, "a loop", IsError: false);
        yield return new("a link to a secret file outside", p =>
        {
            string secret = p.PathOf("../" + Path.GetFileName(p.Dir) + "-secret.yml");
            System.IO.File.WriteAllText(secret, string.Concat(Enumerable.Repeat("root:x:0:0:SECRET-LINE:/root:/bin/bash\n", 40)));
            p.DeleteAfterwards(secret);
            System.IO.File.CreateSymbolicLink(p.PathOf("data/passwd.yml"), secret);
        }, "data/passwd.yml", 1, "outside the project folder");
        yield return new("a link to a folder outside", p =>
        {
            string outside = p.Dir + "-outside";
            Directory.CreateDirectory(outside);
            System.IO.File.WriteAllText(Path.Combine(outside, "nlu.yml"), SampleProject.Nlu);
            p.DeleteAfterwards(outside);
            Directory.CreateSymbolicLink(p.PathOf("data/outside"), outside);
        }, "data/outside", 1, "outside the project folder");
        yield return new("a domain.yml link to /dev/zero", p =>
        {
            System.IO.File.Delete(p.PathOf("domain.yml"));
            System.IO.File.CreateSymbolicLink(p.PathOf("domain.yml"), "/dev/zero");
        }, "domain.yml", 1, "outside the project folder");
        yield return new("a chain of links that loops", p =>
        {
            System.IO.File.CreateSymbolicLink(p.PathOf("data/a.yml"), "b.yml");
            System.IO.File.CreateSymbolicLink(p.PathOf("data/b.yml"), "a.yml");
        }, "data/a.yml", 1, "cannot be resolved");
    }

    /// <summary>
    /// Nine anchors each repeating the one before nine times (9^9 "lol"s, as in the 678-byte probe file); the
    /// expected error is at the first alias past the 100,000-node budget.
    /// </summary>
    private static HostileCase BillionLaughs(string name, string file, string head, string indent)
    {
        var text = new StringBuilder(head).Append(indent).Append("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        string previous = "a";
        long size = 10, added = 0;
        int line = 0, lineNumber = head.Count(c => c == '\n') + 1;
        foreach (string anchor in new[] { "b", "c", "d", "e", "f", "g", "h", "i" })
        {
            lineNumber++;
            text.Append(indent).Append(anchor).Append(": &").Append(anchor).Append(" [")
                .Append(string.Join(",", Enumerable.Repeat("*" + previous, 9))).Append("]\n");
            for (int k = 0; k < 9 && line == 0; k++)
                if ((added += size) > 100_000) line = lineNumber;
            size = 1 + 9 * size;
            previous = anchor;
        }
        string yaml = text.ToString();
        string where = file;
        return new(name, p => p.Write(where, yaml), file, line, "past 100000 nodes");
    }

    /// <summary>
    /// A response in a data file whose custom payload nests <paramref name="levels"/> deep ({payload: [[..]]}); the
    /// file nests 4 more: its top mapping, responses, utter_deep's list and the variation.
    /// </summary>
    public static string ResponseWithCustomDepth(int levels) =>
        "responses:\n  utter_deep:\n  - custom:\n      payload: " + Nested(levels - 1) + "\n";

    /// <summary>[[..[1]..]] with <paramref name="levels"/> lists.</summary>
    private static string Nested(int levels) => new string('[', levels) + "1" + new string(']', levels);

    private static string NestedBlock(int levels)
    {
        var text = new StringBuilder("version: \"3.1\"\n");
        for (int i = 0; i < levels; i++) text.Append(' ', 2 * i).Append("k:\n");
        return text.Append(' ', 2 * levels).Append("v\n").ToString();
    }

    /// <summary>An nlu file of about <paramref name="bytes"/> bytes, examples of ~40 characters.</summary>
    private static string BigNlu(int bytes)
    {
        var text = new StringBuilder(bytes + 64).Append("nlu:\n- intent: greet\n  examples: |\n");
        for (int i = 0; text.Length < bytes; i++) text.Append("    - hello there, this is example ").Append(i).Append('\n');
        return text.ToString();
    }

    /// <summary>A YAML file of about <paramref name="bytes"/> bytes of comments: big, quick to parse, no data.</summary>
    private static string BigComments(int bytes)
    {
        string line = "# " + new string('x', 1000) + "\n";
        return "version: \"3.1\"\n" + string.Concat(Enumerable.Repeat(line, bytes / line.Length + 1));
    }

    /// <summary><paramref name="count"/> distinct examples of intent greet, one per line from line 4.</summary>
    private static string ManyExamples(int count)
    {
        var text = new StringBuilder("nlu:\n- intent: greet\n  examples: |\n");
        for (int i = 0; i < count; i++) text.Append("    - hello number ").Append(i).Append('\n');
        return text.ToString();
    }
}
