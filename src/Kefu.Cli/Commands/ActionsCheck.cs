using Kefu.Dialogue.Actions;
using Kefu.Projects;

namespace Kefu.Cli.Commands;

/// <summary>What `kefu train` says of PROJECT/actions (docs/actions.md): it builds them, so that a compile error fails training.</summary>
internal static class ActionsCheck
{
    /// <summary>
    /// Builds and loads the project's actions when it has actions/*.csproj; false (and the errors, as file:line:column) when
    /// they do not compile or load. An action the domain does not list is named: the dialogue never runs it.
    /// </summary>
    public static bool BuildAndList(RasaProject project, TextWriter stderr)
    {
        IReadOnlyList<Kefu.Sdk.CustomAction> actions;
        try
        {
            if (ActionsProject.Find(project.Directory) is null) return true;
            actions = ActionsProject.Load(project.Directory, stderr);
        }
        catch (ActionsProjectException e)
        {
            stderr.WriteLine($"kefu train: {e.Message}");
            stderr.WriteLine("kefu train: nothing trained");
            return false;
        }
        var declared = project.Domain.Actions.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        stderr.WriteLine($"C# actions ({ActionsProject.Folder}/): {(actions.Count == 0 ? "none" : string.Join(", ", actions.Select(a => a.Name)))}");
        foreach (var unlisted in actions.Where(a => !declared.Contains(a.Name)))
            stderr.WriteLine($"warning: {ActionsProject.Folder}/ has {unlisted.Name} ({unlisted.GetType().FullName}), which domain.yml does not list under actions: it never runs");
        return true;
    }
}
