namespace Kefu.Tests;

/// <summary>The repository root (the folder holding Kefu.slnx) and ../shared beside it.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Kefu.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Kefu.slnx not found above " + AppContext.BaseDirectory);
    }
}
