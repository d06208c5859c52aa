using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Kefu.Projects;
using Kefu.Projects.Yaml;

namespace Kefu.Tests.Projects;

/// <summary>One edit of a YAML text; positions are taken modulo the text's length, so any edit applies to any text.</summary>
public sealed record YamlEdit(int Kind, int Position, int Length, string Fragment)
{
    public string ApplyTo(string text)
    {
        int at = Position % (text.Length + 1);
        int length = Math.Min(Length, text.Length - at);
        var lines = text.Split('\n');
        int line = Position % lines.Length;
        switch (Kind)
        {
            case 0: return text.Insert(at, Fragment);
            case 1: return text.Remove(at, length);
            case 2: return text.Insert(at, text.Substring(at, length));
            case 3:
                int other = (Position + Length) % lines.Length;
                (lines[line], lines[other]) = (lines[other], lines[line]);
                return string.Join('\n', lines);
            case 4:
                int shift = Length % 7 - 3; // -3..3 spaces of indentation
                int indent = lines[line].Length - lines[line].TrimStart(' ').Length;
                lines[line] = shift >= 0 ? new string(' ', shift) + lines[line] : lines[line][Math.Min(-shift, indent)..];
                return string.Join('\n', lines);
            default: return text.Remove(at, Math.Min(1, text.Length - at)).Insert(at, Fragment);
        }
    }

    public override string ToString() => $"({Kind} at {Position}, {Length}, \"{Snippets.Quote(Fragment, 30)}\")";
}

/// <summary>A real project file (from samples/ or the tests' small project) with a few edits.</summary>
public sealed record MutatedYaml(string Seed, IReadOnlyList<YamlEdit> Edits)
{
    public string Text => Edits.Aggregate(YamlReaderFuzzTests.Seeds[Seed], (text, edit) => edit.ApplyTo(text));

    public override string ToString() => $"{Seed} with {string.Join(", ", Edits)}";
}

/// <summary>Text made only of YAML punctuation and Rasa keywords.</summary>
public sealed record TokenSoup(IReadOnlyList<string> Tokens)
{
    public string Text => string.Concat(Tokens);

    public override string ToString() => Snippets.Quote(Text, 2000);
}

public static class YamlArbitraries
{
    private static readonly string[] Fragments =
    [
        "[", "]", "{", "}", ": ", "- ", ",", "&a ", "*a", "&b ", "*b", "*undefined", "!!str ", "!!binary ", "!custom ", "|", "|-", ">",
        "\"", "'", "#", "\n", "\r\n", "\t", "  ", "? ", "---\n", "...\n", "%YAML 1.2\n", "%TAG ! tag:x:\n", "\0", "\uFEFF", "\uD800",
        "<<: *a", "[{]}", "&a [*a]", "~", "null", "1e999", "-.inf", "0x1F", "true", "intent: ", "examples: |\n    - ", "[x](e)",
        "[x]{\"entity\":", "[[x]]", "regex: r\n  examples: |\n    - (a+)+$\n", "lookup: l\n  examples: |\n    - 上海\n", "custom:\n  ",
        "utter_", "slot_was_set:\n  - ", "or:\n  - intent: x\n", "steps:\n", "responses:\n", "slots:\n", "nlu:\n", "stories:\n",
        "中文", "😀", "\\", "%", "@", "`", new string('[', 70), new string(' ', 40), "\u202E",
    ];

    private static Gen<YamlEdit> Edit =>
        from kind in Gen.Choose(0, 5)
        from position in Gen.Choose(0, 1_000_000)
        from length in Gen.Choose(0, 200)
        from fragment in Gen.Elements(Fragments)
        select new YamlEdit(kind, position, length, fragment);

    public static Arbitrary<MutatedYaml> MutatedYaml() => Arb.From(
        from seed in Gen.Elements(YamlReaderFuzzTests.Seeds.Keys.Order(StringComparer.Ordinal).ToArray())
        from count in Gen.Choose(1, 8)
        from edits in Gen.ListOf(Edit, count)
        select new MutatedYaml(seed, edits));

    public static Arbitrary<TokenSoup> TokenSoup() => Arb.From(
        from count in Gen.Choose(0, 80)
        from tokens in Gen.ListOf(Gen.Elements(Fragments), count)
        select new TokenSoup(tokens));
}

/// <summary>
/// Property tests of the YAML readers: any text, however broken, gives a result or diagnostics with a position,
/// never an exception. A few hundred cases, a few seconds.
/// </summary>
public class YamlReaderFuzzTests
{
    /// <summary>Every YAML file of the samples and of the tests' small project, by name.</summary>
    public static IReadOnlyDictionary<string, string> Seeds { get; } = LoadSeeds();

    private static Dictionary<string, string> LoadSeeds()
    {
        var seeds = new Dictionary<string, string>
        {
            ["test:domain.yml"] = SampleProject.Domain, ["test:config.yml"] = SampleProject.Config, ["test:nlu.yml"] = SampleProject.Nlu,
            ["test:stories.yml"] = SampleProject.Stories, ["test:rules.yml"] = SampleProject.Rules, ["test:test_stories.yml"] = SampleProject.TestStories,
        };
        string samples = Path.Combine(RepoPaths.Root, "samples");
        foreach (var file in Directory.EnumerateFiles(samples, "*.yml", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(samples, file).Replace('\\', '/');
            if (!relative.Contains("/bin/", StringComparison.Ordinal) && !relative.Contains("/obj/", StringComparison.Ordinal))
                seeds[relative] = File.ReadAllText(file);
        }
        return seeds;
    }

    /// <summary>The text as every kind of project file at once: domain, config, service files, and data (nlu, stories, rules, responses).</summary>
    private static void ReadAsEveryFile(string text)
    {
        var diagnostics = new DiagnosticBag();
        var limits = ProjectLimits.Default;
        var source = YamlSource.Parse(text, "fuzz.yml", diagnostics, limits);
        var domain = new DomainReader(diagnostics);
        domain.Read(source);
        ConfigReader.Read(source);
        ServiceFilesReader.CheckEndpoints(source);
        ServiceFilesReader.CheckCredentials(source);
        var nlu = new NluReader(diagnostics, limits);
        var stories = new List<Story>();
        var rules = new List<Rule>();
        if (source.Root is { } root)
            foreach (var (key, _, value) in source.Entries(root, "a project file"))
                switch (key)
                {
                    case "nlu": nlu.Read(source, value); break;
                    case "stories": stories.AddRange(StoryReader.ReadStories(source, value)); break;
                    case "rules": rules.AddRange(StoryReader.ReadRules(source, value)); break;
                    case "responses": domain.ReadResponses(source, value); break;
                }
        nlu.Build();
        var validator = new ProjectValidator(domain.Build(), diagnostics);
        validator.CheckDomain();
        validator.CheckNlu(nlu.Examples);
        validator.CheckStories("story", stories.Select(s => (s.Name, s.Steps)));
        validator.CheckStories("rule", rules.Select(r => (r.Name, (IReadOnlyList<StoryStep>)[.. r.Condition, .. r.Steps])));
        Assert.All(diagnostics.Sorted(), d => Assert.True(d.Location.Line >= 1 && d.Location.Column >= 1, d.ToString()));
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(YamlArbitraries)])]
    public void Edited_project_files_read_without_exceptions(MutatedYaml yaml) =>
        HostileProjectTests.Within(() => { ReadAsEveryFile(yaml.Text); return 0; });

    [Property(MaxTest = 300, Arbitrary = [typeof(YamlArbitraries)])]
    public void Token_soup_reads_without_exceptions(TokenSoup soup) =>
        HostileProjectTests.Within(() => { ReadAsEveryFile(soup.Text); return 0; });

    /// <summary>Through the files, as kefu data validate reads them: bytes (invalid UTF-8 among them) and all.</summary>
    [Property(MaxTest = 40, Arbitrary = [typeof(YamlArbitraries)])]
    public void Edited_project_files_on_disk_give_a_project_or_diagnostics(MutatedYaml yaml, byte stray)
    {
        using var temp = TempProject.Valid();
        string target = yaml.Seed.EndsWith("domain.yml", StringComparison.Ordinal) ? "domain.yml"
            : yaml.Seed.EndsWith("config.yml", StringComparison.Ordinal) ? "config.yml" : "data/fuzz.yml";
        var bytes = Encoding.UTF8.GetBytes(yaml.Text).ToList();
        bytes.Insert(stray % (bytes.Count + 1), stray);
        temp.WriteBytes(target, [.. bytes]);
        var project = HostileProjectTests.Within(() => RasaProject.Read(temp.Dir));
        Assert.All(project.Diagnostics, d => Assert.True(d.Location.Line >= 1 && d.Location.Column >= 1, d.ToString()));
    }
}
