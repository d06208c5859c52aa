using System.CommandLine;
using System.Reflection;

namespace Kefu.Cli.Commands;

/// <summary>`kefu init DIR [--template ecommerce-zh|banking-en]`: a new project from a sample bot, with an actions/ project for C# actions.</summary>
internal static class InitCommand
{
    public static readonly string[] Templates = ["ecommerce-zh", "banking-en"];

    public static Command Create()
    {
        var dir = new Argument<string>("DIR") { Description = "Folder for the new project (created; must be empty)", DefaultValueFactory = _ => "." };
        var template = new Option<string>("--template") { Description = "Sample to start from", DefaultValueFactory = _ => "ecommerce-zh" };
        template.AcceptOnlyFromAmong(Templates);
        var command = new Command("init", "Create a bot project from a template") { dir, template };
        command.SetAction(parse => Run(parse.GetValue(dir)!, parse.GetValue(template)!));
        return command;
    }

    // the sample's knowledge.yml names the encoder by a path inside this repository; a new project starts without one
    const string BankingKnowledge = """
        # Kefu's knowledge file (docs/knowledge.md): the banking FAQ, ranked by BM25 and the FAQ classifier.
        # Dense ranking fused with BM25 (held-out top-1 0.85 instead of 0.60, docs/benchmarks.md): name a
        # sentence-transformers model folder, relative to this file, e.g.
        #   encoder: ../models/all-MiniLM-L6-v2
        #   fusion: mix
        #   mix_weight: 0.9
        faq:
          - knowledge/faq.yml

        """;

    public static int Run(string dir, string template)
    {
        var target = Path.GetFullPath(dir);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            Console.Error.WriteLine($"kefu init: {target} is not empty; choose a new folder");
            return 1;
        }
        var prefix = $"templates/{template}/";
        var assembly = Assembly.GetExecutingAssembly();
        var files = assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        if (files.Count == 0)
        {
            Console.Error.WriteLine($"kefu init: no template named {template} (templates: {string.Join(", ", Templates)})");
            return 1;
        }
        foreach (var name in files)
        {
            var path = Path.Combine(target, name[prefix.Length..]);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var source = assembly.GetManifestResourceStream(name)!;
            using var file = File.Create(path);
            source.CopyTo(file);
        }
        if (template == "banking-en")
            File.WriteAllText(Path.Combine(target, "knowledge.yml"), BankingKnowledge);
        foreach (var (path, text) in ActionsTemplate.Files(template))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, path))!);
            File.WriteAllText(Path.Combine(target, path), text);
        }
        Console.WriteLine($"Created {template} project in {target} ({files.Count} files, and C# custom actions in actions/: docs/actions.md).");
        Console.WriteLine($"Next: kefu train --project {dir}   then   kefu shell --project {dir}");
        return 0;
    }
}
