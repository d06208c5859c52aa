using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Sdk = global::Kefu.Sdk;

namespace Kefu.Dialogue.Actions;

/// <summary>A project's actions/ could not be built or loaded; the message names each compiler error as file:line:column.</summary>
public sealed class ActionsProjectException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A bot project's C# actions: PROJECT/actions/*.csproj, a class library referencing Kefu.Sdk (docs/actions.md). It is
/// built with `dotnet build` into PROJECT/.kefu/actions/bin, again only when its files (or the host's Kefu.Sdk)
/// changed since the last build, and loaded in process in its own AssemblyLoadContext.
/// </summary>
public static partial class ActionsProject
{
    public const string Folder = "actions";

    /// <summary>The MSBuild property a build of the actions gets: the path of the Kefu.Sdk.dll the host runs.</summary>
    public const string SdkPathProperty = "KefuSdkPath";

    public static string SdkAssemblyPath => typeof(Sdk.CustomAction).Assembly.Location;

    /// <summary>The build output and whether this call built it (false: the sources were unchanged).</summary>
    public sealed record BuildOutput(string AssemblyPath, bool Rebuilt);

    private static readonly ConcurrentDictionary<string, IReadOnlyList<Sdk.CustomAction>> Loaded = new(StringComparer.Ordinal);

    /// <summary>PROJECT/actions/*.csproj; null when there is none. Two are an error.</summary>
    public static string? Find(string projectDirectory)
    {
        var folder = Path.Combine(projectDirectory, Folder);
        if (!Directory.Exists(folder)) return null;
        var projects = Directory.GetFiles(folder, "*.csproj");
        return projects.Length switch
        {
            0 => null,
            1 => Path.GetFullPath(projects[0]),
            _ => throw new ActionsProjectException($"{folder} has {projects.Length} projects ({string.Join(", ", projects.Select(Path.GetFileName))}); keep one"),
        };
    }

    /// <summary>
    /// The project's actions, built when needed and loaded once per build; none without actions/*.csproj.
    /// Throws <see cref="ActionsProjectException"/> for a compile error or an action that cannot be created.
    /// </summary>
    public static IReadOnlyList<Sdk.CustomAction> Load(string projectDirectory, TextWriter? progress = null)
    {
        if (Find(projectDirectory) is null) return [];
        var built = Build(projectDirectory, progress);
        var key = built.AssemblyPath + "|" + File.GetLastWriteTimeUtc(built.AssemblyPath).Ticks;
        return Loaded.GetOrAdd(key, _ => LoadAssembly(built.AssemblyPath, projectDirectory));
    }

    /// <summary>Builds actions/*.csproj unless its sources are unchanged since the last build. Null-safe on progress.</summary>
    public static BuildOutput Build(string projectDirectory, TextWriter? progress = null)
    {
        var project = Find(projectDirectory) ?? throw new ActionsProjectException($"{Path.Combine(projectDirectory, Folder)} has no .csproj");
        var work = Path.Combine(Path.GetFullPath(projectDirectory), ".kefu", "actions");
        var output = Path.Combine(work, "bin");
        var assembly = Path.Combine(output, AssemblyName(project) + ".dll");
        Directory.CreateDirectory(work);
        using var _ = Lock(Path.Combine(work, "build.lock"));
        var stamp = Path.Combine(work, "sources.sha256");
        var hash = SourceHash(project);
        if (File.Exists(assembly) && File.Exists(stamp) && File.ReadAllText(stamp).Trim() == hash)
            return new BuildOutput(assembly, Rebuilt: false);

        var relative = Path.GetRelativePath(projectDirectory, project);
        progress?.WriteLine($"Building {relative} (dotnet build)...");
        var clock = Stopwatch.StartNew();
        var (exitCode, log) = RunDotnetBuild(project, output);
        if (exitCode != 0)
        {
            var errors = CompilerErrors(log);
            throw new ActionsProjectException(errors.Count > 0
                ? $"{relative} does not compile:\n{string.Join("\n", errors)}"
                : $"dotnet build of {relative} failed (exit code {exitCode}):\n{string.Join("\n", log.TakeLast(20))}");
        }
        if (!File.Exists(assembly))
            throw new ActionsProjectException($"dotnet build of {relative} wrote no {assembly}; is <AssemblyName> set in a way Kefu cannot read?");
        File.WriteAllText(stamp, hash);
        progress?.WriteLine($"Built {relative} in {clock.Elapsed.TotalSeconds:F1} s.");
        return new BuildOutput(assembly, Rebuilt: true);
    }

    private static IReadOnlyList<Sdk.CustomAction> LoadAssembly(string path, string projectDirectory)
    {
        try
        {
            // Read, not mapped: a later build (after the sources changed, at a model swap) rewrites this file in place.
            using var image = File.OpenRead(path);
            var pdbPath = Path.ChangeExtension(path, ".pdb");
            using var symbols = File.Exists(pdbPath) ? File.OpenRead(pdbPath) : null;
            var assembly = new ActionsLoadContext(path).LoadFromStream(image, symbols);
            return Sdk.ActionDiscovery.FromAssembly(assembly, new Sdk.ActionSetup(Path.GetFullPath(projectDirectory)));
        }
        catch (Exception e) when (e is InvalidOperationException or System.Reflection.TargetInvocationException or BadImageFormatException
            or FileLoadException or FileNotFoundException or System.Reflection.ReflectionTypeLoadException)
        {
            var reason = e is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner.Message : e.Message;
            throw new ActionsProjectException($"the actions in {path} could not be loaded: {reason}", e);
        }
    }

    private static (int ExitCode, List<string> Log) RunDotnetBuild(string project, string output)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // --disable-build-servers: no compiler server or MSBuild node outlives the build holding our output pipes open.
        // KefuSdkPath: the Kefu.Sdk.dll this host runs, which the actions are loaded against (kefu init's csproj references it by this property).
        foreach (var a in new[] { "build", project, "-c", "Release", "-o", output, "-nologo", "-v:q", "-clp:NoSummary", "--disable-build-servers",
                     $"-p:{SdkPathProperty}={SdkAssemblyPath}" })
            start.ArgumentList.Add(a);
        // A host that itself runs under MSBuild or `dotnet test` must not hand its MSBuild settings to this build.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        var log = new List<string>();
        try
        {
            using var process = Process.Start(start)!;
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.Add(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.Add(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.WaitForExit();
            return (process.ExitCode, log);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ActionsProjectException($"building {project} needs the .NET SDK (the dotnet command) on PATH: {e.Message}", e);
        }
    }

    /// <summary>MSBuild's "path(line,col): error CS0103: text [project]" lines as "path:line:col: error CS0103: text", once each.</summary>
    internal static List<string> CompilerErrors(IEnumerable<string> log) =>
        log.Select(line => ErrorLine().Match(line))
            .Where(m => m.Success)
            .Select(m => $"{m.Groups["file"].Value}:{m.Groups["line"].Value}:{m.Groups["col"].Value}: error {m.Groups["code"].Value}: {m.Groups["text"].Value}")
            .Distinct()
            .ToList();

    [GeneratedRegex(@"^\s*(?<file>[^\s(][^(]*)\((?<line>\d+),(?<col>\d+)(?:,\d+,\d+)?\): error (?<code>\w+): (?<text>.*?)(?: \[[^\]]*\])?$")]
    private static partial Regex ErrorLine();

    /// <summary>Every file of the actions folder that goes into the build, and the host's Kefu.Sdk: what decides whether to build again.</summary>
    private static string SourceHash(string project)
    {
        var root = Path.GetDirectoryName(project)!;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(typeof(Sdk.CustomAction).Assembly.ManifestModule.ModuleVersionId.ToByteArray());
        foreach (var file in SourceFiles(root, root).Order(StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(root, file) + "\n"));
            sha.AppendData(File.ReadAllBytes(file));
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    /// <summary>Files below the actions folder, without build output (bin, obj) and without nested projects (a tests/ project).</summary>
    private static IEnumerable<string> SourceFiles(string folder, string root)
    {
        if (folder != root && Directory.EnumerateFiles(folder, "*.csproj").Any()) yield break;
        foreach (var file in Directory.EnumerateFiles(folder)) yield return file;
        foreach (var sub in Directory.EnumerateDirectories(folder))
            if (Path.GetFileName(sub) is not ("bin" or "obj" or ".kefu"))
                foreach (var file in SourceFiles(sub, root)) yield return file;
    }

    /// <summary>&lt;AssemblyName&gt; of the project file, else its file name.</summary>
    private static string AssemblyName(string project)
    {
        var match = Regex.Match(File.ReadAllText(project), @"<AssemblyName>\s*([^<$]+?)\s*</AssemblyName>");
        return match.Success ? match.Groups[1].Value : Path.GetFileNameWithoutExtension(project);
    }

    /// <summary>One build at a time per project, across processes (two test runs, serve and train side by side).</summary>
    private static FileStream Lock(string path)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (clock.Elapsed < TimeSpan.FromMinutes(5))
            {
                Thread.Sleep(200);
            }
        }
    }
}
